import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app';
import { parseConfig } from '../../config';
import { Executor } from '../../exec';
import { AllocationWatcher } from '../allocation';
import { CgroupReader } from '../cgroup';
import type { GpuMonitor } from '../gpu';
import { IClock, ResourceService } from '../service';
import { FIXTURES } from './captures';

/** A clock that moves only when told; the sampler's interval is run by hand. */
class FakeClock implements IClock {
  t = 1_800_000_000_000;
  ticks: Array<() => void> = [];
  now = (): number => this.t;
  setInterval(fn: () => void): unknown {
    this.ticks.push(fn);
    return fn;
  }
  clearInterval(handle: unknown): void {
    this.ticks = this.ticks.filter(f => f !== handle);
  }
  advance(ms: number): void {
    this.t += ms;
    this.ticks.forEach(f => f());
  }
}

const TASK =
  'sys/fs/cgroup/system.slice/slurmstepd.scope/job_1320003/step_0/user/task_0';

describe('ResourceService', () => {
  let root: string;
  let clock: FakeClock;
  let executor: Executor;
  let service: ResourceService;

  const setUsage = (usec: number): void =>
    writeFileSync(
      join(root, TASK, 'cpu.stat'),
      `usage_usec ${usec}\nuser_usec ${usec}\nsystem_usec 0\n`
    );

  function make(config: Record<string, unknown> = {}): ResourceService {
    const c = parseConfig({ resources: { gpu: false, ...config } }).resources;
    return new ResourceService({
      config: c,
      executor,
      env: {},
      rootPid: process.pid,
      cgroup: new CgroupReader({ root }),
      gpu: null,
      allocation: new AllocationWatcher({
        env: {
          SLURM_JOB_ID: '77',
          SLURM_JOB_END_TIME: String(clock.t / 1000 + 600)
        },
        executor,
        now: clock.now
      }),
      clock,
      nodeCores: 64
    });
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hpc-res-'));
    cpSync(join(FIXTURES, 'cgroup', 'v2-slurm'), root, { recursive: true });
    clock = new FakeClock();
    executor = new Executor();
    service = make({ idleStopSeconds: 5 });
  });
  afterEach(() => {
    service.dispose();
    executor.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('starts on the first request; CPU rate between samples; limits; allocation', async () => {
    expect(service.running).toBe(false);
    setUsage(1_000_000);
    const first = await service.current();
    expect(service.running).toBe(true);
    expect(first.seq).toBe(1);
    expect(first.cpu).toMatchObject({
      usedCores: null,
      limitCores: 3,
      limitFrom: 'quota',
      nodeCores: 64
    });
    expect(first.memory).toMatchObject({
      limitBytes: 4 * 2 ** 30,
      usedBytes: 3 * 2 ** 30 - 268435456
    });
    expect(first.oomKills).toBe(2);
    expect(first.job).toMatchObject({
      jobId: '77',
      secondsLeft: 600,
      source: 'env'
    });
    expect(first.gpus).toEqual([]);
    expect(first.gpuError?.code).toBe('GPU_DISABLED');
    expect(first.processes?.top.some(p => p.pid === process.pid)).toBe(true);

    setUsage(2_500_000); // 1.5 s of CPU in 1 s of wall time
    clock.advance(1000);
    const second = await service.current();
    expect(second.seq).toBe(2);
    expect(second.cpu.usedCores).toBeCloseTo(1.5, 6);
    expect(second.cpu.percent).toBeCloseTo(50, 6);
    expect(second.job?.secondsLeft).toBe(599);

    setUsage(100); // a counter reset is unknown, not negative
    clock.advance(1000);
    expect((await service.current()).cpu.usedCores).toBeNull();
  });

  it('one sampler for every client: requests do not add samples', async () => {
    await Promise.all([
      service.current(),
      service.current(),
      service.current()
    ]);
    await service.current();
    expect((await service.current()).seq).toBe(1);
    clock.advance(1000);
    expect((await service.current()).seq).toBe(2);
  });

  it('concurrent first requests while nvidia-smi starts all get the first sample', async () => {
    service.dispose();
    let stopped = 0;
    const slowGpu = {
      running: true,
      start: () => new Promise<void>(r => setTimeout(r, 300)),
      snapshot: () => ({ gpus: [] }),
      stop: () => stopped++
    };
    service = new ResourceService({
      config: parseConfig({}).resources,
      executor,
      env: {},
      rootPid: process.pid,
      cgroup: new CgroupReader({ root }),
      gpu: slowGpu as unknown as GpuMonitor,
      clock
    });
    const all = await Promise.all([
      service.current(),
      service.current(),
      service.current()
    ]);
    expect(all.map(s => s?.seq)).toEqual([1, 1, 1]);
    service.stop();
    expect(stopped).toBe(1);
  });

  it('stops after idleStopSeconds without a request, and starts again on the next', async () => {
    await service.current();
    clock.advance(1000);
    clock.advance(1000);
    clock.advance(1000);
    clock.advance(1000);
    expect(service.running).toBe(true);
    clock.advance(2000); // 6 s since the last request
    expect(service.running).toBe(false);
    expect(clock.ticks).toHaveLength(0);
    const again = await service.current();
    expect(service.running).toBe(true);
    expect(again.cpu.usedCores).toBeNull(); // no rate across the pause
  });

  it('history: the last N seconds as samples or columns', async () => {
    for (let i = 0; i < 10; i++) {
      setUsage(1_000_000 * (i + 1));
      if (i > 0) {
        clock.advance(1000);
      }
      await service.current(); // a client polling keeps the sampler on
    }
    const all = await service.history(3600, 'samples');
    expect(all.format).toBe('samples');
    const samples = all.format === 'samples' ? all.samples : [];
    expect(samples).toHaveLength(10);
    const cols = await service.history(3, 'columns');
    if (cols.format !== 'columns') {
      throw new Error('columns expected');
    }
    expect(cols.time).toEqual([
      clock.t - 3000,
      clock.t - 2000,
      clock.t - 1000,
      clock.t
    ]);
    expect(
      cols.cpu.usedCores.map(v => Math.round((v as number) * 100) / 100)
    ).toEqual([1, 1, 1, 1]);
    expect(cols.memory.limitBytes).toEqual([
      4 * 2 ** 30,
      4 * 2 ** 30,
      4 * 2 ** 30,
      4 * 2 ** 30
    ]);
  });

  it('history is bounded by historySeconds / sampleSeconds', async () => {
    service.dispose();
    service = make({
      historySeconds: 10,
      sampleSeconds: 1,
      idleStopSeconds: 0
    });
    await service.current();
    for (let i = 0; i < 25; i++) {
      clock.advance(1000);
    }
    const h = await service.history(10, 'columns');
    expect(h.format === 'columns' && h.time.length).toBe(10);
  });
});

describe('routes', () => {
  let app: FastifyInstance;
  let clock: FakeClock;
  let executor: Executor;

  beforeEach(async () => {
    clock = new FakeClock();
    executor = new Executor();
    const config = parseConfig({ resources: { gpu: false } });
    app = buildApp({
      config,
      auth: { check: async () => undefined },
      root: '/tmp',
      logLevel: false,
      executor,
      resources: new ResourceService({
        config: config.resources,
        executor,
        env: {},
        rootPid: process.pid,
        cgroup: new CgroupReader({
          root: join(FIXTURES, 'cgroup', 'v1-nested')
        }),
        gpu: null,
        clock
      })
    });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
  });

  it('GET api/resources: the sample, ETag and 304 until the next sample', async () => {
    const r1 = await app.inject({ url: '/api/resources' });
    expect(r1.statusCode).toBe(200);
    const body = r1.json();
    expect(body.memory).toMatchObject({
      limitBytes: 512 * 2 ** 20,
      cgroup: { version: 1, limitPath: '/hpc-rec' }
    });
    expect(body.oomKills).toBe(1);
    expect(body.job).toBeNull();
    const etag = r1.headers.etag as string;
    expect(etag).toMatch(/^"r1-/);
    const r2 = await app.inject({
      url: '/api/resources',
      headers: { 'if-none-match': etag }
    });
    expect(r2.statusCode).toBe(304);
    clock.advance(1000);
    const r3 = await app.inject({
      url: '/api/resources',
      headers: { 'if-none-match': etag }
    });
    expect(r3.statusCode).toBe(200);
    expect(r3.json().seq).toBe(2);
  });

  it.each([
    ['seconds=0', /seconds must be a number above 0 and at most 3600/],
    ['seconds=-5', /seconds must be/],
    ['seconds=99999', /at most 3600/],
    ['seconds=abc', /seconds must be number/],
    ['format=csv', /format must be equal to one of the allowed values/],
    ['limit=3', /must NOT have additional properties/]
  ])('GET api/resources/history?%s → 400', async (query, message) => {
    const r = await app.inject({ url: `/api/resources/history?${query}` });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('INVALID_INPUT');
    expect(r.json().error.message).toMatch(message);
  });

  it('GET api/resources/history: samples by default, columns on request', async () => {
    await app.inject({ url: '/api/resources' });
    clock.advance(1000);
    const samples = await app.inject({
      url: '/api/resources/history?seconds=60'
    });
    expect(samples.statusCode).toBe(200);
    expect(samples.json().samples).toHaveLength(2);
    const cols = await app.inject({
      url: '/api/resources/history?format=columns'
    });
    expect(cols.json()).toMatchObject({
      format: 'columns',
      time: [clock.t - 1000, clock.t]
    });
  });
});
