import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../app';
import type { CapabilityService } from '../../capabilities';
import { parseConfig } from '../../config';
import { Executor } from '../../exec';
import { DaskService } from '../service';
import type { ICluster } from '../types';
import { FakeBackend, FakeScheduler } from './fakes';

interface IErrorJson {
  error: { code: string; message: string };
}

describe('Dask routes', () => {
  let dir: string;
  let app: FastifyInstance;
  let scheduler: FakeScheduler;
  let backend: FakeBackend;
  let executor: Executor;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hpc-dask-routes-'));
    scheduler = new FakeScheduler();
    await scheduler.start();
    backend = new FakeBackend(scheduler);
    executor = new Executor();
    const config = parseConfig({ dask: { maxWorkers: 5 } });
    const dask = new DaskService({
      executor,
      config,
      backends: { local: backend },
      stateDir: join(dir, 'state'),
      timings: { pollMs: 50, fastPollMs: 20 }
    });
    app = buildApp({
      config,
      auth: { check: async () => undefined },
      root: dir,
      executor,
      capabilities: {
        get: async () => ({})
      } as unknown as CapabilityService,
      dask,
      logLevel: false
    });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await scheduler.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: unknown
  ): Promise<{ status: number; body: unknown }> {
    const res = await app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as object })
    });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  }

  async function refused(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload: unknown,
    status: number,
    code: string
  ): Promise<string> {
    const res = await call(method, url, payload);
    expect({
      status: res.status,
      code: (res.body as IErrorJson).error?.code
    }).toEqual({
      status,
      code
    });
    return (res.body as IErrorJson).error.message;
  }

  it('creates, lists, reads, scales, measures and deletes', async () => {
    const created = await call('POST', '/api/dask/clusters', {
      backend: 'local',
      workers: 2,
      memoryPerWorker: '1GiB',
      name: 'my cluster'
    });
    expect(created.status).toBe(201);
    const c = created.body as ICluster;
    expect(c).toMatchObject({ status: 'starting', name: 'my cluster' });
    expect(c.spec?.memoryPerWorkerBytes).toBe(1 << 30);
    const list = await call('GET', '/api/dask/clusters');
    expect(
      (list.body as { clusters: ICluster[] }).clusters.map(x => x.id)
    ).toEqual([c.id]);
    const deadline = Date.now() + 5000;
    let one = (await call('GET', `/api/dask/clusters/${c.id}`))
      .body as ICluster;
    while (one.status !== 'running' && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 20));
      one = (await call('GET', `/api/dask/clusters/${c.id}`)).body as ICluster;
    }
    expect(one.workers).toEqual({ requested: 2, connected: 2 });
    const scaled = await call('PATCH', `/api/dask/clusters/${c.id}`, {
      workers: 3
    });
    expect(scaled.status).toBe(200);
    expect((scaled.body as ICluster).workers.requested).toBe(3);
    const adapt = await call('PATCH', `/api/dask/clusters/${c.id}`, {
      adapt: { minimum: 1, maximum: 4 }
    });
    expect((adapt.body as ICluster).adapt).toEqual({ minimum: 1, maximum: 4 });
    const metrics = await call(
      'GET',
      `/api/dask/clusters/${c.id}/metrics?seconds=60`
    );
    expect(
      (metrics.body as { samples: unknown[] }).samples.length
    ).toBeGreaterThan(0);
    const deleted = await app.inject({
      method: 'DELETE',
      url: `/api/dask/clusters/${c.id}`
    });
    expect(deleted.statusCode).toBe(204);
    await refused(
      'GET',
      `/api/dask/clusters/${c.id}`,
      undefined,
      404,
      'UNKNOWN_CLUSTER'
    );
  });

  it('previews without starting anything', async () => {
    const res = await call('POST', '/api/dask/clusters/preview', {
      backend: 'local',
      workers: 1,
      threadsPerWorker: 2
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ worker: { argv: ['worker', '2'] } });
    expect(backend.calls).toEqual([]);
  });

  it('refuses bad input with 400 and a sentence, before anything runs', async () => {
    const url = '/api/dask/clusters';
    expect(
      await refused(
        'POST',
        url,
        { backend: 'local', workers: 6 },
        400,
        'WORKERS_ABOVE_MAXIMUM'
      )
    ).toMatch(/maximum of 5 workers/);
    expect(
      await refused(
        'POST',
        url,
        { backend: 'local', workers: 1, adapt: { minimum: 0, maximum: 50 } },
        400,
        'WORKERS_ABOVE_MAXIMUM'
      )
    ).toMatch(/maximum of 5/);
    expect(
      await refused(
        'POST',
        url,
        { backend: 'local', workers: 1, memoryPerWorker: '4 gigs' },
        400,
        'BAD_MEMORY'
      )
    ).toMatch(/not a memory size/);
    expect(
      await refused(
        'POST',
        url,
        { backend: 'slurm', workers: 1, walltime: '1:99:00' },
        400,
        'BAD_WALLTIME'
      )
    ).toMatch(/minutes and seconds must be below 60/);
    await refused(
      'POST',
      url,
      { backend: 'local', workers: 1, colour: 'red' },
      400,
      'INVALID_INPUT'
    );
    await refused(
      'POST',
      url,
      { backend: 'local', workers: '2' },
      400,
      'INVALID_INPUT'
    );
    await refused(
      'POST',
      url,
      { backend: 'cloud', workers: 2 },
      400,
      'INVALID_INPUT'
    );
    await refused(
      'POST',
      url,
      { backend: 'local', workers: -1 },
      400,
      'INVALID_INPUT'
    );
    await refused(
      'POST',
      url,
      { backend: 'local', workers: 1, name: 'a\nb' },
      400,
      'INVALID_INPUT'
    );
    await refused(
      'POST',
      `${url}/preview`,
      { backend: 'local' },
      400,
      'INVALID_INPUT'
    );
    expect(backend.calls).toEqual([]);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const id = 'abcdef123456';
    expect(
      await refused(
        'GET',
        `/api/dask/clusters/${id}`,
        undefined,
        404,
        'UNKNOWN_CLUSTER'
      )
    ).toMatch(/no Dask cluster abcdef123456/);
    await refused(
      'PATCH',
      `/api/dask/clusters/${id}`,
      { workers: 1 },
      404,
      'UNKNOWN_CLUSTER'
    );
    await refused(
      'DELETE',
      `/api/dask/clusters/${id}`,
      undefined,
      404,
      'UNKNOWN_CLUSTER'
    );
    await refused(
      'GET',
      `/api/dask/clusters/${id}/metrics`,
      undefined,
      404,
      'UNKNOWN_CLUSTER'
    );
    await refused(
      'GET',
      '/api/dask/clusters/..%2Fetc',
      undefined,
      400,
      'INVALID_INPUT'
    );
    await refused(
      'GET',
      '/api/dask/clusters/SHORT',
      undefined,
      400,
      'INVALID_INPUT'
    );
  });

  it('refuses malformed PATCH, metrics and adopt requests', async () => {
    const c = (
      await call('POST', '/api/dask/clusters', { backend: 'local', workers: 1 })
    ).body as ICluster;
    const url = `/api/dask/clusters/${c.id}`;
    await refused(
      'PATCH',
      url,
      { workers: 1, adapt: null },
      400,
      'INVALID_INPUT'
    );
    await refused('PATCH', url, {}, 400, 'INVALID_INPUT');
    await refused('PATCH', url, { workers: 9 }, 400, 'WORKERS_ABOVE_MAXIMUM');
    await refused(
      'PATCH',
      url,
      { adapt: { minimum: 1 } },
      400,
      'INVALID_INPUT'
    );
    await refused(
      'GET',
      `${url}/metrics?seconds=7200`,
      undefined,
      400,
      'INVALID_INPUT'
    );
    await refused(
      'GET',
      `${url}/metrics?seconds=0`,
      undefined,
      400,
      'INVALID_INPUT'
    );
    const adopt = '/api/dask/clusters/adopt';
    expect(await refused('POST', adopt, {}, 400, 'INVALID_INPUT')).toMatch(
      /either schedulerFile/
    );
    await refused(
      'POST',
      adopt,
      { schedulerFile: '/x', address: 'tcp://h:1' },
      400,
      'INVALID_INPUT'
    );
    await refused(
      'POST',
      adopt,
      { schedulerFile: 'relative.json' },
      400,
      'INVALID_INPUT'
    );
    await refused(
      'POST',
      adopt,
      { schedulerFile: '/x.json', dashboardPort: 1 },
      400,
      'INVALID_INPUT'
    );
  });

  it('answers 503 with a sentence for Slurm without a backend', async () => {
    expect(
      await refused(
        'POST',
        '/api/dask/clusters',
        { backend: 'slurm', workers: 1 },
        503,
        'DASK_UNAVAILABLE'
      )
    ).toMatch(/not available on this server/);
  });
});
