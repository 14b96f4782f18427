import { nullTranslator } from '@jupyterlab/translation';
import {
  act,
  fireEvent,
  render,
  screen,
  waitFor,
  within
} from '@testing-library/react';
import * as React from 'react';
import { HpcRequestError } from '../../../request';
import type { ISubmitRequest } from '../api';
import { IScriptSource, SubmitForm } from '../form';
import { EMPTY_VALUES } from '../options';
import type { SubmitOutcome } from '../submit';
import { fakeSubmitClient, healthyRoutes, json, Routes } from './fakes';

const trans = nullTranslator.load('jupyterlab_hpc');
const SCRIPT = '#!/bin/bash\necho hi\n';

function fileSource(text = SCRIPT): IScriptSource {
  return {
    label: trans.__('run.sh'),
    cwd: 'runs',
    editable: false,
    read: async () => text
  };
}

function renderForm(
  options: {
    routes?: Routes;
    source?: IScriptSource;
    onSubmit?: (request: ISubmitRequest) => Promise<SubmitOutcome>;
    profile?: string;
  } = {}
) {
  const { client, seen } = fakeSubmitClient(options.routes ?? healthyRoutes());
  const submits: ISubmitRequest[] = [];
  const done = jest.fn();
  const onSubmit =
    options.onSubmit ??
    (async (request: ISubmitRequest): Promise<SubmitOutcome> => {
      submits.push(request);
      return { ok: true, submitted: { jobId: '42', warnings: [] } };
    });
  render(
    <SubmitForm
      client={client}
      source={options.source ?? fileSource()}
      initial={{ ...EMPTY_VALUES, profile: options.profile ?? '' }}
      trans={trans}
      onSubmit={async request => {
        submits.push(request);
        return onSubmit(request);
      }}
      onDone={done}
      previewDelayMs={0}
    />
  );
  const previews = () =>
    seen.filter(s => s.route === 'POST slurm/jobs/preview');
  return { seen, submits, done, previews };
}

const command = () => screen.findByLabelText('Command');

describe('SubmitForm', () => {
  it('shows the profiles, the partitions as sinfo says, and the preview', async () => {
    const { previews } = renderForm();
    await waitFor(async () =>
      expect((await command()).textContent).toBe(
        'sbatch --parsable --chdir=/home/alice/runs'
      )
    );
    expect(screen.getByLabelText('Final script').textContent).toBe(SCRIPT);
    expect(previews()[0].body).toEqual({ script: SCRIPT, cwd: 'runs' });
    const partition = screen.getByLabelText('Partition');
    expect(
      within(partition)
        .getAllByRole('option')
        .map(o => o.textContent)
    ).toEqual([
      "Slurm's default",
      'debug (default): 6 of 8 CPUs idle, max 1:00:00',
      'gpu: 8 of 8 CPUs idle, GPUs gpu:fake:4, no time limit'
    ]);
    const profile = screen.getByLabelText('Profile');
    fireEvent.change(profile, { target: { value: 'Debug short' } });
    expect(
      screen.getByText('Five minutes on the debug partition')
    ).toBeTruthy();
    // The profile's values are what an empty field means.
    expect(
      screen.getByLabelText('Time limit').getAttribute('placeholder')
    ).toBe('00:05:00');
    await waitFor(() =>
      expect(previews().pop()?.body.profile).toBe('Debug short')
    );
  });

  it('asks the preview again with the options as typed', async () => {
    const { previews } = renderForm();
    await command();
    fireEvent.change(screen.getByLabelText('Job name'), {
      target: { value: 'my job' }
    });
    fireEvent.change(screen.getByLabelText('Memory per node'), {
      target: { value: '2g' }
    });
    await waitFor(async () =>
      expect((await command()).textContent).toBe(
        "sbatch --parsable --chdir=/home/alice/runs --mem=2G '--name=my job'"
      )
    );
    expect(previews().pop()?.body.options).toEqual({
      mem: '2G',
      name: 'my job'
    });
  });

  it('marks a wrong field and neither previews nor submits it', async () => {
    const { previews, submits } = renderForm();
    await command();
    const asked = previews().length;
    const nodes = screen.getByLabelText('Nodes');
    fireEvent.change(nodes, { target: { value: '0' } });
    expect(nodes.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('A whole number from 1 to 100000.')).toBeTruthy();
    const submit = screen.getByRole('button', { name: 'Submit' });
    expect((submit as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(submit);
    await act(() => new Promise(r => setTimeout(r, 20)));
    expect(previews()).toHaveLength(asked);
    expect(submits).toEqual([]);
  });

  it("shows the server's refusal in the preview, with what to do", async () => {
    renderForm({
      routes: healthyRoutes({
        'POST slurm/jobs/preview': () =>
          json(400, {
            error: {
              code: 'NOT_A_BATCH_SCRIPT',
              message:
                'This is not a batch script: its first line must start with #!'
            }
          })
      }),
      source: fileSource('echo hi\n')
    });
    const message = await screen.findByText(/This is not a batch script/);
    const section = screen.getByRole('region', { name: 'Preview' });
    expect(section.contains(message)).toBe(true);
    expect(section.textContent).toContain('at the very top of the script');
  });

  it('submits once, shows progress, and closes when the job is in', async () => {
    let finish: (outcome: SubmitOutcome) => void = () => undefined;
    const { submits, done } = renderForm({
      onSubmit: () => new Promise(r => (finish = r))
    });
    await command();
    const submit = screen.getByRole('button', { name: 'Submit' });
    fireEvent.click(submit);
    fireEvent.click(submit);
    await screen.findByRole('button', { name: 'Submitting…' });
    expect(screen.getByRole('progressbar')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Submitting…' }));
    expect(submits).toEqual([{ script: SCRIPT, cwd: 'runs' }]);
    await act(async () =>
      finish({ ok: true, submitted: { jobId: '42', warnings: [] } })
    );
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('keeps a refusal in view with what to do, and lets the user retry', async () => {
    const { submits, done } = renderForm({
      onSubmit: async () => ({
        ok: false,
        error: new HpcRequestError(
          400,
          'SBATCH_REJECTED',
          'Slurm refused the job: Invalid account or account/partition combination specified'
        )
      })
    });
    await command();
    fireEvent.click(screen.getByRole('button', { name: 'Submit' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Invalid account');
    expect(alert.textContent).toContain('Check the partition, account');
    expect(done).not.toHaveBeenCalled();
    const submit = screen.getByRole('button', { name: 'Submit' });
    expect((submit as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(submit);
    await waitFor(() => expect(submits).toHaveLength(2));
  });

  it("follows the editor's text as it changes", async () => {
    let text = SCRIPT;
    let changed: () => void = () => undefined;
    const { previews, submits } = renderForm({
      source: {
        ...fileSource(),
        read: async () => text,
        watch: callback => {
          changed = callback;
          return () => undefined;
        }
      }
    });
    await command();
    text = '#!/bin/bash\n#SBATCH --comment=unsaved\n';
    act(() => changed());
    await waitFor(() =>
      expect(screen.getByLabelText('Final script').textContent).toBe(text)
    );
    expect(previews().pop()?.body.script).toBe(text);
    fireEvent.click(screen.getByRole('button', { name: 'Submit' }));
    await waitFor(() => expect(submits[0]?.script).toBe(text));
  });

  it('edits a new script in the form', async () => {
    const { previews } = renderForm({
      source: { ...fileSource(), editable: true, label: trans.__('New script') }
    });
    const script = await screen.findByLabelText('Script');
    await waitFor(() =>
      expect((script as HTMLTextAreaElement).value).toBe(SCRIPT)
    );
    fireEvent.change(script, { target: { value: '#!/bin/sh\ntrue\n' } });
    await waitFor(() =>
      expect(previews().pop()?.body.script).toBe('#!/bin/sh\ntrue\n')
    );
  });

  it('falls back to a text field when the partitions cannot be read', async () => {
    renderForm({
      routes: healthyRoutes({
        'GET slurm/partitions': () =>
          json(503, {
            error: { code: 'SLURM_CONTROLLER_DOWN', message: 'no controller' }
          })
      })
    });
    await screen.findByText('Partitions unavailable: no controller');
    expect(screen.getByLabelText('Partition').tagName).toBe('INPUT');
  });
});
