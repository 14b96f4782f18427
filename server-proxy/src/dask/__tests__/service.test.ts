import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../config';
import { HpcError } from '../../errors';
import { Executor } from '../../exec';
import { DaskService } from '../service';
import type { ICluster, IClusterRecord } from '../types';
import { FakeBackend, FakeScheduler, notFound } from './fakes';

const TIMINGS = {
  pollMs: 40,
  fastPollMs: 20,
  startGraceMs: 400,
  scaleGraceMs: 2000,
  lostAfterPolls: 3,
  adaptCooldownMs: 100,
  adaptDownAfterMs: 400,
  jobsMs: 0
};

async function until<T>(
  read: () => T,
  test: (value: T) => boolean,
  ms = 5000
): Promise<T> {
  const deadline = Date.now() + ms;
  let value = read();
  while (!test(value) && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 10));
    value = read();
  }
  return value;
}

function httpError(fn: () => unknown): HpcError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(HpcError);
    return e as HpcError;
  }
  throw new Error('expected an HpcError');
}

async function rejection(p: Promise<unknown>): Promise<HpcError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HpcError);
    return e as HpcError;
  }
  throw new Error('expected an HpcError');
}

describe('DaskService', () => {
  let dir: string;
  let scheduler: FakeScheduler;
  let backend: FakeBackend;
  let service: DaskService;
  let executor: Executor;
  const logs: string[] = [];

  function make(dask: Record<string, unknown> = {}): DaskService {
    service = new DaskService({
      executor,
      config: parseConfig({ dask: { maxWorkers: 8, ...dask } }),
      backends: { local: backend },
      stateDir: join(dir, 'state'),
      timings: TIMINGS,
      log: (_level, message) => logs.push(message)
    });
    return service;
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hpc-dask-service-'));
    scheduler = new FakeScheduler();
    await scheduler.start();
    backend = new FakeBackend(scheduler);
    executor = new Executor();
    logs.length = 0;
    make();
    await service.init();
  });
  afterEach(async () => {
    await service.shutdown();
    executor.dispose();
    await scheduler.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const view = (id: string) => (): ICluster => service.get(id);

  it('keeps a private state dir and an atomic record per cluster', async () => {
    const c = await service.create({ backend: 'local', workers: 2 });
    expect(c.id).toMatch(/^[a-z0-9]{12}$/);
    expect(c.status).toBe('starting');
    expect(statSync(join(dir, 'state')).mode & 0o777).toBe(0o700);
    const record = JSON.parse(
      readFileSync(join(dir, 'state', c.id, 'cluster.json'), 'utf8')
    ) as IClusterRecord;
    expect(record).toMatchObject({
      version: 1,
      id: c.id,
      backend: 'local',
      requested: 2,
      uid: process.getuid?.()
    });
    await until(view(c.id), v => v.status === 'running');
    const saved = JSON.parse(
      readFileSync(join(dir, 'state', c.id, 'cluster.json'), 'utf8')
    ) as IClusterRecord;
    expect(saved.schedulerPid).toBe(4242);
    expect(saved.workerPids).toEqual([5000, 5001]);
  });

  it('goes from starting to running with what the scheduler says', async () => {
    scheduler.plots = { 'Individual Task Stream': '/individual-task-stream' };
    const c = await service.create({ backend: 'local', workers: 2 });
    const v = await until(view(c.id), x => x.status === 'running');
    expect(v.status).toBe('running');
    expect(v.workers).toEqual({ requested: 2, connected: 2 });
    expect(v.schedulerAddress).toBe('tcp://127.0.0.1:1');
    expect(v.dashboardPath).toBe(`dask/${c.id}/dashboard/`);
    expect(service.dashboardTarget(c.id)).toEqual({
      host: '127.0.0.1',
      port: scheduler.port
    });
    expect(service.dashboardTarget('unknown00000')).toBeNull();
    expect(v.threads).toBe(4);
    expect(v.memoryBytes).toBe(2 * 2 ** 30);
    expect(v.memoryUsedBytes).toBe((2 * 2 ** 30) / 4);
    expect(v.workerList.map(w => w.name)).toEqual([`${c.id}-w0`, `${c.id}-w1`]);
    expect(v.workerList[0]).toMatchObject({ cpuPercent: 12.5, executing: 1 });
    expect(v.plots).toEqual(scheduler.plots);
    const plotReads = scheduler.hits.filter(h => h.includes('plots')).length;
    await new Promise(r => setTimeout(r, 150));
    expect(scheduler.hits.filter(h => h.includes('plots')).length).toBe(
      plotReads
    );
  });

  it('waits for the workers, then runs without them after the grace', async () => {
    backend.connectWorkers = false;
    const c = await service.create({ backend: 'local', workers: 2 });
    await until(view(c.id), x => x.schedulerAddress !== null);
    await new Promise(r => setTimeout(r, 150));
    expect(service.get(c.id).status).toBe('starting');
    const v = await until(view(c.id), x => x.status === 'running');
    expect(v.status).toBe('running');
    expect(v.workers).toEqual({ requested: 2, connected: 0 });
  });

  it('computes samples and tasks per second from count deltas', async () => {
    const c = await service.create({ backend: 'local', workers: 1 });
    await until(view(c.id), x => x.status === 'running');
    scheduler.counts = {
      ...scheduler.counts,
      processing: 3,
      waiting: 2,
      memory: 0
    };
    scheduler.forgotten = 100;
    await new Promise(r => setTimeout(r, 200));
    scheduler.forgotten = 300;
    const samples = await until(
      () => service.metrics(c.id, 60),
      s => s.some(x => x.tasksPerSecond > 0)
    );
    const fast = samples.find(x => x.tasksPerSecond > 0);
    // 200 tasks within about one poll interval (40 ms).
    expect(fast?.tasksPerSecond).toBeGreaterThan(200);
    expect(samples.at(-1)).toMatchObject({
      workers: 1,
      threads: 2,
      processing: 3,
      queued: 2,
      memoryLimitBytes: 1 << 30
    });
    expect(service.metrics(c.id, 0.001).length).toBeLessThan(samples.length);
  });

  it('fails with the reason when the command does not exist', async () => {
    backend.startError = notFound;
    const c = await service.create({ backend: 'local', workers: 1 });
    expect(c.status).toBe('starting');
    const v = await until(view(c.id), x => x.status === 'failed');
    expect(v.error?.code).toBe('SPAWN_FAILED');
    expect(v.error?.message).toMatch(
      /\/nonexistent\/python: command not found/
    );
    expect(v.error?.message).toMatch(/dask\.schedulerCommand/);
  });

  it('fails with the log when the scheduler exits before its file', async () => {
    backend.writeFile = false;
    backend.aliveDefault = false;
    const c = await service.create({ backend: 'local', workers: 1 });
    const v = await until(view(c.id), x => x.status === 'failed');
    expect(v.error).toEqual({
      code: 'SCHEDULER_FAILED',
      message: expect.stringMatching(/exited before it started listening/),
      log: ['line 1', 'ModuleNotFoundError: No module named distributed']
    });
    // Whatever was started is stopped.
    await until(
      () => backend.count('stop'),
      n => n > 0
    );
    expect(backend.count('stop')).toBe(1);
  });

  it('keeps waiting while the scheduler process lives without a file', async () => {
    backend.writeFile = false;
    const c = await service.create({ backend: 'local', workers: 1 });
    await new Promise(r => setTimeout(r, 300));
    expect(service.get(c.id).status).toBe('starting');
    expect(backend.count('alive')).toBeGreaterThan(2);
  });

  it('asks a Slurm backend whether it lives at most every jobsMs', async () => {
    const slurm = new FakeBackend(scheduler);
    slurm.writeFile = false; // a scheduler job pending for long
    service = new DaskService({
      executor,
      config: parseConfig({}),
      backends: { local: backend, slurm },
      stateDir: join(dir, 'state'),
      timings: { ...TIMINGS, jobsMs: 60_000 }
    });
    await service.init();
    const c = await service.create({ backend: 'slurm', workers: 1 });
    expect(c.spec).toMatchObject({
      walltimeSeconds: 3600,
      memoryPerWorkerBytes: 2 * 2 ** 30,
      threadsPerWorker: 1
    });
    await new Promise(r => setTimeout(r, 300));
    expect(service.get(c.id).status).toBe('starting');
    expect(slurm.count('alive')).toBe(1);
    expect(backend.calls).toEqual([]);
  });

  it('marks a lost scheduler SCHEDULER_LOST and stops what is left', async () => {
    const c = await service.create({ backend: 'local', workers: 1 });
    await until(view(c.id), x => x.status === 'running');
    scheduler.healthy = false;
    await new Promise(r => setTimeout(r, 200));
    // Still alive (a slow scheduler): not failed.
    expect(service.get(c.id).status).toBe('running');
    backend.aliveById.set(c.id, false);
    const v = await until(view(c.id), x => x.status === 'failed');
    expect(v.error?.code).toBe('SCHEDULER_LOST');
    expect(v.error?.log?.length).toBe(2);
    await until(
      () => backend.count('stop'),
      n => n > 0
    );
    // DELETE forgets it.
    await service.remove(c.id);
    expect(service.list()).toEqual([]);
    expect(existsSync(join(dir, 'state', c.id))).toBe(false);
  });

  it('retires the newest workers through the scheduler, then scales down', async () => {
    const c = await service.create({ backend: 'local', workers: 3 });
    await until(view(c.id), x => x.status === 'running');
    const addressOf = (name: string): string | undefined =>
      [...scheduler.workers].find(([, w]) => w.name === name)?.[0];
    const newest = addressOf(`${c.id}-w2`);
    const middle = addressOf(`${c.id}-w1`);
    const v = await service.patch(c.id, { workers: 1 });
    expect(scheduler.retired).toHaveLength(1);
    expect([...scheduler.retired[0]].sort()).toEqual([newest, middle].sort());
    expect(backend.calls.filter(x => x.method === 'scale')).toEqual([
      { method: 'scale', id: c.id, n: 1 }
    ]);
    expect(v.workers.requested).toBe(1);
    const after = await until(view(c.id), x => x.status === 'running');
    expect(after.workers).toEqual({ requested: 1, connected: 1 });
    await service.patch(c.id, { workers: 2 });
    const up = await until(view(c.id), x => x.workers.connected === 2);
    expect(up.workers).toEqual({ requested: 2, connected: 2 });
    expect(scheduler.retired).toHaveLength(1); // nothing retired going up
  });

  it('refuses to scale above the maximum, or a cluster that is gone', async () => {
    const c = await service.create({ backend: 'local', workers: 1 });
    const e = await rejection(service.patch(c.id, { workers: 9 }));
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe('WORKERS_ABOVE_MAXIMUM');
    expect(e.message).toMatch(/maximum of 8/);
    await service.remove(c.id);
    const gone = await rejection(service.patch(c.id, { workers: 1 }));
    expect([gone.statusCode, gone.code]).toEqual([404, 'UNKNOWN_CLUSTER']);
    expect(httpError(() => service.get(c.id)).code).toBe('UNKNOWN_CLUSTER');
  });

  it('refuses to scale a failed cluster with 409', async () => {
    backend.startError = notFound;
    const c = await service.create({ backend: 'local', workers: 1 });
    await until(view(c.id), x => x.status === 'failed');
    const e = await rejection(service.patch(c.id, { workers: 2 }));
    expect([e.statusCode, e.code]).toEqual([409, 'CLUSTER_NOT_RUNNING']);
  });

  it('adapts to desired_workers within the range, down only after a while', async () => {
    const c = await service.create({
      backend: 'local',
      workers: 1,
      adapt: { minimum: 1, maximum: 4 }
    });
    await until(view(c.id), x => x.status === 'running');
    scheduler.counts.desired_workers = 10;
    const up = await until(view(c.id), x => x.workers.connected === 4);
    expect(up.workers.requested).toBe(4); // clamped to the maximum
    scheduler.counts.desired_workers = 0;
    const t0 = Date.now();
    const down = await until(view(c.id), x => x.workers.requested === 1);
    expect(down.workers.requested).toBe(1); // clamped to the minimum
    expect(Date.now() - t0).toBeGreaterThanOrEqual(
      TIMINGS.adaptDownAfterMs - 50
    );
    // Off: the target no longer moves it.
    await service.patch(c.id, { adapt: null });
    expect(service.get(c.id).adapt).toBeNull();
    scheduler.counts.desired_workers = 3;
    await new Promise(r => setTimeout(r, 300));
    expect(service.get(c.id).workers.requested).toBe(1);
    const bad = await rejection(
      service.patch(c.id, { adapt: { minimum: 3, maximum: 2 } })
    );
    expect(bad.message).toMatch(/minimum \(3\) is above its maximum \(2\)/);
  });

  it('stops a cluster, drops it and its directory', async () => {
    const c = await service.create({ backend: 'local', workers: 1 });
    await until(view(c.id), x => x.status === 'running');
    await Promise.all([service.remove(c.id), service.remove(c.id)]);
    expect(backend.count('stop')).toBe(1);
    expect(service.list()).toEqual([]);
    expect(existsSync(join(dir, 'state', c.id))).toBe(false);
  });

  it('answers 503 for Slurm without a Slurm backend', async () => {
    const e = await rejection(service.create({ backend: 'slurm', workers: 1 }));
    expect([e.statusCode, e.code]).toEqual([503, 'DASK_UNAVAILABLE']);
    expect(e.message).toMatch(/Slurm/);
    expect(
      httpError(() => service.preview({ backend: 'slurm', workers: 1 }))
        .statusCode
    ).toBe(503);
  });

  it('previews with the site defaults filled in, starting nothing', () => {
    make({ slurmDefaults: { memoryPerWorker: '3G' } });
    const p = service.preview({
      backend: 'local',
      workers: 1,
      threadsPerWorker: 3
    });
    expect(p.worker.argv).toEqual(['worker', '3']);
    expect(backend.calls).toEqual([]);
  });

  it('refuses a state dir that belongs to another user', async () => {
    const other = join(dir, 'other');
    mkdirSync(other, { mode: 0o700 });
    chownSync(other, 12345, 12345);
    service = new DaskService({
      executor,
      config: parseConfig({ dask: { stateDir: other } }),
      backends: { local: backend },
      timings: TIMINGS
    });
    await service.init();
    const e = await rejection(service.create({ backend: 'local', workers: 1 }));
    expect([e.statusCode, e.code]).toEqual([503, 'DASK_STATE_DIR']);
    expect(e.message).toMatch(/belongs to another user/);
    expect(backend.calls).toEqual([]);
  });

  describe('at start-up', () => {
    async function leave(workers: number): Promise<ICluster> {
      const c = await service.create({ backend: 'local', workers });
      await until(view(c.id), x => x.status === 'running');
      return c;
    }

    async function restart(dask: Record<string, unknown> = {}): Promise<void> {
      // As after a crash: nothing stopped, the records stay.
      service.dispose();
      backend.calls = [];
      make(dask);
      await service.init();
    }

    it('watches a live cluster again (onRestart: adopt)', async () => {
      const c = await leave(2);
      await restart();
      expect(service.list().map(x => x.id)).toEqual([c.id]);
      const v = await until(view(c.id), x => x.status === 'running');
      expect(v.workers).toEqual({ requested: 2, connected: 2 });
      expect(backend.count('stop')).toBe(0);
    });

    it('stops a live cluster (onRestart: cancel)', async () => {
      const c = await leave(1);
      await restart({ onRestart: 'cancel' });
      await until(
        () => service.list().length,
        n => n === 0
      );
      expect(service.list()).toEqual([]);
      expect(backend.calls.filter(x => x.method === 'stop')).toEqual([
        { method: 'stop', id: c.id }
      ]);
      expect(existsSync(join(dir, 'state', c.id))).toBe(false);
    });

    it('drops a dead one: stale scheduler file removed, remains stopped', async () => {
      const c = await leave(1);
      backend.aliveById.set(c.id, false);
      await restart();
      expect(service.list()).toEqual([]);
      await until(
        () => existsSync(join(dir, 'state', c.id)),
        x => !x
      );
      expect(existsSync(join(dir, 'state', c.id))).toBe(false);
      expect(backend.calls.filter(x => x.method === 'stop')).toEqual([
        { method: 'stop', id: c.id }
      ]);
    });

    it("leaves another uid's record and a broken one alone", async () => {
      const c = await leave(1);
      const file = join(dir, 'state', c.id, 'cluster.json');
      const record = JSON.parse(readFileSync(file, 'utf8')) as IClusterRecord;
      writeFileSync(file, JSON.stringify({ ...record, uid: 12345 }));
      mkdirSync(join(dir, 'state', 'abcdefgh1234'));
      writeFileSync(join(dir, 'state', 'abcdefgh1234', 'cluster.json'), '{');
      await restart();
      expect(service.list()).toEqual([]);
      expect(backend.calls).toEqual([]);
      expect(existsSync(file)).toBe(true);
      expect(logs.some(l => /belongs to uid 12345/.test(l))).toBe(true);
    });
  });

  describe('adopt', () => {
    it('adopts by scheduler file, watches, refuses scaling, forgets on delete', async () => {
      scheduler.connect('outside-1');
      const file = join(dir, 'scheduler.json');
      writeFileSync(file, scheduler.schedulerFile());
      const c = await service.adopt({ schedulerFile: file });
      expect(c).toMatchObject({
        backend: 'external',
        status: 'running',
        schedulerFile: file,
        schedulerAddress: 'tcp://127.0.0.1:1',
        workers: { requested: 1, connected: 1 }
      });
      const twin = await rejection(service.adopt({ schedulerFile: file }));
      expect([twin.statusCode, twin.code]).toEqual([409, 'ALREADY_LISTED']);
      const scale = await rejection(service.patch(c.id, { workers: 3 }));
      expect([scale.statusCode, scale.code]).toEqual([409, 'EXTERNAL_CLUSTER']);
      await service.remove(c.id);
      expect(service.list()).toEqual([]);
      expect(existsSync(file)).toBe(true); // the user's file stays
      expect(backend.calls).toEqual([]);
    });

    it('adopts by address and dashboard port', async () => {
      const c = await service.adopt({
        address: 'tcp://127.0.0.1:1',
        dashboardPort: scheduler.port,
        name: 'theirs'
      });
      expect(c).toMatchObject({
        name: 'theirs',
        schedulerFile: null,
        status: 'running'
      });
      expect(service.dashboardTarget(c.id)?.port).toBe(scheduler.port);
    });

    it('refuses what is not a scheduler file, or a scheduler that is gone', async () => {
      const missing = await rejection(
        service.adopt({ schedulerFile: join(dir, 'nope.json') })
      );
      expect([missing.statusCode, missing.code]).toEqual([
        400,
        'BAD_SCHEDULER_FILE'
      ]);
      expect(missing.message).toMatch(/cannot be read/);
      const notOne = join(dir, 'x.json');
      writeFileSync(notOne, '{"hello": 1}');
      const bad = await rejection(service.adopt({ schedulerFile: notOne }));
      expect(bad.message).toMatch(/not a Dask scheduler file/);
      scheduler.healthy = false;
      const file = join(dir, 'scheduler.json');
      writeFileSync(file, scheduler.schedulerFile());
      const gone = await rejection(service.adopt({ schedulerFile: file }));
      expect([gone.statusCode, gone.code]).toEqual([
        502,
        'SCHEDULER_UNREACHABLE'
      ]);
      const addr = await rejection(service.adopt({ address: 'http://x:1' }));
      expect(addr.message).toMatch(/tcp:\/\/host:port/);
      expect(service.list()).toEqual([]);
    });

    it('marks an adopted scheduler that stops answering as lost', async () => {
      const file = join(dir, 'scheduler.json');
      writeFileSync(file, scheduler.schedulerFile());
      const c = await service.adopt({ schedulerFile: file });
      scheduler.healthy = false;
      const v = await until(view(c.id), x => x.status === 'failed');
      expect(v.error?.code).toBe('SCHEDULER_LOST');
    });
  });
});
