import { nullTranslator } from '@jupyterlab/translation';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import * as React from 'react';
import {
  IRevealRequest,
  QueueTable,
  REVEAL_MS,
  ROW_HEIGHT
} from '../components/QueueTable';
import type { IJob } from '../types';
import { job, manyJobs, pending } from './fixtures';

const trans = nullTranslator.load('jupyterlab_hpc');

// jsdom lays nothing out: give the scrolling grid a 600 px high viewport,
// as wide as `gridWidth`.
let gridWidth = 800;
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
    get: () => gridWidth
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
  onCancel?: (jobIds: string[]) => void;
  reveal?: IRevealRequest | null;
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
      onCancel={props.onCancel}
      reveal={props.reveal}
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

  /** Open a value filter's menu and (un)check one value. */
  function chooseValue(column: string, value: string) {
    const menu = document.querySelector(
      `.jp-HpcSlurm-valueFilter[data-column="${column}"]`
    ) as HTMLDetailsElement;
    if (!menu.open) {
      menu.open = true;
      fireEvent(menu, new Event('toggle'));
    }
    fireEvent.click(
      within(menu).getByRole('checkbox', { name: new RegExp(`^${value}\\b`) })
    );
    return menu;
  }

  /** A value filter's choices and their counts, as shown. */
  function choices(column: string): string[] {
    const menu = document.querySelector(
      `.jp-HpcSlurm-valueFilter[data-column="${column}"]`
    ) as HTMLDetailsElement;
    if (!menu.open) {
      menu.open = true;
      fireEvent(menu, new Event('toggle'));
    }
    return within(menu)
      .queryAllByRole('checkbox')
      .map(box => box.closest('label')!.textContent!);
  }

  const mixed = () => [
    job({ jobId: '1', name: 'train', account: 'physics' }),
    pending({ jobId: '2', name: 'prep', partition: 'gpu', account: 'bio' }),
    job({ jobId: '3', name: 'eval', user: 'bob', account: 'bio' }),
    pending({ jobId: '4', name: 'later', user: 'bob', partition: 'gpu' })
  ];

  it('filters by text, says how many it shows and clears', () => {
    render(<Harness jobs={mixed()} />);
    expect(screen.queryByText(/showing/)).toBeNull();
    fireEvent.change(screen.getByPlaceholderText('Filter jobs'), {
      target: { value: 'EVAL' }
    });
    expect(idsShown()).toEqual(['3']);
    expect(screen.getByText('showing 1 of 4')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(idsShown()).toEqual(['1', '2', '3', '4']);
    expect(
      (screen.getByPlaceholderText('Filter jobs') as HTMLInputElement).value
    ).toBe('');
    expect(screen.queryByRole('button', { name: 'Clear filters' })).toBeNull();
  });

  it('filters by several values per column, with counts from the other filters', () => {
    render(<Harness jobs={mixed()} />);
    chooseValue('state', 'PENDING');
    expect(idsShown()).toEqual(['2', '4']);
    // The counts of a column follow the other columns' filters ...
    chooseValue('user', 'bob');
    expect(idsShown()).toEqual(['4']);
    expect(choices('user')).toEqual(['alice1', 'bob1']);
    // ... and not its own: both states stay offered with their counts.
    chooseValue('state', 'RUNNING');
    expect(idsShown()).toEqual(['3', '4']);
    expect(choices('state')).toEqual(['PENDING1', 'RUNNING1']);
    expect(screen.getByText('showing 2 of 4')).toBeTruthy();
    // Partition and account filter too, though both columns are hidden.
    chooseValue('partition', 'gpu');
    expect(idsShown()).toEqual(['4']);
    // Values no job left by the other filters has are not offered.
    expect(choices('account')).toEqual(['physics1']);
    chooseValue('account', 'physics');
    expect(idsShown()).toEqual(['4']);
    expect(
      document.querySelector('[data-column="account"] summary')!.textContent
    ).toBe('Account (1)');
    fireEvent.change(screen.getByPlaceholderText('Filter jobs'), {
      target: { value: 'nothing like it' }
    });
    expect(screen.getByText('No job matches the filter.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(idsShown()).toEqual(['1', '2', '3', '4']);
    expect(
      document.querySelector('[data-column="state"] summary')!.textContent
    ).toBe('State');
  });

  it('keeps a chosen value that no job has any more, to be unchosen', () => {
    const { rerender } = render(<Harness jobs={mixed()} />);
    chooseValue('state', 'PENDING');
    rerender(<Harness jobs={mixed().filter(j => j.state !== 'PENDING')} />);
    expect(choices('state')).toEqual(['PENDING0', 'RUNNING2']);
    expect(idsShown()).toEqual([]);
    chooseValue('state', 'PENDING');
    expect(idsShown()).toEqual(['1', '3']);
  });

  it('offers the account as a column', () => {
    render(<Harness jobs={mixed()} hiddenColumns={['account']} />);
    expect(screen.queryByRole('columnheader', { name: 'Account' })).toBeNull();
    const menu = document.querySelector('.jp-HpcSlurm-columnMenu')!;
    fireEvent.click(
      within(menu as HTMLElement).getByRole('checkbox', { name: 'Account' })
    );
    expect(screen.getByRole('columnheader', { name: 'Account' })).toBeTruthy();
    expect(within(dataRows()[0]).getByText('physics')).toBeTruthy();
  });

  it('drops the least useful columns when the sidebar is narrow', () => {
    gridWidth = 305;
    try {
      render(<Harness jobs={mixed()} hiddenColumns={[]} />);
      const headers = screen
        .getAllByRole('columnheader')
        .map(h => h.className.replace(/.*jp-HpcSlurm-col-/, ''));
      expect(headers).toEqual(['id', 'name', 'state', 'where']);
      // The menu says why a chosen column is missing.
      const menu = document.querySelector('.jp-HpcSlurm-columnMenu')!;
      const cpus = within(menu as HTMLElement).getByRole('checkbox', {
        name: /CPUs/
      });
      expect((cpus as HTMLInputElement).checked).toBe(true);
      expect(cpus.closest('label')!.textContent).toBe('CPUsno room');
    } finally {
      gridWidth = 800;
    }
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

  it('extends the selection with Shift+arrows, selects all, clears with Escape', () => {
    render(
      <Harness
        jobs={[
          job({ jobId: '1' }),
          job({ jobId: '2' }),
          job({ jobId: '3' }),
          job({ jobId: '4' })
        ]}
      />
    );
    const grid = screen.getByRole('grid');
    const selected = () =>
      dataRows()
        .filter(row => row.getAttribute('aria-selected') === 'true')
        .map(row => row.getAttribute('data-job-id'));
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    fireEvent.keyDown(grid, { key: 'ArrowDown', shiftKey: true });
    fireEvent.keyDown(grid, { key: 'ArrowDown', shiftKey: true });
    expect(selected()).toEqual(['1', '2', '3']);
    fireEvent.keyDown(grid, { key: 'ArrowUp', shiftKey: true });
    expect(selected()).toEqual(['1', '2']);
    fireEvent.keyDown(grid, { key: 'Escape' });
    expect(selected()).toEqual([]);
    fireEvent.keyDown(grid, { key: 'a', ctrlKey: true });
    expect(selected()).toEqual(['1', '2', '3', '4']);
  });

  it('asks to cancel the selection, or the focused job, on Delete', () => {
    const cancelled: string[][] = [];
    render(
      <Harness
        jobs={[job({ jobId: '1' }), job({ jobId: '2' }), job({ jobId: '3' })]}
        onCancel={ids => cancelled.push(ids)}
      />
    );
    const grid = screen.getByRole('grid');
    fireEvent.keyDown(grid, { key: 'Delete' });
    expect(cancelled).toEqual([]);
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    fireEvent.keyDown(grid, { key: 'Delete' });
    expect(cancelled).toEqual([['2']]);
    // What is cancelled is what the confirmation lists: the selection.
    expect(
      document.querySelector('[data-job-id="2"]')!.getAttribute('aria-selected')
    ).toBe('true');
    fireEvent.click(dataRows()[0], { ctrlKey: true });
    fireEvent.click(dataRows()[2], { ctrlKey: true });
    fireEvent.keyDown(grid, { key: 'Delete' });
    expect(cancelled[1]).toEqual(['1', '2', '3']);
  });

  describe('reveal', () => {
    let scrolls: number[] = [];
    beforeEach(() => {
      jest.useFakeTimers();
      scrolls = [];
      // jsdom doesn't scroll: record where the virtualiser asks to go.
      (HTMLElement.prototype as any).scrollTo = function (
        this: HTMLElement,
        options: ScrollToOptions
      ) {
        scrolls.push(options.top ?? 0);
        this.scrollTop = options.top ?? 0;
        this.dispatchEvent(new Event('scroll'));
      };
      // ... and can scroll as far as the rows reach.
      Object.defineProperty(HTMLElement.prototype, 'scrollHeight', {
        configurable: true,
        get() {
          const body = (this as HTMLElement).querySelector<HTMLElement>(
            '.jp-HpcSlurm-body'
          );
          return body ? parseFloat(body.style.height) + 26 : 0;
        }
      });
    });
    afterEach(() => {
      jest.useRealTimers();
      delete (HTMLElement.prototype as any).scrollTo;
      delete (HTMLElement.prototype as any).scrollHeight;
    });

    /** Let the virtualiser follow the scroll. */
    const settle = () =>
      act(() => {
        jest.advanceTimersByTime(50);
      });

    const row = (id: string) =>
      document.querySelector(`.jp-HpcSlurm-row[data-job-id="${id}"]`);

    it('scrolls a far job into view, focuses it and highlights it briefly', () => {
      {
        const jobs = manyJobs(5000);
        const { rerender } = render(<Harness jobs={jobs} />);
        expect(row('4000')).toBeNull();
        scrolls = [];
        rerender(<Harness jobs={jobs} reveal={{ jobId: '4000', seq: 1 }} />);
        settle();
        // Centred: its offset (3999 rows down) less half the viewport, about.
        const target = 3999 * ROW_HEIGHT;
        expect(scrolls.length).toBeGreaterThan(0);
        expect(scrolls[0]).toBeGreaterThan(target - 600);
        expect(scrolls[0]).toBeLessThan(target);
        expect(row('4000')!.className).toContain('jp-mod-revealed');
        expect(row('4000')!.className).toContain('jp-mod-focused');
        act(() => {
          jest.advanceTimersByTime(REVEAL_MS);
        });
        expect(row('4000')!.className).not.toContain('jp-mod-revealed');
        // The same request again (a re-render) scrolls nowhere.
        const before = scrolls.length;
        rerender(<Harness jobs={jobs} reveal={{ jobId: '4000', seq: 1 }} />);
        expect(scrolls.length).toBe(before);
      }
    });

    it('clears the filters that hide the job', () => {
      const jobs = manyJobs(300);
      const { rerender } = render(<Harness jobs={jobs} />);
      fireEvent.change(screen.getByPlaceholderText('Filter jobs'), {
        target: { value: 'job7' }
      });
      chooseValue('state', 'RUNNING');
      expect(row('250')).toBeNull();
      rerender(<Harness jobs={jobs} reveal={{ jobId: '250', seq: 1 }} />);
      settle();
      expect(
        (screen.getByPlaceholderText('Filter jobs') as HTMLInputElement).value
      ).toBe('');
      expect(screen.queryByText(/showing/)).toBeNull();
      expect(row('250')!.className).toContain('jp-mod-revealed');
    });

    it('leaves the filters alone when they show the job', () => {
      const jobs = manyJobs(300);
      const { rerender } = render(<Harness jobs={jobs} />);
      chooseValue('state', 'PENDING');
      rerender(<Harness jobs={jobs} reveal={{ jobId: '250', seq: 1 }} />);
      settle();
      expect(screen.getByText('showing 60 of 300')).toBeTruthy();
      expect(row('250')!.className).toContain('jp-mod-revealed');
    });
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
