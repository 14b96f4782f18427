/**
 * The queue as a sortable, filterable, keyboard-driven grid whose rows are
 * virtualised: 50,000 jobs render a few dozen DOM rows.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import {
  ColumnFiltersState,
  flexRender,
  Row,
  RowSelectionState,
  SortingState,
  Updater,
  useReactTable
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import * as React from 'react';
import { filterJobs } from '../jobs';
import type { IJob } from '../types';
import {
  AsOfContext,
  COLUMN_IDS,
  COLUMN_TRACKS,
  ColumnId,
  columnsWithoutRoom,
  createColumns,
  FilterColumnId
} from './columns';
import { QueueFilters } from './QueueFilters';
import { QueueHeader } from './QueueHeader';
import { IRevealRequest, useReveal, useWidth } from './QueueReveal';
import { lazyCoreRowModel, sortJobs } from './rowModel';

export type { IRevealRequest } from './QueueReveal';
export { REVEAL_MS } from './QueueReveal';

/** Row height in px (kept in step with `.jp-HpcSlurm-row` in slurm.css). */
export const ROW_HEIGHT = 24;
/** Header height in px (`.jp-HpcSlurm-headerRow`). */
const HEADER_HEIGHT = 26;

/**
 * Performance marks (B3 in DESIGN.md, bench/queue-ui.mjs): new jobs → their
 * rows painted (`jp-hpc-queue-render`), a sort → its rows painted
 * (`jp-hpc-queue-sort`), as `performance.measure` entries.
 */
const MARK = { render: 'jp-hpc-queue-data', sort: 'jp-hpc-queue-sorting' };

/** Whether this page has User Timing (not every test DOM has). */
const TIMED = typeof performance?.mark === 'function';

/** Marks the start of `what`. */
function markStart(what: keyof typeof MARK): void {
  if (TIMED) {
    performance.mark(MARK[what]);
  }
}

/** Measures from the start mark of `what` to the next frame painted. */
function measureWhenPainted(what: keyof typeof MARK): void {
  if (TIMED) {
    requestAnimationFrame(() =>
      setTimeout(() => performance.measure(`jp-hpc-queue-${what}`, MARK[what]))
    );
  }
}

export interface IQueueTableProps {
  jobs: readonly IJob[];
  /** Selected `jobId`s. */
  selection: ReadonlySet<string>;
  onSelectionChange: (jobIds: Set<string>) => void;
  /** Double click or Enter on a row. */
  onOpen: (job: IJob) => void;
  /** Delete: cancel these jobs (`jobId`s), after the confirmation. */
  onCancel?: (jobIds: string[]) => void;
  /** Scroll to this job and highlight it (clearing filters that hide it). */
  reveal?: IRevealRequest | null;
  /** The reveal request was taken. */
  onRevealed?: () => void;
  /** When the polled times were true (ms), so running times tick on. */
  asOf: number;
  hiddenColumns: readonly string[];
  onHiddenColumnsChange: (hidden: string[]) => void;
  trans: TranslationBundle;
  /** Nothing has answered yet (the empty table says so). */
  loading?: boolean;
  /** The viewport until it is measured (and where nothing is, in tests). */
  initialRect?: { width: number; height: number };
}

/** The virtual rows' keys (reading a row's id would create every row). */
const byPosition = (index: number): number => index;

/** The jobs whose value in each filtered column is one of those chosen. */
function applyValueFilters(
  jobs: readonly IJob[],
  filters: Partial<Record<FilterColumnId, string[]>>,
  except?: FilterColumnId
): IJob[] {
  const active = (Object.keys(filters) as FilterColumnId[]).filter(
    id => id !== except && (filters[id]?.length ?? 0) > 0
  );
  if (active.length === 0) {
    return jobs as IJob[];
  }
  const sets = active.map(id => [id, new Set(filters[id])] as const);
  return jobs.filter(job =>
    sets.every(([id, chosen]) => chosen.has(String(job[id])))
  );
}

function toRecord(ids: Iterable<string>): RowSelectionState {
  const record: RowSelectionState = {};
  for (const id of ids) {
    record[id] = true;
  }
  return record;
}

export function QueueTable(props: IQueueTableProps): JSX.Element {
  const { jobs, selection, onSelectionChange, onOpen, trans } = props;
  const columns = React.useMemo(() => createColumns(trans), [trans]);
  const [sorting, setSorting] = React.useState<SortingState>([
    { id: 'id', desc: false }
  ]);
  // B3's marks: started here (render, sort click), measured once painted.
  const timing = React.useRef<keyof typeof MARK | null>(null);
  const lastJobs = React.useRef(jobs);
  if (jobs !== lastJobs.current) {
    lastJobs.current = jobs;
    if (jobs.length > 0) {
      markStart('render');
      timing.current = 'render';
    }
  }
  React.useLayoutEffect(() => {
    if (timing.current) {
      measureWhenPainted(timing.current);
      timing.current = null;
    }
  });
  const onSortingChange = (updater: Updater<SortingState>) => {
    markStart('sort');
    timing.current = 'sort';
    setSorting(updater);
  };
  const [text, setText] = React.useState('');
  const [columnFilters, setColumnFilters] = React.useState<ColumnFiltersState>(
    []
  );
  const [focused, setFocused] = React.useState<string | null>(null);
  const [anchor, setAnchor] = React.useState<string | null>(null);
  const scrollRef = React.useRef<HTMLDivElement>(null);
  const width = useWidth(scrollRef);

  const filters = React.useMemo(
    () =>
      Object.fromEntries(
        columnFilters.map(filter => [filter.id, filter.value as string[]])
      ) as Partial<Record<FilterColumnId, string[]>>,
    [columnFilters]
  );
  // Filtered and sorted here, once per change, on plain values (B3): the
  // table gets the rows in order and makes only those it shows.
  const textMatched = React.useMemo(
    () => filterJobs(jobs, text, '') as IJob[],
    [jobs, text]
  );
  const matching = React.useMemo(
    () => applyValueFilters(textMatched, filters),
    [textMatched, filters]
  );
  const data = React.useMemo(
    () => sortJobs(matching, sorting, columns) as IJob[],
    [matching, sorting, columns]
  );
  const rowSelection = React.useMemo(() => toRecord(selection), [selection]);
  // The columns chosen, less those the sidebar has no room for.
  const squeezed = React.useMemo(
    () =>
      columnsWithoutRoom(
        COLUMN_IDS.filter(id => !props.hiddenColumns.includes(id)),
        width
      ),
    [props.hiddenColumns, width]
  );
  const columnVisibility = React.useMemo(
    () =>
      Object.fromEntries(
        [...props.hiddenColumns, ...squeezed].map(id => [id, false])
      ),
    [props.hiddenColumns, squeezed]
  );
  const onRowSelectionChange = (updater: Updater<RowSelectionState>) => {
    const next =
      typeof updater === 'function' ? updater(rowSelection) : updater;
    onSelectionChange(new Set(Object.keys(next).filter(id => next[id])));
  };

  const table = useReactTable({
    data,
    columns,
    state: { sorting, rowSelection, columnVisibility, columnFilters },
    getRowId: job => job.jobId,
    onSortingChange,
    onRowSelectionChange,
    onColumnFiltersChange: setColumnFilters,
    enableSortingRemoval: false,
    // Sorted and filtered above; rows are made only when read (B3).
    manualSorting: true,
    manualFiltering: true,
    getCoreRowModel: lazyCoreRowModel()
  });
  const rows = table.getRowModel().rows;
  const visible = table.getVisibleLeafColumns();
  const gridTemplateColumns = visible
    .map(column => COLUMN_TRACKS[column.id as ColumnId])
    .join(' ');

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: byPosition,
    overscan: 8,
    scrollMargin: HEADER_HEIGHT,
    initialRect: props.initialRect ?? { width: 400, height: 600 }
  });

  const focusedIndex = React.useMemo(
    () =>
      focused === null ? -1 : data.findIndex(job => job.jobId === focused),
    [data, focused]
  );
  const idPrefix = React.useId();
  const rowId = (id: string) => `${idPrefix}-row-${id}`;

  const filtered = text.trim() !== '' || columnFilters.length > 0;
  const onFilterChange = (column: FilterColumnId, values: string[]) => {
    table.getColumn(column)?.setFilterValue(values.length ? values : undefined);
  };
  // A column's values with their counts, under the text and the other
  // columns' filters (asked for when its menu opens).
  const facets = React.useCallback(
    (column: FilterColumnId) => {
      const counts = new Map<string, number>();
      for (const job of applyValueFilters(textMatched, filters, column)) {
        const value = String(job[column]);
        counts.set(value, (counts.get(value) ?? 0) + 1);
      }
      return counts;
    },
    [textMatched, filters]
  );
  const clearFilters = () => {
    setText('');
    setColumnFilters([]);
  };

  const flashed = useReveal({
    request: props.reveal ?? null,
    onTaken: props.onRevealed,
    shown: data,
    jobs,
    filtered,
    clearFilters,
    onFound: (jobId, index) => {
      setFocused(jobId);
      setAnchor(jobId);
      virtualizer.scrollToIndex(index, { align: 'center' });
    }
  });

  /** Focus a row; with `extend`, select from the anchor to it. */
  const moveTo = (index: number, extend = false) => {
    if (rows.length === 0) {
      return;
    }
    const clamped = Math.max(0, Math.min(rows.length - 1, index));
    const id = data[clamped].jobId;
    setFocused(id);
    if (extend) {
      const from =
        anchor === null ? -1 : data.findIndex(job => job.jobId === anchor);
      const start = from < 0 ? clamped : from;
      const [lo, hi] = start < clamped ? [start, clamped] : [clamped, start];
      onSelectionChange(new Set(data.slice(lo, hi + 1).map(job => job.jobId)));
      if (from < 0) {
        setAnchor(id);
      }
    } else {
      setAnchor(id);
    }
    virtualizer.scrollToIndex(clamped, { align: 'auto' });
  };
  const toggle = (row: Row<IJob>) => {
    const next = new Set(selection);
    if (next.has(row.id)) {
      next.delete(row.id);
    } else {
      next.add(row.id);
    }
    onSelectionChange(next);
  };
  const page = Math.max(
    1,
    Math.floor((scrollRef.current?.clientHeight ?? 0) / ROW_HEIGHT) - 1
  );

  const onKeyDown = (event: React.KeyboardEvent) => {
    const current = focusedIndex;
    const moves: Record<string, number> = {
      ArrowDown: current + 1,
      ArrowUp: current < 0 ? 0 : current - 1,
      PageDown: current + page,
      PageUp: current - page,
      Home: 0,
      End: rows.length - 1
    };
    if (event.key in moves) {
      event.preventDefault();
      moveTo(moves[event.key], event.shiftKey);
    } else if (event.key === ' ' && current >= 0) {
      event.preventDefault();
      toggle(rows[current]);
    } else if (event.key === 'Enter' && current >= 0) {
      event.preventDefault();
      onOpen(rows[current].original);
    } else if (event.key === 'Delete' && props.onCancel) {
      // The selection, or else the focused row.
      const ids =
        selection.size > 0
          ? data.filter(job => selection.has(job.jobId)).map(job => job.jobId)
          : current >= 0
            ? [rows[current].id]
            : [];
      if (ids.length > 0) {
        event.preventDefault();
        onSelectionChange(new Set(ids));
        props.onCancel(ids);
      }
    } else if (event.key === 'a' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      event.stopPropagation();
      onSelectionChange(new Set(data.map(job => job.jobId)));
    } else if (event.key === 'Escape' && selection.size > 0) {
      event.preventDefault();
      onSelectionChange(new Set());
    }
  };

  const onRowClick = (event: React.MouseEvent, row: Row<IJob>) => {
    if (event.shiftKey && anchor !== null) {
      const from = data.findIndex(job => job.jobId === anchor);
      const to = data.findIndex(job => job.jobId === row.id);
      const [lo, hi] = from < to ? [from, to] : [to, from];
      onSelectionChange(new Set(data.slice(lo, hi + 1).map(job => job.jobId)));
    } else if (event.ctrlKey || event.metaKey) {
      toggle(row);
      setAnchor(row.id);
    } else {
      onSelectionChange(new Set([row.id]));
      setAnchor(row.id);
    }
    setFocused(row.id);
  };

  return (
    <div className="jp-HpcSlurm-table">
      <QueueFilters
        text={text}
        onTextChange={setText}
        filters={filters}
        onFilterChange={onFilterChange}
        facets={facets}
        onClear={clearFilters}
        shown={rows.length}
        total={jobs.length}
        hiddenColumns={props.hiddenColumns}
        onHiddenColumnsChange={props.onHiddenColumnsChange}
        squeezedColumns={squeezed}
        trans={trans}
      />
      <div
        ref={scrollRef}
        className="jp-HpcSlurm-scroll"
        role="grid"
        aria-label={trans.__('Slurm jobs')}
        aria-rowcount={rows.length + 1}
        aria-multiselectable="true"
        aria-activedescendant={focused === null ? undefined : rowId(focused)}
        tabIndex={0}
        onKeyDown={onKeyDown}
      >
        <QueueHeader
          table={table}
          gridTemplateColumns={gridTemplateColumns}
          trans={trans}
        />
        <div
          className="jp-HpcSlurm-body"
          role="rowgroup"
          style={{ height: virtualizer.getTotalSize() }}
        >
          <AsOfContext.Provider value={props.asOf}>
            {virtualizer.getVirtualItems().map(item => {
              const row = rows[item.index];
              const selected = selection.has(row.id);
              const classes = ['jp-HpcSlurm-row'];
              if (selected) {
                classes.push('jp-mod-selected');
              }
              if (row.id === focused) {
                classes.push('jp-mod-focused');
              }
              if (row.id === flashed) {
                classes.push('jp-mod-revealed');
              }
              return (
                <div
                  key={item.key}
                  id={rowId(row.id)}
                  role="row"
                  aria-rowindex={item.index + 2}
                  aria-selected={selected}
                  data-job-id={row.id}
                  className={classes.join(' ')}
                  style={{
                    gridTemplateColumns,
                    transform: `translateY(${item.start - HEADER_HEIGHT}px)`
                  }}
                  onClick={event => onRowClick(event, row)}
                  onDoubleClick={() => onOpen(row.original)}
                >
                  {row.getVisibleCells().map(cell => (
                    <div
                      key={cell.id}
                      role="gridcell"
                      className={`jp-HpcSlurm-cell jp-HpcSlurm-col-${cell.column.id}`}
                    >
                      {flexRender(
                        cell.column.columnDef.cell,
                        cell.getContext()
                      )}
                    </div>
                  ))}
                </div>
              );
            })}
          </AsOfContext.Provider>
        </div>
        {rows.length === 0 && (
          <p className="jp-HpcSlurm-empty">
            {props.loading
              ? trans.__('Loading the queue…')
              : filtered
                ? trans.__('No job matches the filter.')
                : trans.__('No jobs in the queue.')}
          </p>
        )}
      </div>
    </div>
  );
}
