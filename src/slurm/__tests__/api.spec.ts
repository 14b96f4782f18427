import { json } from '../../__tests__/fakeServer';
import { HpcRequestError } from '../../request';
import type { IQueueRows } from '../api';
import type { IJob, IQueue } from '../types';
import { fakeClient, job, pending, queue } from './fixtures';

/** The server's field order (server-proxy/src/slurm/parse.ts ROW_FIELDS). */
const FIELDS = [
  'displayId',
  'jobId',
  'arrayJobId',
  'arrayTaskId',
  'hetJobId',
  'hetJobOffset',
  'partition',
  'user',
  'account',
  'qos',
  'state',
  'reason',
  'nodes',
  'cpus',
  'tres',
  'nodeList',
  'submitTime',
  'startTime',
  'endTime',
  'name',
  'timeLimitSec',
  'priority',
  'workDir'
];

/** A queue as the server sends it: rows under field names, clocks apart. */
function compact(q: IQueue, cluster?: string): IQueueRows {
  const { jobs, ...rest } = q;
  return {
    fields: FIELDS,
    rows: jobs.map(j =>
      FIELDS.map(f => (j as unknown as Record<string, any>)[f] ?? null)
    ),
    timeUsedSec: jobs.map(j => j.timeUsedSec),
    ...(cluster ? { cluster } : {}),
    ...rest
  };
}

const BASE = 'http://localhost:8888/user/alice/hpc/api/';

describe('SlurmClient', () => {
  it('gets the queue of a scope, revalidating (ETag) rather than busting the cache', async () => {
    const { client, requests } = fakeClient(() => json(200, queue([job()])));
    const answer = await client.queue('all');
    expect(answer.jobs[0].jobId).toBe('12');
    expect(requests.map(r => `${r.method} ${r.url}`)).toEqual([
      `GET ${BASE}slurm/jobs?scope=all`
    ]);
  });

  it('turns the compact answer back into jobs, names byte-exact', async () => {
    const jobs: IJob[] = [
      job({ jobId: '12', name: 'tab\there\nnewline "q" \\ ü 日本 🚀' }),
      pending({ jobId: '13', name: '<b>html</b> & <script>x()</script>' }),
      job({
        jobId: '15',
        displayId: '14_1',
        arrayJobId: '14',
        arrayTaskId: '1',
        timeUsedSec: 7
      }),
      pending({
        jobId: '16',
        displayId: '16+0',
        hetJobId: '16',
        hetJobOffset: '0',
        timeLimitSec: null,
        priority: null
      })
    ];
    const { client } = fakeClient(() =>
      json(200, compact(queue(jobs, { stale: true })))
    );
    const answer = await client.queue('mine');
    expect(answer.jobs).toEqual(jobs);
    expect(answer.stale).toBe(true);
    expect(answer.pollSeconds).toBe(30);
    expect('rows' in answer).toBe(false);
    // No array/het fields on a plain job (absent, not null).
    expect(Object.keys(answer.jobs[0])).not.toContain('arrayJobId');
  });

  it('sets the cluster of every job from the answer', async () => {
    const { client } = fakeClient(() =>
      json(200, compact(queue([job(), pending({ jobId: '13' })]), 'c2'))
    );
    const answer = await client.queue('all');
    expect(answer.jobs.map(j => j.cluster)).toEqual(['c2', 'c2']);
  });

  it('posts an action with the display ids and returns one result per id', async () => {
    const { client, requests } = fakeClient(() =>
      json(200, {
        results: [
          { jobId: '12_3', ok: true },
          { jobId: '13', ok: false, message: 'Access/permission denied' }
        ]
      })
    );
    const results = await client.act('cancel', ['12_3', '13']);
    expect(results[1]).toEqual({
      jobId: '13',
      ok: false,
      message: 'Access/permission denied'
    });
    expect(requests[0].method).toBe('POST');
    expect(requests[0].url).toBe(`${BASE}slurm/jobs/actions`);
    expect(requests[0].contentType).toBe('application/json');
    expect(JSON.parse(requests[0].body)).toEqual({
      action: 'cancel',
      jobIds: ['12_3', '13']
    });
  });

  it('URL-encodes the id of a job whose details it asks', async () => {
    const { client, requests } = fakeClient(() =>
      json(200, { jobId: '12', fields: {}, state: 'PENDING', reason: null })
    );
    await client.job('12_[4-9%2]');
    expect(requests[0].url).toBe(`${BASE}slurm/jobs/12_%5B4-9%252%5D`);
  });

  it("rejects with the server's code and message", async () => {
    const { client } = fakeClient(() =>
      json(503, {
        error: { code: 'SLURM_UNAVAILABLE', message: 'slurmctld is down' }
      })
    );
    const error = await client.queue('mine').catch(e => e);
    expect(error).toBeInstanceOf(HpcRequestError);
    expect(error).toMatchObject({
      status: 503,
      code: 'SLURM_UNAVAILABLE',
      message: 'slurmctld is down'
    });
  });
});
