import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, Executor, lastLine, SpawnError, which } from '../exec';
import { alive, waitFor } from './helpers';

describe('Executor', () => {
  let dir: string;
  let executor: Executor;
  const strays: number[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hpc-exec-test-'));
    executor = new Executor({ killGraceMs: 200 });
  });
  afterEach(() => {
    executor.dispose();
    for (const pid of strays.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone, as it should be
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('never interprets its arguments', async () => {
    const marker = join(dir, 'X');
    const args = [
      `$(touch ${marker})`,
      `; touch ${marker}`,
      `\`touch ${marker}\``,
      `a\ntouch ${marker}`,
      `| touch ${marker}`,
      `&& touch ${marker}`,
      '*',
      '$HOME'
    ];
    const result = await executor.run('/bin/echo', args);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${args.join(' ')}\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it('passes a command name with shell syntax as a file name', async () => {
    const marker = join(dir, 'Y');
    await expect(
      executor.run(`/bin/echo; touch ${marker}`, [])
    ).rejects.toBeInstanceOf(SpawnError);
    expect(existsSync(marker)).toBe(false);
  });

  it('kills the whole process group on timeout', async () => {
    const pidFile = join(dir, 'pid');
    const result = await executor.run(
      '/bin/sh',
      ['-c', `sleep 60 & echo $! > '${pidFile}'; wait`],
      { timeoutMs: 300 }
    );
    const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
    strays.push(grandchild);
    expect(grandchild).toBeGreaterThan(1);
    expect(result.timedOut).toBe(true);
    expect(result.code).toBeNull();
    expect(result.signal).toBe('SIGTERM');
    expect(result.durationMs).toBeLessThan(5000);
    // The sleep's parent was killed; the sleep (same group) must go too.
    expect(await waitFor(() => !alive(grandchild))).toBe(true);
  });

  it('kills what a finished command left running in its group', async () => {
    // The leader exits at once; its background child keeps stdout open.
    const pidFile = join(dir, 'pid');
    const started = Date.now();
    const result = await executor.run(
      '/bin/sh',
      ['-c', `sleep 60 & echo $! > '${pidFile}'`],
      { timeoutMs: 300 }
    );
    const orphan = Number(readFileSync(pidFile, 'utf8').trim());
    strays.push(orphan);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.timedOut).toBe(true);
    expect(await waitFor(() => !alive(orphan))).toBe(true);
  });

  it('escalates to SIGKILL when the group ignores SIGTERM', async () => {
    const result = await executor.run(
      '/bin/sh',
      ['-c', "trap '' TERM; while :; do sleep 0.05; done"],
      { timeoutMs: 200 }
    );
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGKILL');
  });

  it('does not time out a fast command', async () => {
    const result = await executor.run('/bin/true', [], { timeoutMs: 5000 });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
  });

  it('bounds the output it keeps and says so', async () => {
    const result = await executor.run(
      '/bin/sh',
      ['-c', 'head -c 100000 /dev/zero | tr "\\0" a; echo done >&2'],
      { maxOutputBytes: 1000 }
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('a'.repeat(1000));
    expect(result.stderr).toBe('done\n');
    expect(result.truncated).toBe(true);
  });

  it('keeps stdout as bytes when asked (binary output survives)', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0xff, 0x00, 0xfe, 0x0a]);
    const file = join(dir, 'blob');
    writeFileSync(file, bytes);
    const binary = await executor.run('/bin/cat', [file], { binary: true });
    expect(binary.stdoutBytes?.equals(bytes)).toBe(true);
    // The text form is lossy: that is why the option exists.
    expect(Buffer.from(binary.stdout, 'utf8').equals(bytes)).toBe(false);
    const text = await executor.run('/bin/cat', [file]);
    expect(text.stdoutBytes).toBeUndefined();
  });

  it('does not flag output that fits', async () => {
    const result = await executor.run('/bin/echo', ['fits'], {
      maxOutputBytes: 5
    });
    expect(result.stdout).toBe('fits\n');
    expect(result.truncated).toBe(false);
  });

  it('runs at most maxConcurrent commands at once', async () => {
    const limited = new Executor({ maxConcurrent: 2 });
    try {
      let maxRunning = 0;
      const sample = setInterval(() => {
        maxRunning = Math.max(maxRunning, limited.running);
      }, 5);
      const started = Date.now();
      const runs = [1, 2, 3, 4].map(() => limited.run('/bin/sleep', ['0.3']));
      expect(limited.running).toBeLessThanOrEqual(2);
      await new Promise(r => setImmediate(r));
      expect(limited.running).toBe(2);
      expect(limited.queued).toBe(2);
      const results = await Promise.all(runs);
      clearInterval(sample);
      const elapsed = Date.now() - started;
      expect(results.every(r => r.code === 0)).toBe(true);
      expect(maxRunning).toBe(2);
      expect(elapsed).toBeGreaterThanOrEqual(600);
      expect(limited.running).toBe(0);
      expect(limited.queued).toBe(0);
    } finally {
      limited.dispose();
    }
  });

  it('passes only allow-listed variables', async () => {
    const env = new Executor({
      baseEnv: {
        PATH: '/usr/bin:/bin',
        HOME: '/home/alice',
        LC_ALL: 'C.UTF-8',
        SLURM_CONF: '/etc/slurm/site.conf',
        SQUEUE_FORMAT: '%i',
        SLURM_TIME_FORMAT: 'relative',
        SBATCH_PARTITION: 'gpu',
        SLURM_JOB_ID: '42',
        SLURM_CLUSTERS: 'other',
        SECRET_TOKEN: 'x'
      }
    });
    try {
      const result = await env.run('/usr/bin/env', []);
      const seen = Object.fromEntries(
        result.stdout
          .trim()
          .split('\n')
          .map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
      );
      expect(seen).toEqual({
        PATH: '/usr/bin:/bin',
        HOME: '/home/alice',
        LC_ALL: 'C.UTF-8',
        SLURM_CONF: '/etc/slurm/site.conf'
      });
    } finally {
      env.dispose();
    }
  });

  it('adds per-run variables to the clean environment', async () => {
    const env = new Executor({ baseEnv: { PATH: '/usr/bin:/bin' } });
    try {
      const result = await env.run('/usr/bin/env', [], {
        env: { GIT_CONFIG_GLOBAL: '/tmp/g' }
      });
      expect(result.stdout).toContain('GIT_CONFIG_GLOBAL=/tmp/g\n');
      expect(result.stdout).toContain('PATH=/usr/bin:/bin\n');
    } finally {
      env.dispose();
    }
  });

  it('rejects with SpawnError when the command does not exist', async () => {
    const missing = join(dir, 'no-such-command');
    const error = await executor.run(missing, ['x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpawnError);
    const e = error as SpawnError;
    expect(e.errno).toBe('ENOENT');
    expect(e.command).toBe(missing);
    expect(e.message).toBe(`${missing}: command not found`);
    // The slot was given back.
    expect(executor.running).toBe(0);
  });

  it('looks commands up on the allow-listed PATH', async () => {
    const empty = new Executor({ baseEnv: { PATH: dir } });
    try {
      await expect(empty.run('echo', ['x'])).rejects.toBeInstanceOf(SpawnError);
      expect(empty.which('echo')).toBeNull();
    } finally {
      empty.dispose();
    }
  });

  it('delivers stdin input and closes it', async () => {
    const input = 'line one\n$(touch nothing)\n#SBATCH -p debug\n';
    const result = await executor.run('/bin/cat', [], { input });
    expect(result.stdout).toBe(input);
    const counted = await executor.run('/usr/bin/wc', ['-l'], { input });
    expect(counted.stdout.trim()).toBe('3');
  });

  it('survives a command that does not read its input', async () => {
    const result = await executor.run('/bin/true', [], {
      input: 'x'.repeat(1 << 20)
    });
    expect(result.code).toBe(0);
  });

  it('reports a non-zero exit status and stderr', async () => {
    const result = await executor.run('/bin/sh', [
      '-c',
      'echo out; echo "sbatch: error: bad" >&2; exit 3'
    ]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('out\n');
    expect(lastLine(result)).toBe('sbatch: error: bad');
  });

  it('kills the process group on abort', async () => {
    const controller = new AbortController();
    const run = executor.run('/bin/sleep', ['30'], {
      signal: controller.signal,
      timeoutMs: 60_000
    });
    setTimeout(() => controller.abort(), 100);
    const result = await run;
    expect(result.timedOut).toBe(false);
    expect(result.signal).toBe('SIGTERM');
    expect(result.durationMs).toBeLessThan(5000);
  });

  it('kills running commands on dispose and refuses new ones', async () => {
    const pidFile = join(dir, 'pid');
    const run = executor.run(
      '/bin/sh',
      ['-c', `sleep 60 & echo $! > '${pidFile}'; wait`],
      { timeoutMs: 60_000 }
    );
    expect(await waitFor(() => existsSync(pidFile))).toBe(true);
    expect(
      await waitFor(() => readFileSync(pidFile, 'utf8').trim() !== '')
    ).toBe(true);
    const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
    strays.push(grandchild);
    executor.dispose();
    const result = await run;
    expect(result.signal).toBe('SIGKILL');
    expect(await waitFor(() => !alive(grandchild))).toBe(true);
    const refused = await executor
      .run('/bin/true', [])
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SpawnError);
    expect((refused as SpawnError).errno).toBe('EDISPOSED');
  });

  it('refuses queued commands on dispose instead of starting them', async () => {
    const one = new Executor({ maxConcurrent: 1 });
    const first = one.run('/bin/sleep', ['30']);
    const second = one.run('/bin/sleep', ['30']).then(
      r => r,
      (e: unknown) => e
    );
    await new Promise(r => setImmediate(r));
    expect(one.queued).toBe(1);
    const started = Date.now();
    one.dispose();
    expect((await first).signal).toBe('SIGKILL');
    const outcome = await second;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(outcome).toBeInstanceOf(SpawnError);
    expect((outcome as SpawnError).errno).toBe('EDISPOSED');
    expect(one.running).toBe(0);
  });
});

describe('cleanEnv', () => {
  it('keeps the allow-list and LC_*, drops the rest, adds extras', () => {
    expect(
      cleanEnv(
        {
          PATH: '/bin',
          LANG: 'C',
          LC_TIME: 'C',
          TZ: 'UTC',
          SQUEUE_SORT: 'i',
          SLURM_JOBID: '1',
          SBATCH_ACCOUNT: 'a',
          UNDEFINED: undefined
        },
        { EXTRA: '1' }
      )
    ).toEqual({ PATH: '/bin', LANG: 'C', LC_TIME: 'C', TZ: 'UTC', EXTRA: '1' });
  });
});

describe('which', () => {
  it('finds an executable on a PATH, never a relative name', () => {
    expect(which('sh', '/nonexistent:/bin')).toBe('/bin/sh');
    expect(which('/bin/sh', '')).toBe('/bin/sh');
    expect(which('bin/sh', '/')).toBeNull();
    expect(which('sh', '')).toBeNull();
  });
});
