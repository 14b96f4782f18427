/**
 * The queue's columns (`@tanstack/react-table` definitions) and their cells.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ColumnDef, FilterFn, Row, Table } from '@tanstack/react-table';
import * as React from 'react';
import {
  compareJobIds,
  displayName,
  elapsedSeconds,
  formatDuration
} from '../jobs';
import { describeReason } from '../reasons';
import type { IJob } from '../types';
import { useNow } from './clock';

/** Every column id, in display order; all but `select` can be hidden. */
export const COLUMN_IDS = [
  'select',
  'id',
  'name',
  'user',
  'account',
  'state',
  'partition',
  'time',
  'limit',
  'nodes',
  'cpus',
  'where'
] as const;

export type ColumnId = (typeof COLUMN_IDS)[number];

/** The columns with a value filter (a multi-select above the table). */
export const FILTER_COLUMNS = [
  'state',
  'partition',
  'user',
  'account'
] as const;

export type FilterColumnId = (typeof FILTER_COLUMNS)[number];

/**
 * The columns given up first when the sidebar is too narrow for all those
 * chosen (least useful first); the others always stay.
 */
export const DROP_ORDER: readonly ColumnId[] = [
  'cpus',
  'nodes',
  'limit',
  'account',
  'partition',
  'time',
  'user',
  // Rows are still selected by click, Shift/Ctrl+click and the keyboard.
  'select',
  'where'
];

/** When the polled times were true (ms), for the ticking elapsed time. */
export const AsOfContext = React.createContext<number>(0);

/** The CSS grid track of each column: names and reasons take the rest. */
export const COLUMN_TRACKS: Record<ColumnId, string> = {
  select: '28px',
  id: '80px',
  name: 'minmax(72px, 2fr)',
  user: '56px',
  account: '64px',
  state: '80px',
  partition: '64px',
  time: '56px',
  limit: '64px',
  nodes: '44px',
  cpus: '44px',
  where: 'minmax(66px, 1fr)'
};

/** The narrowest each column gets (its track's minimum, px). */
export function minWidth(id: ColumnId): number {
  const match = /^(?:minmax\()?(\d+)px/.exec(COLUMN_TRACKS[id]);
  return match ? Number(match[1]) : 0;
}

/**
 * The chosen columns that don't fit in `width` px, dropped in `DROP_ORDER`
 * until the rest fits (0 = not measured: nothing is dropped).
 */
export function columnsWithoutRoom(
  shown: readonly ColumnId[],
  width: number
): Set<ColumnId> {
  const dropped = new Set<ColumnId>();
  if (!(width > 0)) {
    return dropped;
  }
  let needed = shown.reduce((sum, id) => sum + minWidth(id), 0);
  for (const id of DROP_ORDER) {
    if (needed <= width) {
      break;
    }
    if (shown.includes(id)) {
      dropped.add(id);
      needed -= minWidth(id);
    }
  }
  return dropped;
}

/** A value filter: the row's value is one of those chosen (none = all). */
const oneOf: FilterFn<IJob> = (row, columnId, chosen: string[]) =>
  chosen.length === 0 || chosen.includes(String(row.getValue(columnId)));

/** A state as a CSS modifier: "OUT_OF_MEMORY" → "jp-mod-out_of_memory". */
export function stateClass(state: string): string {
  return `jp-mod-${state.toLowerCase().replace(/[^a-z0-9_-]/g, '')}`;
}

function ElapsedCell(props: { job: IJob }): JSX.Element {
  const now = useNow();
  const asOf = React.useContext(AsOfContext);
  return <>{formatDuration(elapsedSeconds(props.job, now, asOf))}</>;
}

function SelectAll(props: { table: Table<IJob>; label: string }): JSX.Element {
  const { table, label } = props;
  const ref = React.useRef<HTMLInputElement>(null);
  const some = table.getIsSomeRowsSelected();
  React.useEffect(() => {
    if (ref.current) {
      ref.current.indeterminate = some;
    }
  }, [some]);
  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label={label}
      checked={table.getIsAllRowsSelected()}
      onChange={table.getToggleAllRowsSelectedHandler()}
    />
  );
}

function SelectRow(props: { row: Row<IJob>; label: string }): JSX.Element {
  const { row, label } = props;
  return (
    <input
      type="checkbox"
      tabIndex={-1}
      aria-label={label}
      checked={row.getIsSelected()}
      onClick={event => event.stopPropagation()}
      onChange={row.getToggleSelectedHandler()}
    />
  );
}

/** The column definitions, with translated headers. */
export function createColumns(trans: TranslationBundle): ColumnDef<IJob>[] {
  return [
    {
      id: 'select',
      enableSorting: false,
      enableHiding: false,
      header: ({ table }) => (
        <SelectAll table={table} label={trans.__('Select all jobs')} />
      ),
      cell: ({ row }) => (
        <SelectRow
          row={row}
          label={trans.__('Select job %1', row.original.displayId)}
        />
      )
    },
    {
      id: 'id',
      accessorKey: 'displayId',
      header: trans.__('ID'),
      cell: ({ row }) => (
        <span title={row.original.displayId}>{row.original.displayId}</span>
      ),
      sortingFn: (a, b) =>
        compareJobIds(a.original.displayId, b.original.displayId)
    },
    {
      id: 'name',
      accessorKey: 'name',
      header: trans.__('Name'),
      sortingFn: 'text',
      // As text: a name like "<b>x</b>" stays literal; the title keeps it raw.
      cell: ({ row }) => (
        <span title={row.original.name}>{displayName(row.original.name)}</span>
      )
    },
    {
      id: 'user',
      accessorKey: 'user',
      header: trans.__('User'),
      sortingFn: 'text',
      filterFn: oneOf
    },
    {
      id: 'account',
      accessorKey: 'account',
      header: trans.__('Account'),
      sortingFn: 'text',
      filterFn: oneOf
    },
    {
      id: 'state',
      accessorKey: 'state',
      header: trans.__('State'),
      sortingFn: 'text',
      filterFn: oneOf,
      cell: ({ row }) => (
        <span className={`jp-HpcSlurm-state ${stateClass(row.original.state)}`}>
          {row.original.state}
        </span>
      )
    },
    {
      id: 'partition',
      accessorKey: 'partition',
      header: trans.__('Partition'),
      sortingFn: 'text',
      filterFn: oneOf
    },
    {
      id: 'time',
      accessorKey: 'timeUsedSec',
      header: trans.__('Time'),
      sortingFn: 'basic',
      sortDescFirst: true,
      cell: ({ row }) => <ElapsedCell job={row.original} />
    },
    {
      id: 'limit',
      accessorFn: job => job.timeLimitSec ?? Number.POSITIVE_INFINITY,
      header: trans.__('Limit'),
      sortingFn: 'basic',
      sortDescFirst: true,
      cell: ({ row }) =>
        row.original.timeLimitSec === null
          ? 'UNLIMITED'
          : formatDuration(row.original.timeLimitSec)
    },
    {
      id: 'nodes',
      accessorKey: 'nodes',
      header: trans.__('Nodes'),
      sortingFn: 'basic'
    },
    {
      id: 'cpus',
      accessorKey: 'cpus',
      header: trans.__('CPUs'),
      sortingFn: 'basic'
    },
    {
      id: 'where',
      accessorFn: job =>
        job.state === 'PENDING' ? job.reason : job.nodeList || job.reason,
      header: trans.__('Reason/Nodelist'),
      sortingFn: 'text',
      cell: ({ row }) => {
        const job = row.original;
        if (job.state !== 'PENDING' && job.nodeList) {
          return <span title={job.nodeList}>{job.nodeList}</span>;
        }
        return (
          <span
            className="jp-HpcSlurm-reason"
            title={describeReason(job.reason, trans) ?? job.reason}
          >
            {job.reason}
          </span>
        );
      }
    }
  ];
}
