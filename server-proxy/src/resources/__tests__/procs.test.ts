import { ChildProcess, spawn } from 'node:child_process';
import { describeCommand, parsePss, parseStat, ProcessScanner } from '../procs';

describe('parsers', () => {
  it('stat: a comm with spaces and parentheses', () => {
    const line =
      '4242 (tmux: server) (x)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 150 50 0 0 20 0 1 0 123456 10000000 2560 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0';
    expect(parseStat(line)).toEqual({
      pid: 4242,
      comm: 'tmux: server) (x)',
      ppid: 1,
      ticks: 200,
      starttime: 123456,
      rssPages: 2560,
      threads: 1
    });
    expect(parseStat('garbage')).toBeNull();
  });

  it('smaps_rollup Pss', () => {
    expect(
      parsePss(
        '55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:    2048 kB\nPss:    1024 kB\nPss_Anon: 512 kB\n'
      )
    ).toBe(1024 * 1024);
    expect(parsePss(null)).toBeNull();
  });

  it('a kernel: its id from the connection file; secrets masked', () => {
    expect(
      describeCommand([
        '/usr/bin/python3',
        '-m',
        'ipykernel_launcher',
        '-f',
        '/home/a/.local/share/jupyter/runtime/kernel-5f2c1a7e-0b1d-4c8e-9a51-3e0f6f1b2c3d.json'
      ])
    ).toMatchObject({
      kernelId: '5f2c1a7e-0b1d-4c8e-9a51-3e0f6f1b2c3d',
      kernel: 'ipykernel'
    });
    const jupyter = describeCommand([
      'jupyter-server',
      '--ServerApp.token=abc123',
      '--port=8888'
    ]);
    expect(jupyter).toEqual({
      command: 'jupyter-server --ServerApp.token=*** --port=8888',
      kernelId: null,
      kernel: null
    });
  });
});

describe('scanning the real /proc', () => {
  let parent: ChildProcess;
  afterEach(() => {
    if (parent?.pid) {
      try {
        process.kill(-parent.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  it('finds the descendants of a root, their RSS, PSS and CPU', async () => {
    // A parent with three sleeping children and one busy grandchild.
    parent = spawn(
      process.execPath,
      [
        '-e',
        `const {spawn}=require('child_process');
         for (let i=0;i<3;i++) spawn('sleep',['60'],{stdio:'ignore'});
         spawn(process.execPath,['-e','for(;;){}'],{stdio:'ignore'});
         setInterval(()=>{},1000); console.log('ready')`
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'ignore'] }
    );
    await new Promise(r => parent.stdout?.once('data', r));
    const scanner = new ProcessScanner({ top: 3 });
    const first = scanner.scan(parent.pid as number, Date.now());
    expect(first.count).toBe(5);
    expect(first.top).toHaveLength(3);
    expect(first.top[0].cpuCores).toBeNull(); // nothing to compare with yet
    await new Promise(r => setTimeout(r, 1000));
    const second = scanner.scan(parent.pid as number, Date.now());
    expect(second.count).toBe(5);
    // The walk through task/*/children and the full /proc pass agree.
    const full = new ProcessScanner({ top: 3 }).scan(
      parent.pid as number,
      Date.now(),
      true
    );
    expect(full.count).toBe(5);
    expect(full.top.map(p => p.pid).sort()).toEqual(
      second.top.map(p => p.pid).sort()
    );
    expect(second.totalRssBytes).toBeGreaterThan(first.top[0].rssBytes);
    // The two node processes are the heaviest; one of them spins.
    const nodes = second.top.filter(p => p.name === 'node');
    expect(nodes).toHaveLength(2);
    // (Two cores shared with other work: the spinner gets what it gets, but
    // it clearly outruns the idle parent.)
    const [busy, idle] = nodes.map(p => p.cpuCores ?? 0).sort((a, b) => b - a);
    expect(busy).toBeGreaterThan(0.05);
    expect(busy).toBeGreaterThan(idle * 5);
    for (const p of second.top) {
      expect(p.pssBytes).not.toBeNull(); // our own processes: smaps_rollup readable
      expect(p.pssBytes as number).toBeLessThanOrEqual(p.rssBytes);
    }
  });

  it('an unknown root is an empty tree', () => {
    expect(new ProcessScanner().scan(2 ** 22 + 7, Date.now())).toMatchObject({
      count: 0,
      totalRssBytes: 0,
      top: []
    });
  });
});
