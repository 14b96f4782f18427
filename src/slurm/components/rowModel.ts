/**
 * What keeps the queue table fast with 50,000 jobs (B3 in DESIGN.md):
 * react-table rows made only when something reads them (the virtualised
 * body reads a few dozen), and sorting done once on plain values rather than
 * through react-table's per-comparison row accessors.
 */
import {
  ColumnDef,
  createRow,
  Row,
  RowModel,
  SortingState,
  Table
} from '@tanstack/react-table';
import { compareJobIds } from '../jobs';
import type { IJob } from '../types';

/**
 * A `getCoreRowModel` whose rows are created on first access: react-table's
 * own makes every row (dozens of closures each) up front. Whole-table
 * operations (select all) still see every row, made then.
 */
export function lazyCoreRowModel<T>(): (table: Table<T>) => () => RowModel<T> {
  return table => {
    let data: readonly T[] | null = null;
    let model: RowModel<T> | null = null;
    return () => {
      if (model && data === table.options.data) {
        return model;
      }
      data = table.options.data;
      model = lazyRows(table, data);
      return model;
    };
  };
}

function lazyRows<T>(table: Table<T>, data: readonly T[]): RowModel<T> {
  const made: Row<T>[] = new Array(data.length);
  const row = (i: number): Row<T> =>
    made[i] ??
    (made[i] = createRow(table, table._getRowId(data[i], i), data[i], i, 0));
  const index = (key: string | symbol): number =>
    typeof key === 'string' && /^(0|[1-9]\d*)$/.test(key) ? Number(key) : -1;
  // Array methods (map, some...) ask `has` first: every index is there.
  const rows = new Proxy(made, {
    get(target, key, receiver) {
      const i = index(key);
      return i >= 0 && i < data.length
        ? row(i)
        : Reflect.get(target, key, receiver);
    },
    has(target, key) {
      const i = index(key);
      return (i >= 0 && i < data.length) || Reflect.has(target, key);
    }
  });
  let byId: Map<string, number> | null = null;
  const rowsById = new Proxy({} as Record<string, Row<T>>, {
    get(_, id) {
      if (typeof id !== 'string') {
        return undefined;
      }
      if (!byId) {
        byId = new Map(data.map((d, i) => [table._getRowId(d, i), i]));
      }
      const i = byId.get(id);
      return i === undefined ? undefined : row(i);
    }
  });
  return { rows, flatRows: rows, rowsById };
}

type Key = string | number;

/** One column's sort keys and how they compare. */
interface ISortKey {
  compare: (a: number, b: number) => number;
  desc: boolean;
}

/** Job number and task of a display id, as one number (array order: "10" < "10_2"). */
function idOrder(displayId: string): number {
  const match = /^(\d+)(?:[_+]\[?(\d+))?/.exec(displayId);
  if (!match) {
    return Number.MAX_VALUE;
  }
  // Slurm job ids stay below 2^26 and task ids below 2^23: exact in a double.
  const task = match[2] === undefined ? 0 : Number(match[2]) + 1;
  return Number(match[1]) * 2 ** 24 + task;
}

/** The id keys of a job list, kept while the list lives (sorts flip back and forth). */
const ID_ORDERS = new WeakMap<readonly IJob[], Float64Array>();

function idOrders(jobs: readonly IJob[]): Float64Array {
  let order = ID_ORDERS.get(jobs);
  if (!order) {
    order = new Float64Array(jobs.length);
    for (let i = 0; i < jobs.length; i++) {
      order[i] = idOrder(jobs[i].displayId);
    }
    ID_ORDERS.set(jobs, order);
  }
  return order;
}

function compareBasic(a: unknown, b: unknown): number {
  return a === b ? 0 : (a as Key) > (b as Key) ? 1 : -1;
}

/**
 * The jobs in the order react-table's `getSortedRowModel` would give for
 * `sorting` (the columns' `sortingFn`: `text` case-insensitive, `basic`,
 * or the ID column's numeric job/task order; ties keep the jobs' order),
 * computing each job's keys once instead of once per comparison.
 */
export function sortJobs(
  jobs: readonly IJob[],
  sorting: SortingState,
  columns: readonly ColumnDef<IJob>[]
): readonly IJob[] {
  const n = jobs.length;
  const sortKeys: ISortKey[] = [];
  for (const { id, desc } of sorting) {
    const def = columns.find(c => c.id === id) as
      | (ColumnDef<IJob> & {
          accessorKey?: keyof IJob;
          accessorFn?: (job: IJob, index: number) => unknown;
        })
      | undefined;
    if (!def) {
      continue;
    }
    const value = (job: IJob, i: number): unknown =>
      def.accessorFn
        ? def.accessorFn(job, i)
        : def.accessorKey
          ? job[def.accessorKey]
          : undefined;
    if (id === 'id') {
      const order = idOrders(jobs);
      sortKeys.push({
        desc,
        compare: (a, b) =>
          order[a] - order[b] ||
          compareJobIds(jobs[a].displayId, jobs[b].displayId)
      });
    } else if (def.sortingFn === 'text' || def.sortingFn === 'alphanumeric') {
      const keys = jobs.map((job, i) =>
        String(value(job, i) ?? '').toLowerCase()
      );
      sortKeys.push({
        desc,
        compare: (a, b) => compareBasic(keys[a], keys[b])
      });
    } else if (typeof def.sortingFn === 'function') {
      // Another column's own comparison: given row-like objects.
      const fn = def.sortingFn;
      const like = jobs.map(
        (job, i) =>
          ({
            original: job,
            index: i,
            getValue: () => value(job, i)
          }) as unknown as Row<IJob>
      );
      sortKeys.push({
        desc,
        compare: (a, b) => fn(like[a], like[b], id)
      });
    } else {
      const keys = jobs.map((job, i) => value(job, i) as Key);
      sortKeys.push({
        desc,
        compare: (a, b) => compareBasic(keys[a], keys[b])
      });
    }
  }
  if (sortKeys.length === 0) {
    return jobs;
  }
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    for (const key of sortKeys) {
      const c = key.compare(a, b);
      if (c !== 0) {
        return key.desc ? -c : c;
      }
    }
    return a - b;
  });
  return order.map(i => jobs[i]);
}
