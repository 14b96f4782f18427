import { nullTranslator } from '@jupyterlab/translation';
import { json } from '../../__tests__/fakeServer';
import {
  diffJobs,
  FINAL_STATES,
  IJobEvent,
  jobToShow,
  JobWatcher,
  MAX_LOOKUPS,
  snapshot,
  summarize
} from '../events';
import { QueueModel } from '../model';
import type { IJob, IQueue } from '../types';
import { fakeClient, job, pending, queue } from './fixtures';

const trans = nullTranslator.load('jupyterlab_hpc');
const anyone = () => true;

/** The events of going from `before` to `after` (only alice's jobs). */
function diff(before: IJob[] | null, after: IJob[]) {
  return diffJobs(before && snapshot(before), after, j => j.user === 'alice');
}

function kinds(events: IJobEvent[]): string[] {
  return events.map(e => `${e.displayId} ${e.kind} ${e.state}`);
}

describe('diffJobs', () => {
  it('announces nothing on the first answer, whatever the jobs are doing', () => {
    const first = [
      job({ jobId: '1' }),
      job({ jobId: '2', state: 'COMPLETED' }),
      job({ jobId: '3', state: 'FAILED' }),
      pending({ jobId: '4' })
    ];
    expect(diff(null, first)).toEqual({ events: [], vanished: [] });
  });

  it('announces a pending job that starts running', () => {
    const { events } = diff(
      [pending({ jobId: '1', name: 'train' })],
      [job({ jobId: '1', name: 'train' })]
    );
    expect(events).toEqual([
      {
        kind: 'started',
        jobId: '1',
        displayId: '1',
        name: 'train',
        state: 'RUNNING'
      }
    ]);
  });

  it('announces a job that appeared and started between two polls', () => {
    const { events } = diff([], [job({ jobId: '7' })]);
    expect(kinds(events)).toEqual(['7 started RUNNING']);
  });

  it('says nothing for a job still pending, still running, or completing', () => {
    const before = [
      pending({ jobId: '1' }),
      job({ jobId: '2' }),
      job({ jobId: '3' })
    ];
    const after = [
      pending({ jobId: '1', reason: 'Resources' }),
      job({ jobId: '2', timeUsedSec: 999 }),
      job({ jobId: '3', state: 'COMPLETING' })
    ];
    expect(diff(before, after)).toEqual({ events: [], vanished: [] });
  });

  it('does not call a job resumed from suspension, or requeued, a start', () => {
    const { events } = diff(
      [job({ jobId: '1', state: 'SUSPENDED' })],
      [job({ jobId: '1' })]
    );
    expect(events).toEqual([]);
  });

  it.each([...FINAL_STATES])('announces a job that ends %s', state => {
    const { events } = diff(
      [job({ jobId: '5' })],
      [job({ jobId: '5', state })]
    );
    expect(kinds(events)).toEqual([`5 ended ${state}`]);
  });

  it('announces a pending job cancelled before it ran', () => {
    const { events } = diff(
      [pending({ jobId: '5' })],
      [pending({ jobId: '5', state: 'CANCELLED' })]
    );
    expect(kinds(events)).toEqual(['5 ended CANCELLED']);
  });

  it('announces a final state once, not at every poll', () => {
    const ended = [job({ jobId: '5', state: 'FAILED' })];
    expect(diff(ended, ended).events).toEqual([]);
    // ... nor when it finally leaves the queue.
    expect(diff(ended, [])).toEqual({ events: [], vanished: [] });
  });

  it('lists the jobs that left the queue, to ask for their final state', () => {
    const running = job({ jobId: '5' });
    const waiting = pending({ jobId: '6' });
    const { events, vanished } = diff([running, waiting], []);
    expect(events).toEqual([]);
    expect(vanished).toEqual([running, waiting]);
  });

  it("ignores other users' jobs", () => {
    const { events, vanished } = diff(
      [pending({ jobId: '1', user: 'bob' }), job({ jobId: '2', user: 'bob' })],
      [job({ jobId: '1', user: 'bob' }), job({ jobId: '3', user: 'bob' })]
    );
    expect(events).toEqual([]);
    expect(vanished).toEqual([]);
  });

  it('follows array tasks: each task that starts, not the pending range leaving', () => {
    const range = (tasks: string) =>
      pending({
        jobId: '20',
        displayId: `20_[${tasks}]`,
        arrayJobId: '20',
        arrayTaskId: tasks,
        reason: 'JobArrayTaskLimit'
      });
    const task = (n: number) =>
      job({
        jobId: String(21 + n),
        displayId: `20_${n}`,
        arrayJobId: '20',
        arrayTaskId: String(n)
      });
    const step1 = diff([task(0), range('1-2%1')], [task(1), range('2%1')]);
    expect(kinds(step1.events)).toEqual(['20_1 started RUNNING']);
    // Task 0 finished: look it up. The range is not a job of its own.
    expect(step1.vanished.map(j => j.displayId)).toEqual(['20_0']);
    const step2 = diff([task(1), range('2-3')], [task(2), task(3)]);
    expect(kinds(step2.events)).toEqual([
      '20_2 started RUNNING',
      '20_3 started RUNNING'
    ]);
    expect(step2.vanished.map(j => j.displayId)).toEqual(['20_1']);
  });

  it('keys jobs by their unique jobId, not their display id', () => {
    const map = snapshot([job({ jobId: '41', displayId: '40+1' })]);
    expect([...map.keys()]).toEqual(['41']);
    expect(diffJobs(map, [], anyone).vanished[0].displayId).toBe('40+1');
  });
});

describe('summarize', () => {
  const ev = (
    displayId: string,
    kind: IJobEvent['kind'],
    state: string
  ): IJobEvent => ({ kind, jobId: displayId, displayId, name: 'train', state });

  it('names one job and its outcome', () => {
    expect(summarize([ev('12', 'started', 'RUNNING')], trans)).toEqual({
      message: 'Slurm job 12 (train) started.',
      type: 'info'
    });
    expect(summarize([ev('12', 'ended', 'COMPLETED')], trans)).toEqual({
      message: 'Slurm job 12 (train) completed.',
      type: 'success'
    });
    expect(summarize([ev('12', 'ended', 'OUT_OF_MEMORY')], trans)).toEqual({
      message: 'Slurm job 12 (train) ended: OUT_OF_MEMORY.',
      type: 'error'
    });
  });

  it('coalesces a poll full of events into one message, failures first', () => {
    const many = [
      ev('1', 'ended', 'COMPLETED'),
      ev('2', 'ended', 'COMPLETED'),
      ev('3', 'ended', 'TIMEOUT'),
      ev('4', 'ended', 'COMPLETED'),
      ev('5', 'ended', 'COMPLETED')
    ];
    expect(summarize(many, trans)).toEqual({
      message:
        '5 Slurm jobs finished: 3 TIMEOUT, 1 COMPLETED, 2 COMPLETED and 2 more',
      type: 'error'
    });
    expect(
      summarize(
        [ev('1', 'started', 'RUNNING'), ev('2', 'started', 'RUNNING')],
        trans
      )
    ).toEqual({
      message: '2 Slurm jobs started: 1 RUNNING, 2 RUNNING',
      type: 'info'
    });
    expect(
      summarize(
        [ev('1', 'started', 'RUNNING'), ev('2', 'ended', 'COMPLETED')],
        trans
      ).message
    ).toBe('2 Slurm jobs started or finished: 1 RUNNING, 2 COMPLETED');
  });
});

describe('jobToShow', () => {
  it('picks the first failure, else the first job', () => {
    const ev = (jobId: string, kind: IJobEvent['kind'], state: string) => ({
      kind,
      jobId,
      displayId: jobId,
      name: 'x',
      state
    });
    expect(
      jobToShow([
        ev('1', 'started', 'RUNNING'),
        ev('2', 'ended', 'COMPLETED'),
        ev('3', 'ended', 'FAILED'),
        ev('4', 'ended', 'TIMEOUT')
      ]).jobId
    ).toBe('3');
    expect(
      jobToShow([ev('1', 'ended', 'COMPLETED'), ev('2', 'started', 'RUNNING')])
        .jobId
    ).toBe('1');
  });
});

describe('JobWatcher', () => {
  let model: QueueModel | null = null;
  afterEach(() => {
    model?.dispose();
    model = null;
  });

  /**
   * A model over a server whose queue answers are scripted (the last one
   * repeats) and whose `slurm/jobs/{id}` knows `finals` (404 otherwise).
   */
  function setUp(
    answers: IQueue[],
    finals: Record<string, string> = {},
    user: string | null = 'alice'
  ) {
    let i = 0;
    const { client, requests } = fakeClient(req => {
      const one = /slurm\/jobs\/(\d+)/.exec(req.url);
      if (one) {
        const state = finals[one[1]];
        return state
          ? json(200, { jobId: one[1], fields: {}, state, reason: null })
          : json(404, {
              error: { code: 'JOB_NOT_FOUND', message: 'Invalid job id' }
            });
      }
      return json(200, answers[Math.min(i++, answers.length - 1)]);
    });
    model = new QueueModel({ client, active: true });
    const notified: IJobEvent[][] = [];
    const watcher = new JobWatcher({
      model,
      user: () => user,
      notify: events => notified.push(events)
    });
    watcher.enabled = true;
    return { model, watcher, notified, requests };
  }

  /** Refresh, then let the look-ups of vanished jobs settle. */
  async function poll(m: QueueModel) {
    await m.refresh();
    await new Promise(resolve => setTimeout(resolve, 0));
  }

  it('notifies once per poll, with the final state of jobs that left', async () => {
    const { model, notified } = setUp(
      [
        queue([
          pending({ jobId: '1' }),
          job({ jobId: '2' }),
          job({ jobId: '3' })
        ]),
        queue([job({ jobId: '1' })])
      ],
      { '2': 'COMPLETED' }
    );
    await poll(model);
    expect(notified).toEqual([]);
    await poll(model);
    // 3 is unknown to Slurm by now: not announced.
    expect(notified.map(kinds)).toEqual([
      ['1 started RUNNING', '2 ended COMPLETED']
    ]);
    await poll(model);
    expect(notified).toHaveLength(1);
  });

  it('never notifies for jobs that had finished before it was enabled', async () => {
    const { model, watcher, notified, requests } = setUp([
      queue([job({ jobId: '1', state: 'FAILED' }), job({ jobId: '2' })]),
      queue([])
    ]);
    watcher.enabled = false;
    await poll(model);
    watcher.enabled = true;
    await poll(model);
    expect(notified).toEqual([]);
    expect(requests.some(r => /slurm\/jobs\/\d/.test(r.url))).toBe(false);
  });

  it("counts only the server user's jobs when it shows everyone's", async () => {
    const { model, notified } = setUp([
      queue([pending({ jobId: '1' }), pending({ jobId: '2', user: 'bob' })]),
      queue([job({ jobId: '1' }), job({ jobId: '2', user: 'bob' })])
    ]);
    model.scope = 'all';
    await poll(model);
    await poll(model);
    expect(notified.map(kinds)).toEqual([['1 started RUNNING']]);
  });

  it('takes a new baseline when the scope changes', async () => {
    const { model, notified } = setUp([
      queue([pending({ jobId: '1' })]),
      queue([job({ jobId: '1' }), job({ jobId: '5' })])
    ]);
    await poll(model);
    model.scope = 'all';
    await poll(model);
    expect(notified).toEqual([]);
  });

  it("says nothing about everyone's jobs while the server's user is unknown", async () => {
    const { model, notified } = setUp(
      [queue([pending({ jobId: '1' })]), queue([job({ jobId: '1' })])],
      {},
      null
    );
    model.scope = 'all';
    await poll(model);
    await poll(model);
    expect(notified).toEqual([]);
  });

  it(`asks for at most ${MAX_LOOKUPS} vanished jobs per poll`, async () => {
    const many = Array.from({ length: MAX_LOOKUPS + 5 }, (_, n) =>
      job({ jobId: String(100 + n) })
    );
    const { model, requests } = setUp([queue(many), queue([])]);
    await poll(model);
    await poll(model);
    expect(requests.filter(r => /slurm\/jobs\/\d/.test(r.url))).toHaveLength(
      MAX_LOOKUPS
    );
  });
});
