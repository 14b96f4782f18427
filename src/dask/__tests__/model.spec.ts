import { json } from '../../__tests__/fakeServer';
import { clusterEvents, eventMessage } from '../events';
import { ClusterModel, FAST_SECONDS, MAX_BACKOFF_MS } from '../model';
import type { ICluster } from '../types';
import { cluster, fakeClient, IRequestSeen, trans } from './fixtures';

/** A server answering the list from a script (the last answer repeats). */
function scripted(
  answers: (() => Response)[],
  other: (req: IRequestSeen) => Response | Promise<Response> = () =>
    json(404, {})
) {
  let i = 0;
  return fakeClient(req => {
    if (req.method === 'GET' && req.url.endsWith('/dask/clusters')) {
      return answers[Math.min(i++, answers.length - 1)]();
    }
    return other(req);
  });
}
const list =
  (...clusters: ICluster[]) =>
  () =>
    json(200, { clusters });
const down = () =>
  json(503, {
    error: { code: 'DASK_UNAVAILABLE', message: 'The server is restarting.' }
  });

describe('ClusterModel', () => {
  let model: ClusterModel | null = null;
  afterEach(() => {
    model?.dispose();
    model = null;
  });

  it('polls nothing until Dask is available', async () => {
    const { client, requests } = scripted([list(cluster())]);
    model = new ClusterModel({ client });
    model.isActive = true;
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(requests).toHaveLength(0);
    model.enabled = true;
    await model.refresh();
    expect(requests.length).toBeGreaterThan(0);
    expect(model.clusters.map(c => c.name)).toEqual(['analysis']);
    expect(model.loaded).toBe(true);
  });

  it('with the panel hidden, keeps watching existing clusters only', async () => {
    const none = scripted([list()]);
    model = new ClusterModel({ client: none.client, refreshSeconds: 1 });
    model.enabled = true;
    await new Promise(resolve => setTimeout(resolve, 1600));
    // The first look at start-up, then nothing: no cluster to watch.
    expect(none.requests).toHaveLength(1);
    model.dispose();

    const some = scripted([list(cluster())]);
    model = new ClusterModel({ client: some.client, refreshSeconds: 1 });
    model.enabled = true;
    await new Promise(resolve => setTimeout(resolve, 1600));
    expect(some.requests.length).toBeGreaterThanOrEqual(2);
  });

  it('polls every 2 s while a cluster is starting, else at the setting', async () => {
    const { client } = scripted([
      list(cluster({ status: 'starting' })),
      list(cluster())
    ]);
    model = new ClusterModel({ client, refreshSeconds: 7 });
    expect(model.interval).toBe(7000);
    model.enabled = true;
    await model.refresh();
    expect(model.clusters[0].status).toBe('starting');
    expect(model.interval).toBe(FAST_SECONDS * 1000);
    await model.refresh();
    expect(model.interval).toBe(7000);
    model.refreshSeconds = 3;
    expect(model.interval).toBe(3000);
  });

  it('keeps the last list, says why in words and backs off while the server fails', async () => {
    let failing = false;
    const { client } = scripted([() => (failing ? down() : list(cluster())())]);
    model = new ClusterModel({ client, refreshSeconds: 5 });
    model.enabled = true;
    await model.refresh();
    expect(model.clusters).toHaveLength(1);
    failing = true;
    await model.refresh();
    await model.refresh();
    expect(model.clusters).toHaveLength(1);
    expect(model.error).toBe('The server is restarting.');
    expect(model.failures).toBeGreaterThanOrEqual(2);
    const poll = (model as unknown as { _poll: { frequency: object } })._poll;
    expect(poll.frequency).toMatchObject({
      backoff: true,
      max: MAX_BACKOFF_MS
    });
    failing = false;
    await model.refresh();
    expect(model.error).toBeNull();
    expect(model.failures).toBe(0);
  });

  it('sends the right bodies to scale, adapt and shut down', async () => {
    const { client, requests } = scripted([list(cluster())], req =>
      req.method === 'DELETE'
        ? new Response(null, { status: 204 })
        : json(200, cluster({ status: 'scaling' }))
    );
    model = new ClusterModel({ client });
    model.enabled = true;
    await model.refresh();
    await model.scale('a1b2c3d4e5f6', 3);
    await model.setAdapt('a1b2c3d4e5f6', { minimum: 1, maximum: 5 });
    await model.setAdapt('a1b2c3d4e5f6', null);
    await model.shutdown('a1b2c3d4e5f6');
    const writes = requests.filter(r => r.method !== 'GET');
    expect(
      writes.map(r => [r.method, r.url.split('/hpc/api/')[1], r.body])
    ).toEqual([
      ['PATCH', 'dask/clusters/a1b2c3d4e5f6', '{"workers":3}'],
      [
        'PATCH',
        'dask/clusters/a1b2c3d4e5f6',
        '{"adapt":{"minimum":1,"maximum":5}}'
      ],
      ['PATCH', 'dask/clusters/a1b2c3d4e5f6', '{"adapt":null}'],
      ['DELETE', 'dask/clusters/a1b2c3d4e5f6', '']
    ]);
  });

  it('shows a scale answer at once and polls fast until it settles', async () => {
    const { client } = scripted([list(cluster())], () =>
      json(
        200,
        cluster({ status: 'scaling', workers: { requested: 3, connected: 2 } })
      )
    );
    model = new ClusterModel({ client, refreshSeconds: 10 });
    model.enabled = true;
    await model.refresh();
    const answer = await model.scale('a1b2c3d4e5f6', 3);
    expect(answer.workers.requested).toBe(3);
    expect(model.interval).toBe(FAST_SECONDS * 1000);
  });

  it("rejects a refused action with the server's message", async () => {
    const { client } = scripted([list(cluster())], () =>
      json(409, {
        error: {
          code: 'CLUSTER_NOT_RUNNING',
          message:
            'Cluster analysis is not running: it can no longer be scaled.'
        }
      })
    );
    model = new ClusterModel({ client });
    model.enabled = true;
    await model.refresh();
    await expect(model.scale('a1b2c3d4e5f6', 4)).rejects.toThrow(
      'can no longer be scaled'
    );
  });

  it('shows "stopping" while the shutdown runs, and the cluster again if it fails', async () => {
    let answerDelete: (r: Response) => void = () => undefined;
    const { client } = scripted(
      [list(cluster())],
      () => new Promise<Response>(resolve => (answerDelete = resolve))
    );
    model = new ClusterModel({ client });
    model.enabled = true;
    await model.refresh();
    const done = model.shutdown('a1b2c3d4e5f6');
    expect(model.clusters[0].status).toBe('stopping');
    await new Promise(resolve => setTimeout(resolve, 10));
    answerDelete(
      json(502, {
        error: {
          code: 'STOP_FAILED',
          message: 'Worker 3 could not be stopped: try again.'
        }
      })
    );
    await expect(done).rejects.toThrow('try again');
    expect(model.clusters[0].status).toBe('running');
  });

  it('reports clusters that come up, fail, or go away, but not its own shutdowns', async () => {
    const seen: string[] = [];
    const { client } = scripted(
      [
        list(
          cluster({ status: 'starting' }),
          cluster({ id: 'b2', name: 'big' })
        ),
        list(
          cluster(),
          cluster({
            id: 'b2',
            name: 'big',
            status: 'failed',
            error: {
              code: 'SCHEDULER_FAILED',
              message: 'The scheduler exited.'
            }
          })
        ),
        list()
      ],
      () => new Response(null, { status: 204 })
    );
    model = new ClusterModel({ client });
    model.events.connect((_, events) =>
      seen.push(...events.map(e => eventMessage(e, trans)))
    );
    model.enabled = true;
    await model.refresh();
    await model.refresh();
    expect(seen).toEqual([
      'Dask cluster analysis is running with 2 workers.',
      'Dask cluster big failed: The scheduler exited.'
    ]);
    await model.shutdown('a1b2c3d4e5f6');
    await model.refresh();
    // "analysis" was shut down here (the page says so itself); "big" had failed.
    expect(seen).toHaveLength(2);
  });
});

describe('clusterEvents', () => {
  it('says nothing on the first answer', () => {
    expect(clusterEvents(null, [cluster()])).toEqual([]);
  });

  it('reports a cluster gone from the list as shut down', () => {
    const events = clusterEvents([cluster()], []);
    expect(events.map(e => e.kind)).toEqual(['stopped']);
    expect(eventMessage(events[0], trans)).toBe(
      'Dask cluster analysis was shut down.'
    );
  });
});
