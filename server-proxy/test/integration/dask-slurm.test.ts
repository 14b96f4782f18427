/**
 * Dask clusters as Slurm jobs through the real server running as alice, on
 * the test bed's real Slurm with Debian's real Dask: the scheduler job and
 * worker array jobs appear in squeue as alice's, a client computes on them,
 * scaling submits and cancels worker jobs, shutdown leaves no job; a
 * partition Slurm doesn't know fails in Slurm's words and leaves no job; a
 * server killed with SIGKILL finds its cluster again (or cancels it).
 */
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cleanup,
  IProc,
  jsonRequest,
  listeningPort,
  makeTmpFor,
  startProxyAs,
  waitFor
} from './helpers';

const TOKEN = 'dask-slurm-token';
const PYTHON = '/usr/bin/python3';

interface ICluster {
  id: string;
  status: string;
  schedulerFile: string | null;
  schedulerAddress: string | null;
  workers: { requested: number; connected: number };
  jobs?: Array<{
    jobId: string;
    role: string;
    state: string;
    reason?: string;
    workerName?: string;
  }>;
  error?: { code: string; message: string };
}

jest.setTimeout(240_000);

let tmp: string;
let stateDir: string;

/** alice's jobs of cluster `id`, straight from squeue (as root). */
function queueOf(
  id: string
): Array<{ id: string; name: string; user: string; state: string }> {
  const out = execFileSync(
    'squeue',
    [
      '--noheader',
      '--array',
      '--all',
      `--name=dask-${id}-scheduler,dask-${id}-worker`,
      '--format=%i|%j|%u|%T'
    ],
    { encoding: 'utf8', timeout: 30_000 }
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map(l => {
      const [jobId, name, user, state] = l.trim().split('|');
      return { id: jobId, name, user, state };
    });
}

/** Cancels every job of alice's test clusters (safety net). */
function cancelAll(ids: string[]): void {
  for (const id of ids) {
    try {
      execFileSync(
        'scancel',
        [`--name=dask-${id}-scheduler,dask-${id}-worker`],
        { timeout: 30_000 }
      );
    } catch {
      // none left
    }
  }
}

const clusters: string[] = [];

/** Signals the server's whole group (runuser and the server), waits for it. */
async function stop(proc: IProc, signal: NodeJS.Signals): Promise<void> {
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // gone already
  }
  await proc.exited;
}

async function startServer(
  onRestart = 'adopt'
): Promise<{ proc: IProc; port: number }> {
  const config = join(tmp, `config-${onRestart}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      dask: {
        stateDir,
        maxWorkers: 4,
        onRestart,
        slurmDefaults: {
          partition: 'debug',
          walltime: '00:10:00',
          memoryPerWorker: '512MiB'
        }
      }
    })
  );
  const proc = startProxyAs('alice', [
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

async function get(port: number, id: string): Promise<ICluster> {
  const res = await jsonRequest(port, TOKEN, 'GET', `/api/dask/clusters/${id}`);
  expect(res.status).toBe(200);
  return res.json<ICluster>();
}

async function waitCluster(
  port: number,
  id: string,
  test: (c: ICluster) => boolean
): Promise<ICluster> {
  let last = await get(port, id);
  await waitFor(async () => {
    last = await get(port, id);
    return test(last) || last.status === 'failed';
  }, 120_000);
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
  const c = res.json<ICluster>();
  clusters.push(c.id);
  return c;
}

beforeAll(() => {
  tmp = makeTmpFor('alice', 'hpc-dask-slurm-');
  stateDir = join(tmp, 'state');
});
afterAll(async () => {
  cancelAll(clusters);
  await cleanup();
});

describe('a Dask cluster as Slurm jobs, as alice', () => {
  it('runs as jobs, computes, scales and leaves no job behind', async () => {
    const { proc, port } = await startServer();
    const c = await create(port, { backend: 'slurm', workers: 2 });
    const running = await waitCluster(
      port,
      c.id,
      x => x.status === 'running' && x.workers.connected === 2
    );
    expect(running.status).toBe('running');
    expect(running.workers).toEqual({ requested: 2, connected: 2 });

    // The scheduler job and two worker array tasks, alice's, in Slurm's queue.
    const jobs = queueOf(c.id);
    expect(jobs.map(j => j.user)).toEqual(['alice', 'alice', 'alice']);
    expect(jobs.filter(j => j.name === `dask-${c.id}-scheduler`)).toHaveLength(
      1
    );
    expect(
      jobs.filter(
        j => j.name === `dask-${c.id}-worker` && j.state === 'RUNNING'
      )
    ).toHaveLength(2);
    // The cluster view names each job with its role (squeue is asked at most every 10 s).
    const seen = await waitCluster(
      port,
      c.id,
      x => (x.jobs ?? []).filter(j => j.state === 'RUNNING').length === 3
    );
    expect(seen.jobs?.filter(j => j.role === 'scheduler')).toHaveLength(1);
    expect(
      seen.jobs?.filter(
        j => j.role === 'worker' && j.workerName?.startsWith(`${c.id}-`)
      )
    ).toHaveLength(2);

    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        PYTHON,
        [
          '-c',
          'import sys, dask.array as da; from distributed import Client; ' +
            'c = Client(sys.argv[1], timeout=30); print(da.ones((2000, 2000)).sum().compute()); c.close()',
          running.schedulerAddress as string
        ],
        { timeout: 90_000 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)
      )
    );
    expect(out.trim()).toBe('4000000.0');

    expect(
      (
        await jsonRequest(port, TOKEN, 'PATCH', `/api/dask/clusters/${c.id}`, {
          workers: 3
        })
      ).status
    ).toBe(200);
    await waitCluster(port, c.id, x => x.workers.connected === 3);
    expect(queueOf(c.id).filter(j => j.name.endsWith('-worker'))).toHaveLength(
      3
    );
    expect(
      (
        await jsonRequest(port, TOKEN, 'PATCH', `/api/dask/clusters/${c.id}`, {
          workers: 1
        })
      ).status
    ).toBe(200);
    const one = await waitCluster(
      port,
      c.id,
      x => x.workers.connected === 1 && x.status === 'running'
    );
    expect(one.workers).toEqual({ requested: 1, connected: 1 });
    await waitFor(
      async () =>
        queueOf(c.id).filter(j => j.name.endsWith('-worker')).length === 1,
      30_000
    );

    const del = await jsonRequest(
      port,
      TOKEN,
      'DELETE',
      `/api/dask/clusters/${c.id}`
    );
    expect(del.status).toBe(204);
    expect(queueOf(c.id)).toEqual([]);
    await stop(proc, 'SIGTERM');
  });

  it('a partition Slurm does not know fails in Slurm’s words and leaves no job', async () => {
    const { proc, port } = await startServer();
    const c = await create(port, {
      backend: 'slurm',
      workers: 1,
      partition: 'nosuchpartition'
    });
    const failed = await waitCluster(port, c.id, x => x.status === 'failed');
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toMatch(/invalid partition/i);
    expect(queueOf(c.id)).toEqual([]);
    await stop(proc, 'SIGTERM');
  });

  it('survives the server’s SIGKILL: shown again, or cancelled when so configured', async () => {
    const first = await startServer('adopt');
    const c = await create(first.port, { backend: 'slurm', workers: 1 });
    await waitCluster(
      first.port,
      c.id,
      x => x.status === 'running' && x.workers.connected === 1
    );
    await stop(first.proc, 'SIGKILL');
    expect(queueOf(c.id)).toHaveLength(2); // still running: no orphan, no loss

    const second = await startServer('adopt');
    const again = await waitCluster(
      second.port,
      c.id,
      x => x.status === 'running' && x.workers.connected === 1
    );
    expect(again.status).toBe('running');
    await stop(second.proc, 'SIGKILL');

    // A server configured to cancel what it finds leaves no job of it.
    const third = await startServer('cancel');
    await waitFor(async () => queueOf(c.id).length === 0, 60_000);
    // ... and lists it no more once they are gone.
    const listed = async (): Promise<string[]> =>
      (await jsonRequest(third.port, TOKEN, 'GET', '/api/dask/clusters'))
        .json<{ clusters: ICluster[] }>()
        .clusters.map(x => x.id);
    await waitFor(async () => !(await listed()).includes(c.id), 30_000);
    expect(await listed()).not.toContain(c.id);
    await stop(third.proc, 'SIGTERM');
  });
});
