import { nullTranslator } from '@jupyterlab/translation';
import {
  createTable,
  getCoreRowModel,
  getSortedRowModel,
  SortingState,
  TableOptionsResolved
} from '@tanstack/react-table';
import { createColumns } from '../components/columns';
import { lazyCoreRowModel, sortJobs } from '../components/rowModel';
import type { IJob } from '../types';
import { job, pending } from './fixtures';

const trans = nullTranslator.load('jupyterlab_hpc');
const columns = createColumns(trans);

/** A varied queue: arrays, het jobs, ties, case, unlimited limits, states. */
function queue(): IJob[] {
  const jobs: IJob[] = [];
  const names = ['Train', 'train', 'alpha', 'Zeta', 'béta', 'a\tb', '<b>x</b>'];
  const users = ['bob', 'alice', 'Carol', 'alice'];
  for (let i = 0; i < 300; i++) {
    const n = 1000 - ((i * 37) % 400);
    const base = {
      jobId: String(5000 + i),
      name: names[i % names.length],
      user: users[i % users.length],
      partition: i % 3 ? 'debug' : 'gpu',
      nodes: 1 + (i % 3),
      cpus: (i * 7) % 16,
      timeUsedSec: (i * 13) % 50,
      timeLimitSec: i % 4 === 0 ? null : ((i * 11) % 5) * 600,
      nodeList: i % 2 ? `n${i % 9}` : ''
    };
    const displayId =
      i % 10 === 0
        ? `${n}_[${i % 7}-9%2]`
        : i % 10 === 1
          ? `${n}_${i % 4}`
          : i % 10 === 2
            ? `${n}+${i % 2}`
            : String(n);
    jobs.push(
      i % 5 === 0
        ? pending({
            ...base,
            displayId,
            reason: i % 2 ? 'Priority' : 'Resources'
          })
        : job({ ...base, displayId })
    );
  }
  return jobs;
}

/** react-table's own sorted order of `jobs` (the reference). */
function reference(jobs: IJob[], sorting: SortingState): string[] {
  const table = createTable<IJob>({
    data: jobs,
    columns,
    state: { sorting, columnPinning: {}, columnVisibility: {} },
    onStateChange: () => undefined,
    renderFallbackValue: null,
    getRowId: j => j.jobId,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel()
  } as TableOptionsResolved<IJob>);
  return table.getRowModel().rows.map(r => r.id);
}

describe('sortJobs', () => {
  const jobs = queue();
  const sortable = columns.filter(c => c.enableSorting !== false);

  it.each(
    sortable.flatMap(c => [
      [c.id, false],
      [c.id, true]
    ])
  )('orders by %s (desc: %s) as react-table does', (id, desc) => {
    const sorting = [{ id: id as string, desc: desc as boolean }];
    expect(sortJobs(jobs, sorting, columns).map(j => j.jobId)).toEqual(
      reference(jobs, sorting)
    );
  });

  it('orders by several columns as react-table does', () => {
    const sorting = [
      { id: 'user', desc: false },
      { id: 'limit', desc: true },
      { id: 'id', desc: false }
    ];
    expect(sortJobs(jobs, sorting, columns).map(j => j.jobId)).toEqual(
      reference(jobs, sorting)
    );
  });

  it('puts ids in numeric job, then task order', () => {
    const ids = ['100', '9', '10_[3-5%2]', '10', '11', '10_2'];
    const sorted = sortJobs(
      ids.map((displayId, i) => job({ jobId: String(i), displayId })),
      [{ id: 'id', desc: false }],
      columns
    );
    expect(sorted.map(j => j.displayId)).toEqual([
      '9',
      '10',
      '10_2',
      '10_[3-5%2]',
      '11',
      '100'
    ]);
  });

  it('leaves the jobs as they are without a sort', () => {
    expect(sortJobs(jobs, [], columns)).toBe(jobs);
  });
});

describe('lazyCoreRowModel', () => {
  function table(data: IJob[]) {
    return createTable<IJob>({
      data,
      columns,
      state: { columnPinning: {}, columnVisibility: {}, rowSelection: {} },
      onStateChange: () => undefined,
      renderFallbackValue: null,
      getRowId: j => j.jobId,
      getCoreRowModel: lazyCoreRowModel()
    } as TableOptionsResolved<IJob>);
  }

  it('makes a row only when it is read, and the same row again', () => {
    const data = queue();
    const t = table(data);
    const { rows, rowsById } = t.getRowModel();
    expect(rows).toHaveLength(300);
    const made = () => Object.keys(rows).length;
    expect(made()).toBe(0);
    const row = rows[7];
    expect(row.id).toBe(data[7].jobId);
    expect(row.original).toBe(data[7]);
    expect(row.getValue('name')).toBe(data[7].name);
    expect(rows[7]).toBe(row);
    expect(rowsById[data[7].jobId]).toBe(row);
    expect(rowsById[data[9].jobId].original).toBe(data[9]);
    expect(rowsById.nope).toBeUndefined();
    expect(made()).toBe(2);
    expect(t.getRowModel()).toBe(t.getRowModel());
  });

  it('still gives every row to whole-table work', () => {
    const data = queue();
    const t = table(data);
    const { rows, flatRows } = t.getRowModel();
    expect(rows.map(r => r.id)).toEqual(data.map(j => j.jobId));
    expect(flatRows.some(r => r.id === data[299].jobId)).toBe(true);
    expect(t.getIsSomeRowsSelected()).toBe(false);
  });
});
