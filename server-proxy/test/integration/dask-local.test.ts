/**
 * Local Dask clusters through the real server with Debian's real Dask
 * (/usr/bin/python3 -m distributed.cli.dask_scheduler / dask_worker): create,
 * watch, compute, scale, shut down with nothing left; refusals; a scheduler
 * command that doesn't exist; a server killed with SIGKILL and started again
 * (adopt / cancel); adopting a scheduler started elsewhere. Every process a
 * test starts is killed at the end, even after a failure (by process group
 * and by command line: everything a cluster runs names its directory).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  alive,
  cleanup,
  IErrorJson,
  IProc,
  jsonRequest,
  listeningPort,
  makeTmp,
  startProxy,
  trackGroup,
  waitFor
} from './helpers';

const TOKEN = 'dask-local-token';
const PYTHON = '/usr/bin/python3';

interface ICluster {
  id: string;
  status: string;
  backend: string;
  schedulerFile: string | null;
  schedulerAddress: string | null;
  workers: { requested: number; connected: number };
  workerList: Array<{ name: string }>;
  error?: { code: string; message: string; log?: string[] };
}

jest.setTimeout(180_000);

let tmp: string;
let stateDir: string;

/** Live processes whose command line mentions `marker`, from /proc. */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes(marker) && alive(Number(name))) {
        found.push(Number(name));
      }
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Members of process group `pgid` (a worker's nanny child is one). */
function groupMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter(n => /^\d+$/.test(n))
    .filter(n => {
      try {
        const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(fields[2]) === pgid && alive(Number(n));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Kills (SIGKILL) the group of every process that mentions `marker`. */
function killAllWith(marker: string): void {
  for (const pid of processesWith(marker)) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // not a group leader, or gone
      }
    }
  }
}

function writeConfig(name: string, dask: Record<string, unknown>): string {
  const file = join(tmp, name);
  writeFileSync(file, JSON.stringify({ dask: { stateDir, ...dask } }));
  return file;
}

async function startServer(
  config: string
): Promise<{ proc: IProc; port: number }> {
  const proc = startProxy([
    'serve',
    '--port',
    '0',
    '--token',
    TOKEN,
    '--config',
    config,
    '--root',
    tmp
  ]);
  return { proc, port: await listeningPort(proc) };
}

async function getCluster(port: number, id: string): Promise<ICluster> {
  const res = await jsonRequest(port, TOKEN, 'GET', `/api/dask/clusters/${id}`);
  expect(res.status).toBe(200);
  return res.json<ICluster>();
}

/** Polls the cluster until `test` holds (or 90 s); returns the last view. */
async function waitCluster(
  port: number,
  id: string,
  test: (c: ICluster) => boolean
): Promise<ICluster> {
  let last = await getCluster(port, id);
  await waitFor(async () => {
    last = await getCluster(port, id);
    return test(last) || last.status === 'failed';
  }, 90_000);
  return last;
}

async function create(port: number, body: unknown): Promise<ICluster> {
  const res = await jsonRequest(
    port,
    TOKEN,
    'POST',
    '/api/dask/clusters',
    body
  );
  expect(res.status).toBe(201);
  return res.json<ICluster>();
}

beforeAll(() => {
  tmp = makeTmp('hpc-dask-it-');
  stateDir = join(tmp, 'state');
});
// Not `tmp`: the servers' own command lines name their config there.
afterEach(() => killAllWith(stateDir));
afterAll(async () => {
  killAllWith(tmp);
  await cleanup();
});

describe('a local cluster with real Dask', () => {
  let port: number;

  beforeAll(async () => {
    ({ port } = await startServer(
      writeConfig('local.json', { maxWorkers: 4 })
    ));
  });

  it('starts, computes, scales up and down, and shuts down leaving nothing', async () => {
    const started = Date.now();
    const c = await create(port, {
      backend: 'local',
      workers: 2,
      memoryPerWorker: '512MiB'
    });
    expect(c.status).toBe('starting');
    const dir = join(stateDir, c.id);
    const running = await waitCluster(
      port,
      c.id,
      x => x.status === 'running' && x.workers.connected === 2
    );
    expect(running).toMatchObject({
      status: 'running',
      workers: { requested: 2, connected: 2 },
      schedulerFile: join(dir, 'scheduler.json')
    });
    process.stderr.write(
      `dask-local: 2 workers connected after ${Date.now() - started} ms\n`
    );

    // A real client computes on it.
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        PYTHON,
        [
          '-c',
          'import sys, dask.array as da; from distributed import Client; ' +
            'c = Client(scheduler_file=sys.argv[1], timeout=30); ' +
            'print(da.ones((2000, 2000), chunks=(200, 200)).sum().compute()); c.close()',
          running.schedulerFile as string
        ],
        { timeout: 90_000 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)
      )
    );
    expect(out.trim()).toBe('4000000.0');

    const metrics = await jsonRequest(
      port,
      TOKEN,
      'GET',
      `/api/dask/clusters/${c.id}/metrics?seconds=600`
    );
    const samples = metrics.json<{
      samples: Array<{ workers: number; memoryLimitBytes: number }>;
    }>().samples;
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.at(-1)?.workers).toBe(2);
    expect(samples.at(-1)?.memoryLimitBytes).toBe(2 * 512 * 2 ** 20);

    const up = await jsonRequest(
      port,
      TOKEN,
      'PATCH',
      `/api/dask/clusters/${c.id}`,
      { workers: 3 }
    );
    expect(up.status).toBe(200);
    const three = await waitCluster(
      port,
      c.id,
      x => x.workers.connected === 3 && x.status === 'running'
    );
    expect(three.workers).toEqual({ requested: 3, connected: 3 });

    const down = await jsonRequest(
      port,
      TOKEN,
      'PATCH',
      `/api/dask/clusters/${c.id}`,
      { workers: 1 }
    );
    expect(down.status).toBe(200);
    const one = await waitCluster(
      port,
      c.id,
      x => x.workers.connected === 1 && x.status === 'running'
    );
    expect(one.workers).toEqual({ requested: 1, connected: 1 });
    expect(one.workerList.map(w => w.name)).toEqual([`${c.id}-w0`]);
    // The retired workers' processes are gone too (a nanny would restart them).
    await new Promise(r => setTimeout(r, 3000));
    expect(processesWith(`${c.id}-w1`)).toEqual([]);
    expect(processesWith(`${c.id}-w2`)).toEqual([]);
    expect(processesWith(`${c.id}-w0`).length).toBe(1);
    expect((await getCluster(port, c.id)).workers.connected).toBe(1);

    const record = JSON.parse(
      readFileSync(join(dir, 'cluster.json'), 'utf8')
    ) as {
      schedulerPid: number;
      workerPids: number[];
    };
    const groups = [record.schedulerPid, ...record.workerPids];
    const res = await jsonRequest(
      port,
      TOKEN,
      'DELETE',
      `/api/dask/clusters/${c.id}`
    );
    expect(res.status).toBe(204);
    expect(processesWith(dir)).toEqual([]);
    expect(groups.flatMap(groupMembers)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    const list = await jsonRequest(port, TOKEN, 'GET', '/api/dask/clusters');
    expect(list.json<{ clusters: ICluster[] }>().clusters).toEqual([]);
  });

  it('turns failed (SCHEDULER_LOST) when the scheduler is killed, and stops its workers', async () => {
    const c = await create(port, { backend: 'local', workers: 1 });
    await waitCluster(
      port,
      c.id,
      x => x.status === 'running' && x.workers.connected === 1
    );
    const dir = join(stateDir, c.id);
    const record = JSON.parse(
      readFileSync(join(dir, 'cluster.json'), 'utf8')
    ) as {
      schedulerPid: number;
      workerPids: number[];
    };
    process.kill(record.schedulerPid, 'SIGKILL');
    const failed = await waitCluster(port, c.id, x => x.status === 'failed');
    expect(failed.error?.code).toBe('SCHEDULER_LOST');
    expect(failed.error?.log?.length).toBeGreaterThan(0);
    // Its worker does not linger until --death-timeout.
    expect(await waitFor(() => processesWith(dir).length === 0, 30_000)).toBe(
      true
    );
    expect(record.workerPids.flatMap(groupMembers)).toEqual([]);
    const del = await jsonRequest(
      port,
      TOKEN,
      'DELETE',
      `/api/dask/clusters/${c.id}`
    );
    expect(del.status).toBe(204);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses bad input with 400s in words and unknown ids with 404', async () => {
    const post = (body: unknown) =>
      jsonRequest(port, TOKEN, 'POST', '/api/dask/clusters', body);
    const cases: Array<[unknown, string, RegExp]> = [
      [
        { backend: 'local', workers: 5 },
        'WORKERS_ABOVE_MAXIMUM',
        /maximum of 4 workers/
      ],
      [
        { backend: 'local', workers: 1, memoryPerWorker: '2 gigs' },
        'BAD_MEMORY',
        /not a memory size/
      ],
      [
        { backend: 'slurm', workers: 1, walltime: '25:61:00' },
        'BAD_WALLTIME',
        /not a walltime/
      ],
      [
        { backend: 'local', workers: 1, threads: 2 },
        'INVALID_INPUT',
        /must NOT have additional properties/
      ]
    ];
    for (const [body, code, message] of cases) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.json<IErrorJson>().error.code).toBe(code);
      expect(res.json<IErrorJson>().error.message).toMatch(message);
    }
    const unknown = await jsonRequest(
      port,
      TOKEN,
      'GET',
      '/api/dask/clusters/0123456789ab'
    );
    expect(unknown.status).toBe(404);
    expect(unknown.json<IErrorJson>().error.code).toBe('UNKNOWN_CLUSTER');
    expect(processesWith(stateDir)).toEqual([]);
  });

  it('adopts a scheduler started elsewhere by its file, and only forgets it', async () => {
    const file = join(tmp, 'elsewhere.json');
    const scheduler = spawn(
      PYTHON,
      [
        '-m',
        'distributed.cli.dask_scheduler',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--dashboard-address',
        '127.0.0.1:0',
        '--scheduler-file',
        file
      ],
      { detached: true, stdio: 'ignore', cwd: tmp }
    );
    trackGroup(scheduler.pid as number);
    expect(await waitFor(() => existsSync(file), 30_000)).toBe(true);
    let res = await jsonRequest(
      port,
      TOKEN,
      'POST',
      '/api/dask/clusters/adopt',
      { schedulerFile: file }
    );
    for (let i = 0; res.status === 400 && i < 20; i++) {
      await new Promise(r => setTimeout(r, 250)); // the file is written in two steps
      res = await jsonRequest(port, TOKEN, 'POST', '/api/dask/clusters/adopt', {
        schedulerFile: file
      });
    }
    expect(res.status).toBe(201);
    const c = res.json<ICluster>();
    expect(c).toMatchObject({
      backend: 'external',
      status: 'running',
      schedulerFile: file
    });
    expect(c.schedulerAddress).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const scale = await jsonRequest(
      port,
      TOKEN,
      'PATCH',
      `/api/dask/clusters/${c.id}`,
      { workers: 2 }
    );
    expect(scale.status).toBe(409);
    const bad = await jsonRequest(
      port,
      TOKEN,
      'POST',
      '/api/dask/clusters/adopt',
      {
        schedulerFile: join(tmp, 'local.json')
      }
    );
    expect(bad.status).toBe(400);
    const del = await jsonRequest(
      port,
      TOKEN,
      'DELETE',
      `/api/dask/clusters/${c.id}`
    );
    expect(del.status).toBe(204);
    expect(alive(scheduler.pid as number)).toBe(true); // forgotten, not stopped
    expect(existsSync(file)).toBe(true);
    process.kill(-(scheduler.pid as number), 'SIGKILL');
  });
});

describe('a scheduler command that does not exist', () => {
  it('answers 201, then the cluster fails with the reason', async () => {
    const { port } = await startServer(
      writeConfig('missing.json', {
        schedulerCommand: [
          '/nonexistent/python',
          '-m',
          'distributed.cli.dask_scheduler'
        ]
      })
    );
    const c = await create(port, { backend: 'local', workers: 1 });
    const failed = await waitCluster(port, c.id, x => x.status === 'failed');
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('SPAWN_FAILED');
    expect(failed.error?.message).toMatch(
      /\/nonexistent\/python: command not found/
    );
    const del = await jsonRequest(
      port,
      TOKEN,
      'DELETE',
      `/api/dask/clusters/${c.id}`
    );
    expect(del.status).toBe(204);
  });
});

describe('a server killed with SIGKILL', () => {
  it('finds its running cluster again (adopt), or stops it (cancel)', async () => {
    const adoptConfig = writeConfig('adopt.json', {});
    const first = await startServer(adoptConfig);
    const c = await create(first.port, { backend: 'local', workers: 2 });
    await waitCluster(
      first.port,
      c.id,
      x => x.status === 'running' && x.workers.connected === 2
    );
    const dir = join(stateDir, c.id);
    const before = processesWith(dir);
    expect(before.length).toBeGreaterThanOrEqual(3);

    process.kill(-first.proc.pid, 'SIGKILL');
    await first.proc.exited;
    await new Promise(r => setTimeout(r, 500));
    // The cluster outlives the crash.
    expect(processesWith(dir).sort()).toEqual(before.sort());

    const second = await startServer(adoptConfig);
    const list = await jsonRequest(
      second.port,
      TOKEN,
      'GET',
      '/api/dask/clusters'
    );
    expect(
      list.json<{ clusters: ICluster[] }>().clusters.map(x => x.id)
    ).toEqual([c.id]);
    const again = await waitCluster(
      second.port,
      c.id,
      x => x.status === 'running'
    );
    expect(again).toMatchObject({
      status: 'running',
      workers: { requested: 2, connected: 2 }
    });

    process.kill(-second.proc.pid, 'SIGKILL');
    await second.proc.exited;
    expect(processesWith(dir).length).toBeGreaterThanOrEqual(3);

    const third = await startServer(
      writeConfig('cancel.json', { onRestart: 'cancel' })
    );
    expect(await waitFor(() => processesWith(dir).length === 0, 30_000)).toBe(
      true
    );
    const empty = await waitFor(async () => {
      const res = await jsonRequest(
        third.port,
        TOKEN,
        'GET',
        '/api/dask/clusters'
      );
      return res.json<{ clusters: ICluster[] }>().clusters.length === 0;
    }, 30_000);
    expect(empty).toBe(true);
    expect(await waitFor(() => !existsSync(dir), 10_000)).toBe(true);
  });
});
