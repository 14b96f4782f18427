import { Notification } from '@jupyterlab/apputils';
import {
  acceptDialog,
  dismissDialog,
  waitForDialog
} from '@jupyterlab/testing';
import { nullTranslator } from '@jupyterlab/translation';
import { json } from '../../__tests__/fakeServer';
import { runAction, summarize } from '../actions';
import { QueueModel } from '../model';
import type { IActionResult } from '../types';
import { fakeClient, IRequestSeen, job, pending, queue } from './fixtures';

const trans = nullTranslator.load('jupyterlab_hpc');

const ok = (jobId: string): IActionResult => ({ jobId, ok: true });
const denied = (jobId: string): IActionResult => ({
  jobId,
  ok: false,
  message: 'Access/permission denied'
});

describe('summarize', () => {
  it('says how many worked', () => {
    expect(summarize('cancel', [ok('12'), ok('12_3'), ok('40+1')], trans)).toBe(
      'Cancelled 3 jobs.'
    );
    expect(summarize('hold', [ok('12')], trans)).toBe('Held 1 job.');
    expect(summarize('release', [ok('1'), ok('2')], trans)).toBe(
      'Released 2 jobs.'
    );
    expect(summarize('requeue', [ok('1')], trans)).toBe('Requeued 1 job.');
  });

  it("names what failed, in Slurm's words", () => {
    expect(summarize('cancel', [ok('11'), ok('12'), denied('13')], trans)).toBe(
      'Cancelled 2 of 3 jobs. 13: Access/permission denied'
    );
    expect(
      summarize(
        'hold',
        [
          {
            jobId: '12_[4-9%2]',
            ok: false,
            message: 'Invalid job id specified'
          }
        ],
        trans
      )
    ).toBe('Held 0 of 1 job. 12_[4-9%2]: Invalid job id specified');
  });

  it('names the first three failures and counts the rest', () => {
    const results = ['1', '2', '3', '4', '5'].map(denied);
    expect(summarize('release', results, trans)).toBe(
      'Released 0 of 5 jobs. 1: Access/permission denied; 2: Access/permission denied; 3: Access/permission denied; 2 more'
    );
  });
});

describe('runAction', () => {
  // The dialogs render through Lumino, outside React's act(): like the app.
  const env = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
  beforeAll(() => (env.IS_REACT_ACT_ENVIRONMENT = false));
  afterAll(() => (env.IS_REACT_ACT_ENVIRONMENT = true));
  let model: QueueModel;
  let requests: IRequestSeen[];
  const jobs = [
    job({ jobId: '12' }),
    pending({ jobId: '13', name: '<i>x</i>' })
  ];

  beforeEach(async () => {
    const fake = fakeClient(req =>
      req.method === 'POST'
        ? json(200, { results: [ok('12'), denied('13')] })
        : json(200, queue(jobs))
    );
    requests = fake.requests;
    model = new QueueModel({ client: fake.client });
    Notification.manager.dismiss();
  });
  afterEach(() => model.dispose());

  it('asks first, listing the jobs, and does nothing when the user says no', async () => {
    const done = runAction(model, 'cancel', jobs, trans);
    await waitForDialog();
    await new Promise(resolve => setTimeout(resolve, 50));
    const dialog = document.querySelector('.jp-Dialog')!;
    expect(dialog.textContent).toContain('Cancel 2 jobs?');
    expect(
      dialog.querySelector('.jp-HpcSlurm-confirmList')!.textContent
    ).toContain('13 <i>x</i>');
    expect(dialog.querySelector('i')).toBeNull();
    await dismissDialog();
    expect(await done).toBeNull();
    expect(requests).toHaveLength(0);
  });

  it('then shows one notification that ends with the summary', async () => {
    const done = runAction(model, 'cancel', jobs, trans);
    await acceptDialog();
    const results = await done;
    expect(results).toHaveLength(2);
    expect(JSON.parse(requests[0].body)).toEqual({
      action: 'cancel',
      jobIds: ['12', '13']
    });
    const notes = Notification.manager.notifications;
    expect(notes).toHaveLength(1);
    expect(notes[0].message).toBe(
      'Cancelled 1 of 2 jobs. 13: Access/permission denied'
    );
    expect(notes[0].type).toBe('warning');
    expect(notes[0].options.actions?.[0].label).toBe('Show details');
  });

  it('reports a refused request in the notification', async () => {
    const fake = fakeClient(() =>
      json(400, { error: { code: 'BAD_REQUEST', message: 'bad job id' } })
    );
    const other = new QueueModel({ client: fake.client });
    const done = runAction(other, 'hold', [pending()], trans);
    await acceptDialog();
    expect(await done).toBeNull();
    const notes = Notification.manager.notifications;
    expect(notes[0].message).toBe('Hold failed: bad job id');
    expect(notes[0].type).toBe('error');
    other.dispose();
  });
});
