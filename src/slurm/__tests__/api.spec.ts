import { json } from '../../__tests__/fakeServer';
import { HpcRequestError } from '../../request';
import { fakeClient, job, queue } from './fixtures';

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
