import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { submitJob } from '../submit';
import { fakeSubmitClient, healthyRoutes, json } from './fakes';

const trans = nullTranslator.load('jupyterlab_hpc');
const request = { script: '#!/bin/bash\necho hi\n', cwd: 'runs' };
const label = 'run.sh';

/** The notifications now shown (newest first), as [type, message]. */
function shown(): Array<[string, string]> {
  return Notification.manager.notifications.map(n => [n.type, n.message]);
}

function fakeQueue() {
  const revealed: string[] = [];
  return {
    revealed,
    queue: { reveal: async (jobId: string) => void revealed.push(jobId) }
  };
}

afterEach(() => Notification.dismiss());

describe('submitJob', () => {
  it('names the new job, offers "Show in queue" and reveals the row', async () => {
    const { client, seen } = fakeSubmitClient(healthyRoutes());
    const { queue, revealed } = fakeQueue();
    const outcome = await submitJob('a', {
      client,
      queue,
      request,
      label,
      trans
    });
    expect(outcome).toEqual({
      ok: true,
      submitted: { jobId: '42', warnings: [] }
    });
    expect(seen.map(s => s.route)).toEqual(['POST slurm/jobs']);
    expect(seen[0].body).toEqual(request);
    expect(shown()).toEqual([['success', 'Submitted batch job 42 (run.sh).']]);
    expect(revealed).toEqual(['42']);
    const [note] = Notification.manager.notifications;
    expect(note.options.actions?.map(a => a.label)).toEqual(['Show in queue']);
    note.options.actions![0].callback(new MouseEvent('click'));
    expect(revealed).toEqual(['42', '42']);
  });

  it("passes sbatch's warnings on, as a warning that stays", async () => {
    const { client } = fakeSubmitClient(
      healthyRoutes({
        'POST slurm/jobs': () =>
          json(201, {
            jobId: '43',
            warnings: ['sbatch: warning: can not run in 00:01:00']
          })
      })
    );
    await submitJob('b', {
      client,
      queue: fakeQueue().queue,
      request,
      label,
      trans
    });
    const [note] = Notification.manager.notifications;
    expect(note.type).toBe('warning');
    expect(note.message).toBe(
      'Submitted batch job 43 (run.sh). Slurm said: sbatch: warning: can not run in 00:01:00'
    );
    expect(note.options.autoClose).toBe(false);
  });

  it("shows Slurm's refusal with what to do, and reveals nothing", async () => {
    const { client } = fakeSubmitClient(
      healthyRoutes({
        'POST slurm/jobs': () =>
          json(400, {
            error: {
              code: 'SBATCH_REJECTED',
              message:
                'Slurm refused the job: Batch job submission failed: Invalid partition name specified'
            }
          })
      })
    );
    const { queue, revealed } = fakeQueue();
    const retry = {
      label: trans.__('Open the form'),
      callback: () => undefined
    };
    const outcome = await submitJob('c', {
      client,
      queue,
      request,
      label,
      trans,
      onFailedAction: retry
    });
    expect(outcome.ok).toBe(false);
    const [note] = Notification.manager.notifications;
    expect(note.type).toBe('error');
    expect(note.message).toContain(
      'run.sh was not submitted: Slurm refused the job: Batch job submission failed: Invalid partition name specified'
    );
    expect(note.message).toContain('Check the partition');
    expect(note.options.actions).toEqual([retry]);
    expect(revealed).toEqual([]);
  });

  it('refuses a second submission of the same source while one runs', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>(r => (release = r));
    const { client, seen } = fakeSubmitClient(
      healthyRoutes({
        'POST slurm/jobs': async () => {
          await gate;
          return json(201, { jobId: '44', warnings: [] });
        }
      })
    );
    const options = {
      client,
      queue: fakeQueue().queue,
      request,
      label,
      trans
    };
    const first = submitJob('same', options);
    const second = await submitJob('same', options);
    expect(second).toEqual({ ok: false, busy: true });
    expect(shown()).toEqual([['in-progress', 'Submitting run.sh to Slurm…']]);
    release();
    expect((await first).ok).toBe(true);
    expect(seen.filter(s => s.route === 'POST slurm/jobs')).toHaveLength(1);
    // Once done, the same source can be submitted again.
    expect((await submitJob('same', options)).ok).toBe(true);
    expect(seen.filter(s => s.route === 'POST slurm/jobs')).toHaveLength(2);
  });
});
