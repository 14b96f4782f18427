import { nullTranslator } from '@jupyterlab/translation';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import * as React from 'react';
import { QueueTable } from '../components/QueueTable';
import type { IJob } from '../types';
import { job, manyJobs, pending } from './fixtures';

const trans = nullTranslator.load('jupyterlab_hpc');

// jsdom lays nothing out: give the scrolling grid a 600 px high viewport.
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get() {
      return (this as HTMLElement).classList.contains('jp-HpcSlurm-scroll')
        ? 600
        : 0;
    }
  });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', {
    configurable: true,
    get: () => 800
  });
});
afterAll(() => {
  // The own properties above shadow jsdom's (on Element.prototype).
  delete (HTMLElement.prototype as any).clientHeight;
  delete (HTMLElement.prototype as any).clientWidth;
});

interface IHarnessProps {
  jobs: IJob[];
  hiddenColumns?: string[];
  onOpen?: (job: IJob) => void;
}

/** The table with its selection held in state, as the model holds it. */
function Harness(props: IHarnessProps): JSX.Element {
  const [selection, setSelection] = React.useState<ReadonlySet<string>>(
    new Set()
  );
  const [hidden, setHidden] = React.useState<readonly string[]>(
    props.hiddenColumns ?? []
  );
  return (
    <QueueTable
      jobs={props.jobs}
      selection={selection}
      onSelectionChange={setSelection}
      onOpen={props.onOpen ?? (() => undefined)}
      asOf={Date.now()}
      hiddenColumns={hidden}
      onHiddenColumnsChange={setHidden}
      trans={trans}
    />
  );
}

/** The data rows rendered (the header row excluded). */
function dataRows(): HTMLElement[] {
  return screen
    .getAllByRole('row')
    .filter(row => row.classList.contains('jp-HpcSlurm-row'));
}

function idsShown(): string[] {
  return dataRows().map(row => row.getAttribute('data-job-id')!);
}

describe('QueueTable', () => {
  it('renders a window of a 50,000-job queue, not every row', () => {
    render(<Harness jobs={manyJobs(50000)} />);
    const rows = dataRows();
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(200);
    expect(screen.getByRole('grid').getAttribute('aria-rowcount')).toBe(
      '50001'
    );
    expect(document.querySelectorAll('.jp-HpcSlurm-row').length).toBe(
      rows.length
    );
  });

  it('sorts ids numerically by array job then task, and reverses on a click', () => {
    const ids = ['11', '10_2', '9', '10', '100', '10_[3-5%2]'];
    render(
      <Harness
        jobs={ids.map(id =>
          job({ jobId: `${ids.indexOf(id) + 1}`, displayId: id })
        )}
      />
    );
    const shown = () =>
      dataRows().map(
        row => row.querySelector('.jp-HpcSlurm-col-id')!.textContent
      );
    expect(shown()).toEqual(['9', '10', '10_2', '10_[3-5%2]', '11', '100']);
    const header = screen.getByRole('columnheader', { name: 'ID' });
    expect(header.getAttribute('aria-sort')).toBe('ascending');
    fireEvent.click(within(header).getByRole('button'));
    expect(header.getAttribute('aria-sort')).toBe('descending');
    expect(shown()).toEqual(['100', '11', '10_[3-5%2]', '10_2', '10', '9']);
  });

  it('shows a name as text: markup stays literal, tabs and newlines stay on one line', () => {
    render(
      <Harness
        jobs={[
          job({ jobId: '1', name: '<b>html</b>' }),
          job({ jobId: '2', name: 'tab\there\nnewline' })
        ]}
      />
    );
    const html = screen.getByText('<b>html</b>');
    expect(html.querySelector('b')).toBeNull();
    expect(document.querySelector('.jp-HpcSlurm-row b')).toBeNull();
    const odd = screen.getByText('tab here⏎newline');
    expect(odd.getAttribute('title')).toBe('tab\there\nnewline');
  });

  it('shows states as badges, limits, and the reason or the nodes', () => {
    render(
      <Harness
        jobs={[
          job({ jobId: '1', timeLimitSec: null, nodeList: 'node[1-2]' }),
          pending({ jobId: '2', reason: 'Resources', timeLimitSec: 7200 })
        ]}
      />
    );
    const [running, waiting] = dataRows();
    expect(within(running).getByText('RUNNING').className).toBe(
      'jp-HpcSlurm-state jp-mod-running'
    );
    expect(within(waiting).getByText('PENDING').className).toContain(
      'jp-mod-pending'
    );
    expect(within(running).getByText('UNLIMITED')).toBeTruthy();
    expect(within(waiting).getByText('2:00:00')).toBeTruthy();
    expect(within(running).getByText('node[1-2]')).toBeTruthy();
    expect(
      within(waiting).getByText('Resources').getAttribute('title')
    ).toMatch(/enough nodes/);
  });

  it('filters by text and by state', () => {
    render(
      <Harness
        jobs={[
          job({ jobId: '1', name: 'train' }),
          pending({ jobId: '2', name: 'prep' }),
          job({ jobId: '3', name: 'eval', user: 'bob' })
        ]}
      />
    );
    fireEvent.change(screen.getByPlaceholderText('Filter jobs'), {
      target: { value: 'BOB' }
    });
    expect(idsShown()).toEqual(['3']);
    expect(screen.getByText('1 of 3 shown')).toBeTruthy();
    fireEvent.change(screen.getByPlaceholderText('Filter jobs'), {
      target: { value: '' }
    });
    fireEvent.change(
      screen.getByRole('combobox', { name: 'Show jobs in state' }),
      {
        target: { value: 'PENDING' }
      }
    );
    expect(idsShown()).toEqual(['2']);
  });

  it('moves with the arrow keys, toggles with space and opens with Enter', () => {
    const opened: string[] = [];
    render(
      <Harness
        jobs={[job({ jobId: '1' }), job({ jobId: '2' }), job({ jobId: '3' })]}
        onOpen={j => opened.push(j.jobId)}
      />
    );
    const grid = screen.getByRole('grid');
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    const focused = () => document.querySelector('.jp-mod-focused')!;
    expect(focused().getAttribute('data-job-id')).toBe('2');
    expect(grid.getAttribute('aria-activedescendant')).toBe(focused().id);
    fireEvent.keyDown(grid, { key: ' ' });
    expect(focused().getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(grid, { key: 'ArrowUp' });
    fireEvent.keyDown(grid, { key: ' ' });
    expect(
      dataRows()
        .filter(row => row.getAttribute('aria-selected') === 'true')
        .map(row => row.getAttribute('data-job-id'))
    ).toEqual(['1', '2']);
    fireEvent.keyDown(grid, { key: 'End' });
    fireEvent.keyDown(grid, { key: 'Enter' });
    expect(opened).toEqual(['3']);
    fireEvent.doubleClick(dataRows()[0]);
    expect(opened).toEqual(['3', '1']);
  });

  it('selects with clicks: one row, ctrl to add, the checkbox to toggle, all', () => {
    render(
      <Harness
        jobs={[job({ jobId: '1' }), job({ jobId: '2' }), job({ jobId: '3' })]}
      />
    );
    const selected = () =>
      dataRows()
        .filter(row => row.getAttribute('aria-selected') === 'true')
        .map(row => row.getAttribute('data-job-id'));
    fireEvent.click(dataRows()[0]);
    fireEvent.click(dataRows()[2], { ctrlKey: true });
    expect(selected()).toEqual(['1', '3']);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select job 3' }));
    expect(selected()).toEqual(['1']);
    fireEvent.click(dataRows()[0]);
    fireEvent.click(dataRows()[2], { shiftKey: true });
    expect(selected()).toEqual(['1', '2', '3']);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select all jobs' }));
    expect(selected()).toEqual([]);
  });

  it('hides and shows columns from the Columns menu', () => {
    render(<Harness jobs={[job()]} hiddenColumns={['partition']} />);
    expect(
      screen.queryByRole('columnheader', { name: 'Partition' })
    ).toBeNull();
    fireEvent.click(screen.getByRole('checkbox', { name: 'Partition' }));
    expect(
      screen.getByRole('columnheader', { name: 'Partition' })
    ).toBeTruthy();
    fireEvent.click(screen.getByRole('checkbox', { name: 'User' }));
    expect(screen.queryByRole('columnheader', { name: 'User' })).toBeNull();
  });

  it('ticks the time of running jobs between polls', () => {
    jest.useFakeTimers();
    try {
      const { ClockProvider } = jest.requireActual('../components/clock');
      render(
        <ClockProvider>
          <Harness
            jobs={[job({ timeUsedSec: 58 }), pending({ jobId: '13' })]}
          />
        </ClockProvider>
      );
      const time = (id: string) =>
        document.querySelector(`[data-job-id="${id}"] .jp-HpcSlurm-col-time`)!
          .textContent;
      expect(time('12')).toBe('0:58');
      act(() => {
        jest.advanceTimersByTime(3000);
      });
      expect(time('12')).toBe('1:01');
      expect(time('13')).toBe('0:00');
    } finally {
      jest.useRealTimers();
    }
  });
});
