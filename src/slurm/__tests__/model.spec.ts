import { json } from '../../__tests__/fakeServer';
import { QueueModel } from '../model';
import type { IQueue } from '../types';
import { fakeClient, IRequestSeen, job, pending, queue } from './fixtures';

/** A server whose answers the test scripts, one per request (last repeats). */
function scripted(...answers: (() => Response)[]) {
  let i = 0;
  return fakeClient((req: IRequestSeen) => {
    if (req.url.endsWith('/slurm/jobs/actions')) {
      return json(200, {
        results: [
          { jobId: '12', ok: true },
          { jobId: '13', ok: false, message: 'Access/permission denied' }
        ]
      });
    }
    const answer = answers[Math.min(i, answers.length - 1)];
    i++;
    return answer();
  });
}

const ok = (q: IQueue) => () => json(200, q);

describe('QueueModel', () => {
  let model: QueueModel | null = null;
  afterEach(() => {
    model?.dispose();
    model = null;
  });

  it('polls the queue of its scope and exposes the jobs and their freshness', async () => {
    const { client, requests } = scripted(
      ok(queue([job(), pending({ jobId: '13' })]))
    );
    model = new QueueModel({ client, active: true });
    await model.refresh();
    expect(model.jobs.map(j => j.jobId)).toEqual(['12', '13']);
    expect(model.status).toMatchObject({
      loading: false,
      stale: false,
      error: null,
      fetchedAt: '2026-11-23T15:00:00.000Z'
    });
    expect(model.status.asOf).toBeGreaterThan(0);
    expect(requests[requests.length - 1].url).toContain(
      'slurm/jobs?scope=mine'
    );
  });

  it('stands by while no view shows it, and refreshes on demand', async () => {
    const { client, requests } = scripted(ok(queue([job()])));
    model = new QueueModel({ client });
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(requests).toHaveLength(0);
    await model.refresh();
    expect(requests).toHaveLength(1);
    expect(model.jobs).toHaveLength(1);
  });

  it('keeps the last good jobs and says why when the server answers stale', async () => {
    const { client } = scripted(
      ok(queue([job()])),
      ok(
        queue([job()], {
          stale: true,
          error: { code: 'SLURM_UNAVAILABLE', message: 'slurmctld is down' }
        })
      ),
      ok(queue([job()], { fetchedAt: '2026-11-23T15:01:00.000Z' }))
    );
    model = new QueueModel({ client, active: true });
    await model.refresh();
    await model.refresh();
    expect(model.jobs).toHaveLength(1);
    expect(model.status.stale).toBe(true);
    expect(model.status.error?.message).toBe('slurmctld is down');
    // The next good answer clears it by itself.
    await model.refresh();
    expect(model.status.stale).toBe(false);
    expect(model.status.error).toBeNull();
  });

  it('reports a 503 (no data yet) as an error, without throwing at the caller', async () => {
    const { client } = scripted(() =>
      json(503, {
        error: { code: 'SLURM_UNAVAILABLE', message: 'squeue failed: timeout' }
      })
    );
    model = new QueueModel({ client, active: true });
    await model.refresh();
    expect(model.jobs).toEqual([]);
    expect(model.status).toMatchObject({
      loading: false,
      stale: true,
      error: { code: 'SLURM_UNAVAILABLE', message: 'squeue failed: timeout' }
    });
  });

  it('signals only real changes', async () => {
    const { client } = scripted(
      ok(queue([job()])),
      ok(queue([job()])),
      ok(queue([job({ state: 'COMPLETING' })]))
    );
    model = new QueueModel({ client, active: true });
    const jobs: number[] = [];
    const statuses: number[] = [];
    model.jobsChanged.connect((_, list) => jobs.push(list.length));
    model.statusChanged.connect(() => statuses.push(1));
    await model.refresh();
    await model.refresh();
    expect(jobs).toEqual([1]);
    expect(statuses).toHaveLength(1);
    await model.refresh();
    expect(jobs).toEqual([1, 1]);
    expect(model.jobs[0].state).toBe('COMPLETING');
  });

  it('acts with the display ids, then refreshes at once', async () => {
    const { client, requests } = scripted(
      ok(queue([job(), job({ jobId: '13' })])),
      ok(queue([job({ jobId: '13' })]))
    );
    model = new QueueModel({ client, active: true });
    await model.refresh();
    const changed = new Promise(resolve => model!.jobsChanged.connect(resolve));
    const results = await model.act('cancel', ['12', '13']);
    expect(results.map(r => r.ok)).toEqual([true, false]);
    await changed;
    expect(model.jobs.map(j => j.jobId)).toEqual(['13']);
    const methods = requests.map(r => `${r.method} ${r.url.split('/api/')[1]}`);
    expect(methods.slice(-2)).toEqual([
      'POST slurm/jobs/actions',
      'GET slurm/jobs?scope=mine'
    ]);
  });

  it('keeps only selected ids that are still in the queue', async () => {
    const { client } = scripted(
      ok(queue([job(), job({ jobId: '13' })])),
      ok(queue([job({ jobId: '13' })]))
    );
    model = new QueueModel({ client, active: true });
    await model.refresh();
    const seen: number[] = [];
    model.selectionChanged.connect((_, ids) => seen.push(ids.size));
    model.select(['12', '13', '99']);
    expect([...model.selection]).toEqual(['12', '13']);
    model.select(['13', '12']);
    expect(seen).toEqual([2]);
    await model.refresh();
    expect(model.selectedJobs.map(j => j.jobId)).toEqual(['13']);
    expect(seen).toEqual([2, 1]);
  });

  it('fetches the other scope when it changes, dropping the old jobs', async () => {
    const { client, requests } = scripted(ok(queue([job()])));
    model = new QueueModel({ client, active: true });
    await model.refresh();
    model.scope = 'all';
    expect(model.jobs).toEqual([]);
    expect(model.status.loading).toBe(true);
    await model.refresh();
    expect(requests[requests.length - 1].url).toContain('scope=all');
    expect(model.jobs).toHaveLength(1);
  });

  it("polls the chosen cluster's queue, and acts and asks there", async () => {
    const { client, requests } = scripted(
      ok(queue([job()])),
      ok(queue([job({ jobId: '20', cluster: 'gpu2' })]))
    );
    model = new QueueModel({ client, active: true });
    await model.refresh();
    expect(requests[requests.length - 1].url).not.toContain('cluster');
    model.cluster = 'gpu2';
    expect(model.jobs).toEqual([]);
    expect(model.status.loading).toBe(true);
    await model.refresh();
    expect(requests[requests.length - 1].url).toContain(
      'slurm/jobs?scope=mine&cluster=gpu2'
    );
    expect(model.jobs.map(j => j.jobId)).toEqual(['20']);
    await model.act('hold', ['20']);
    const action = requests.find(r => r.url.endsWith('/slurm/jobs/actions'))!;
    expect(JSON.parse(action.body)).toEqual({
      action: 'hold',
      jobIds: ['20'],
      cluster: 'gpu2'
    });
    void model.detail('20').catch(() => undefined);
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(requests.map(r => r.url)).toContainEqual(
      expect.stringMatching(/slurm\/jobs\/20\?cluster=gpu2$/)
    );
    model.cluster = null;
    await model.refresh();
    expect(requests[requests.length - 1].url).toMatch(/scope=mine$/);
  });

  it('drops an answer for the cluster it showed before', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>(resolve => (release = resolve));
    let calls = 0;
    const { client } = fakeClient(async () => {
      calls++;
      if (calls === 1) {
        // The default cluster answers late, after the switch.
        await slow;
        return json(200, queue([job({ jobId: '1' })]));
      }
      return json(200, queue([job({ jobId: '2', cluster: 'c2' })]));
    });
    model = new QueueModel({ client, active: true });
    const first = model.refresh();
    await new Promise(resolve => setTimeout(resolve, 0));
    model.cluster = 'c2';
    release();
    await first;
    await model.refresh();
    expect(model.jobs.map(j => j.jobId)).toEqual(['2']);
  });

  it('reports every answer with its scope and cluster', async () => {
    const { client } = scripted(ok(queue([job()])));
    model = new QueueModel({ client, active: true, cluster: 'c2' });
    const answers: string[] = [];
    model.answered.connect((_, a) =>
      answers.push(`${a.scope} ${a.cluster} ${a.jobs.length}`)
    );
    await model.refresh();
    await model.refresh();
    expect(answers).toEqual(['mine c2 1', 'mine c2 1']);
  });

  it('selects a revealed job and asks the views to scroll to it', async () => {
    const { client } = scripted(ok(queue([job(), job({ jobId: '13' })])));
    model = new QueueModel({ client, active: true });
    const revealed: string[] = [];
    model.revealRequested.connect((_, id) => revealed.push(id));
    await model.reveal('13');
    expect([...model.selection]).toEqual(['13']);
    expect(revealed).toEqual(['13']);
    await model.reveal('99');
    expect(revealed).toEqual(['13']);
  });

  it('keeps polling in the background when asked (notifications)', async () => {
    const { client, requests } = scripted(ok(queue([job()])));
    model = new QueueModel({ client, pollSeconds: 10 });
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(requests).toHaveLength(0);
    model.background = true;
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(requests).toHaveLength(1);
    expect(model.jobs).toHaveLength(1);
  });

  it('never polls faster than 10 s', () => {
    const { client } = scripted(ok(queue([])));
    model = new QueueModel({ client, pollSeconds: 2 });
    expect(model.pollSeconds).toBe(10);
    model.pollSeconds = 45;
    expect(model.pollSeconds).toBe(45);
  });

  it('can be disposed twice, and refresh after dispose does nothing', async () => {
    const { client, requests } = scripted(ok(queue([])));
    const m = new QueueModel({ client });
    m.dispose();
    m.dispose();
    expect(m.isDisposed).toBe(true);
    await m.refresh();
    expect(requests).toHaveLength(0);
  });
});
