import type { JupyterFrontEnd } from '@jupyterlab/application';
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';
import { fireEvent, waitFor } from '@testing-library/react';
import { json } from '../../__tests__/fakeServer';
import { HpcServer } from '../../core/model';
import { HpcRequestError } from '../../request';
import { SlurmClient } from '../api';
import { outputReader } from '../details/api';
import { JobDetailModel } from '../details/model';
import { ACTION_COMMANDS, JobDetailsPanel } from '../details/widget';
import { canAct } from '../jobs';
import { QueueModel } from '../model';
import type { IJobDetail, JobAction } from '../types';
import { job, queue } from './fixtures';

const trans = nullTranslator.load('jupyterlab_hpc');

const DETAIL: IJobDetail = {
  jobId: '12',
  fields: {
    JobId: '12',
    JobName: 'train',
    UserId: 'alice(1001)',
    JobState: 'RUNNING',
    Reason: 'None',
    RunTime: '00:01:05',
    TimeLimit: '01:00:00',
    WorkDir: '/home/alice/runs',
    StdOut: '/home/alice/runs/slurm-12.out',
    StdErr: '/scratch/err-12.txt'
  },
  state: 'RUNNING',
  reason: null,
  workDir: '/home/alice/runs',
  stdout: '/home/alice/runs/slurm-12.out',
  stderr: '/scratch/err-12.txt',
  workDirPath: 'runs',
  stdOutPath: 'runs/slurm-12.out',
  stdErrPath: null
};

/** The fake server: the queue, job 12's details and its two outputs. */
function settings() {
  const seen: string[] = [];
  const fetch = async (input: RequestInfo | URL) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    seen.push(url.pathname + url.search);
    if (url.pathname.endsWith('/output')) {
      const stream = url.searchParams.get('stream');
      const text = stream === 'stdout' ? 'step 1\nstep 2\n' : 'warning\n';
      const offset = Number(url.searchParams.get('offset'));
      const part = text.slice(offset);
      return new Response(part, {
        headers: {
          'x-next-offset': String(offset + part.length),
          'x-output-size': String(text.length)
        }
      });
    }
    if (url.pathname.endsWith('/slurm/jobs/12')) {
      return json(200, DETAIL);
    }
    // The queue is older than the details: it still says pending.
    return json(
      200,
      queue([job({ jobId: '12', state: 'PENDING', reason: 'Priority' })])
    );
  };
  return {
    seen,
    settings: ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      fetch: fetch as typeof window.fetch
    })
  };
}

describe('JobDetailsPanel', () => {
  const env = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
  beforeAll(() => (env.IS_REACT_ACT_ENVIRONMENT = false));
  afterAll(() => (env.IS_REACT_ACT_ENVIRONMENT = true));

  it('shows the job, follows its output and acts through the commands', async () => {
    const { settings: s, seen } = settings();
    const model = new QueueModel({
      client: new SlurmClient(new HpcServer(s))
    });
    await model.refresh();
    const commands = new CommandRegistry();
    const executed: Array<[string, unknown]> = [];
    for (const action of Object.keys(ACTION_COMMANDS) as JobAction[]) {
      // As the queue plugin: enabled as `canAct` says for the named jobs.
      commands.addCommand(ACTION_COMMANDS[action], {
        describedBy: { args: { type: 'object', properties: {} } },
        isEnabled: args =>
          canAct(
            action,
            model.jobs.filter(j => (args.jobIds as string[]).includes(j.jobId))
          ),
        execute: args => {
          executed.push([action, args]);
        }
      });
    }
    for (const id of ['filebrowser:go-to-path', 'docmanager:open']) {
      commands.addCommand(id, {
        describedBy: { args: { type: 'object', properties: {} } },
        execute: args => {
          executed.push([id, args]);
        }
      });
    }
    const app = { commands } as unknown as JupyterFrontEnd;
    const panel = new JobDetailsPanel({
      app,
      model,
      jobId: '12',
      job: model.jobs[0],
      trans,
      read: outputReader(s)
    });
    Widget.attach(panel, document.body);
    expect(panel.model.active).toBe(true);
    expect(panel.title.label).toBe('Job 12 · train');

    const node = panel.node;
    await waitFor(
      () =>
        expect(
          node.querySelector('[data-stream="stdout"] pre')?.textContent
        ).toBe('step 1\nstep 2\n'),
      { timeout: 10000 }
    );
    expect(node.textContent).toContain('Following');
    const button = (name: string) =>
      Array.from(node.querySelectorAll('button')).find(
        b => b.textContent === name
      ) as HTMLButtonElement;
    // Hold is for pending jobs: the details say it runs, though the queue's
    // row says pending. Requeue waits for the queue's row to agree.
    expect(button('Hold').disabled).toBe(true);
    expect(button('Cancel').disabled).toBe(false);
    expect(button('Requeue').disabled).toBe(true);
    expect(button('Release').disabled).toBe(true);
    // The queue was asked again when the states disagreed.
    expect(
      seen.filter(u => u.includes('/slurm/jobs?')).length
    ).toBeGreaterThanOrEqual(2);

    fireEvent.click(button('Cancel'));
    fireEvent.click(button('Open in File Browser'));
    fireEvent.click(button('Open in Editor'));
    await waitFor(() => expect(executed.length).toBe(3));
    expect(executed).toEqual([
      ['cancel', { jobIds: ['12'] }],
      ['filebrowser:go-to-path', { path: 'runs' }],
      ['docmanager:open', { path: 'runs/slurm-12.out', factory: 'Editor' }]
    ]);

    // stderr is another file, outside the root: its own tab, not openable.
    fireEvent.click(node.querySelector('[role="tab"]:nth-child(2)')!);
    await waitFor(() =>
      expect(
        node.querySelector('[data-stream="stderr"] pre')?.textContent
      ).toBe('warning\n')
    );
    expect(button('Open in Editor').disabled).toBe(true);
    expect(button('Open in Editor').title).toContain(
      'outside the Jupyter root'
    );

    // Every field, filtered.
    fireEvent.change(node.querySelector('input[type="search"]')!, {
      target: { value: 'stdout' }
    });
    await waitFor(() =>
      expect(node.querySelectorAll('.jp-HpcSlurmDetails-table tr').length).toBe(
        1
      )
    );

    panel.hide();
    expect(panel.model.active).toBe(false);
    panel.dispose();
    panel.dispose();
    model.dispose();
  });
});

describe('JobDetailModel', () => {
  const read = async () => ({
    text: '',
    nextOffset: 0,
    size: 0,
    path: null
  });

  it('follows one file when stdout and stderr are the same, two otherwise', async () => {
    const same = new JobDetailModel({
      jobId: '12',
      load: async () => ({ ...DETAIL, stderr: DETAIL.stdout }),
      read
    });
    await same.refresh();
    expect(same.tails.map(t => t.stream)).toEqual(['stdout']);
    const two = new JobDetailModel({
      jobId: '12',
      load: async () => DETAIL,
      read
    });
    await two.refresh();
    expect(two.tails.map(t => t.stream)).toEqual(['stdout', 'stderr']);
    same.dispose();
    two.dispose();
  });

  it('follows no /dev/null', async () => {
    const model = new JobDetailModel({
      jobId: '12',
      load: async () => ({
        ...DETAIL,
        stdout: '/dev/null',
        stderr: '/dev/null'
      }),
      read
    });
    await model.refresh();
    expect(model.tails).toEqual([]);
    model.dispose();
  });

  it('says when Slurm forgot the job, and stops following it', async () => {
    let known = true;
    const model = new JobDetailModel({
      jobId: '12',
      load: async () => {
        if (known) {
          return DETAIL;
        }
        throw new HpcRequestError(
          404,
          'JOB_NOT_FOUND',
          'Slurm does not know job 12'
        );
      },
      read
    });
    await model.refresh();
    expect(model.finished).toBe(false);
    expect(model.tails[0].jobFinished).toBe(false);
    known = false;
    await model.refresh();
    expect(model.gone).toBe(true);
    expect(model.finished).toBe(true);
    expect(model.error).toBe('Slurm does not know job 12');
    // The last known details stay.
    expect(model.detail?.jobId).toBe('12');
    expect(model.tails.every(t => t.jobFinished)).toBe(true);
    model.dispose();
  });

  it('treats a final state as finished ("CANCELLED by 0" too)', async () => {
    const model = new JobDetailModel({
      jobId: '12',
      load: async () => ({ ...DETAIL, state: 'CANCELLED by 0' }),
      read
    });
    await model.refresh();
    expect(model.finished).toBe(true);
    model.dispose();
  });
});
