import { nullTranslator } from '@jupyterlab/translation';
import { act, render, screen } from '@testing-library/react';
import * as React from 'react';
import { HpcRequestError } from '../../request';
import { HistoryView, HistoryWidget } from '../history';
import type { IHistory } from '../types';

const trans = nullTranslator.load('jupyterlab_hpc');

const history: IHistory = {
  source: 'sacct',
  jobs: [
    {
      jobId: '28',
      name: 'acct-fail <b>x</b>',
      user: 'bob',
      partition: 'debug',
      state: 'FAILED',
      exitCode: '3:0',
      submitTime: '2026-11-23T13:05:14',
      startTime: '2026-11-23T13:05:14',
      endTime: '2026-11-23T13:05:14',
      elapsedSec: 0
    },
    {
      jobId: '27',
      name: 'acct-ok',
      user: 'alice',
      partition: 'debug',
      state: 'COMPLETED',
      exitCode: '0:0',
      submitTime: '2026-11-23T13:05:14',
      startTime: '2026-11-23T13:05:14',
      endTime: '2026-11-23T13:06:16',
      elapsedSec: 62
    }
  ]
};

const noop = (): void => undefined;

describe('HistoryView', () => {
  it('lists finished jobs with state, exit code and elapsed time', () => {
    render(
      <HistoryView
        state={{ kind: 'ok', history }}
        days={7}
        onDays={noop}
        onRefresh={noop}
        trans={trans}
      />
    );
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map(r => r.getAttribute('data-job-id'))).toEqual(['28', '27']);
    expect(rows[0].textContent).toContain('FAILED');
    expect(rows[0].textContent).toContain('3:0');
    // a name is text, never markup
    expect(rows[0].querySelector('b')).toBeNull();
    expect(rows[0].textContent).toContain('acct-fail <b>x</b>');
    expect(rows[1].textContent).toContain('1:02');
    expect(screen.getByText('2 jobs (from sacct)')).toBeTruthy();
  });

  it("shows the server's explanation instead of a table", () => {
    render(
      <HistoryView
        state={{
          kind: 'unavailable',
          message: 'Job history needs Slurm accounting'
        }}
        days={7}
        onDays={noop}
        onRefresh={noop}
        trans={trans}
      />
    );
    expect(screen.getByRole('status').textContent).toBe(
      'Job history needs Slurm accounting'
    );
    expect(screen.queryByRole('table')).toBeNull();
  });
});

describe('HistoryWidget', () => {
  it('asks for the chosen window and shows accounting being off', async () => {
    const asked: number[] = [];
    const widget = new HistoryWidget(
      {
        history: async (days: number) => {
          asked.push(days);
          throw new HpcRequestError(
            503,
            'ACCOUNTING_DISABLED',
            'no slurmdbd here'
          );
        }
      },
      trans
    );
    document.body.appendChild(widget.node);
    await act(async () => {
      await widget.load();
      widget.update();
    });
    expect(asked).toEqual([7]);
    await act(async () => {
      await new Promise(r => setTimeout(r, 0));
    });
    expect(widget.node.textContent).toContain('no slurmdbd here');
    widget.dispose();
  });
});
