import { nullTranslator } from '@jupyterlab/translation';
import { fireEvent, render, screen } from '@testing-library/react';
import * as React from 'react';
import { IJobDetailsProps, JobDetails } from '../components/JobDetails';
import type { ITailState } from '../details/tail';
import { job, pending } from './fixtures';

const trans = nullTranslator.load('jupyterlab_hpc');

function props(overrides: Partial<IJobDetailsProps> = {}): IJobDetailsProps {
  return {
    jobId: '12',
    title: trans.__('Job 12 · <b>x</b>'),
    job: pending(),
    detail: {
      jobId: '12',
      fields: { JobId: '12', JobName: '<b>x</b>', Reason: 'JobHeldUser' },
      state: 'PENDING',
      reason: 'JobHeldUser',
      workDir: '/home/alice',
      stdout: '/home/alice/slurm-12.out',
      stderr: null,
      workDirPath: '',
      stdOutPath: 'slurm-12.out',
      stdErrPath: null
    },
    fetchedAt: 0,
    error: null,
    gone: false,
    actions: [],
    onAction: () => undefined,
    onRefresh: () => undefined,
    workDir: { path: '', reason: null },
    onOpenWorkDir: () => undefined,
    outputs: [],
    outputNote: null,
    trans,
    ...overrides
  };
}

const tail: ITailState = {
  text: '',
  offset: 0,
  truncated: false,
  path: null,
  opened: false,
  missing: null,
  error: null,
  done: false
};

describe('JobDetails', () => {
  it('lists every field as text and says the reason in words', () => {
    render(<JobDetails {...props()} />);
    expect(screen.getByRole('heading').textContent).toBe('Job 12 · <b>x</b>');
    expect(screen.getAllByRole('row')).toHaveLength(3);
    expect(screen.getByRole('row', { name: /JobName/ }).textContent).toBe(
      'JobName<b>x</b>'
    );
    expect(screen.getByText(/Held by its owner/)).toBeTruthy();
  });

  it('says why the details could not be loaded', () => {
    render(
      <JobDetails
        {...props({ job: job(), detail: null, error: 'Invalid job id' })}
      />
    );
    expect(screen.getByRole('alert').textContent).toBe('Invalid job id');
  });

  it('keeps the last details of a job Slurm forgot, and says so', () => {
    render(
      <JobDetails
        {...props({ gone: true, error: 'Slurm does not know job 12' })}
      />
    );
    expect(screen.getByRole('status').textContent).toContain(
      'Slurm no longer knows this job'
    );
    expect(screen.getAllByRole('row')).toHaveLength(3);
  });

  it('disables Open in File Browser outside the root, with the reason', () => {
    const reason = '/scratch is outside the Jupyter root';
    render(<JobDetails {...props({ workDir: { path: null, reason } })} />);
    const button = screen.getByRole('button', {
      name: 'Open in File Browser'
    }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.title).toBe(reason);
  });

  it('shows a missing output file as "not written yet" with the reason', () => {
    render(
      <JobDetails
        {...props({
          outputs: [
            {
              stream: 'stdout',
              label: trans.__('Output and errors'),
              state: { ...tail, missing: 'slurm-12.out does not exist yet' },
              keepChars: 1024,
              live: true,
              target: { path: 'slurm-12.out', reason: null },
              onOpen: () => undefined
            }
          ]
        })}
      />
    );
    expect(screen.getByRole('tab').textContent).toBe('Output and errors');
    expect(
      screen
        .getAllByRole('status')
        .some(s =>
          s.textContent?.includes(
            'Not written yet: slurm-12.out does not exist yet'
          )
        )
    ).toBe(true);
  });

  it('says when only the end of the output is shown', () => {
    render(
      <JobDetails
        {...props({
          outputs: [
            {
              stream: 'stdout',
              label: trans.__('Output'),
              state: { ...tail, opened: true, text: 'end\n', truncated: true },
              keepChars: 256 * 1024,
              live: true,
              target: { path: 'slurm-12.out', reason: null },
              onOpen: () => undefined
            }
          ]
        })}
      />
    );
    expect(screen.getByText(/Showing the last 256 KB only/)).toBeTruthy();
  });

  it('says why there is no output to follow', () => {
    render(
      <JobDetails
        {...props({ outputNote: trans.__('It writes to /dev/null.') })}
      />
    );
    expect(screen.queryByRole('tablist')).toBeNull();
    expect(screen.getByText('It writes to /dev/null.')).toBeTruthy();
  });

  it('filters the fields by name or value', () => {
    render(<JobDetails {...props()} />);
    fireEvent.change(screen.getByRole('searchbox'), {
      target: { value: 'held' }
    });
    expect(screen.getAllByRole('row')).toHaveLength(1);
  });
});
