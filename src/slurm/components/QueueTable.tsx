/**
 * The queue as a sortable, filterable, keyboard-driven grid whose rows are
 * virtualised: 50,000 jobs render a few dozen DOM rows.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import {
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
import { AsOfContext, COLUMN_TRACKS, ColumnId, createColumns } from './columns';
import { QueueFilters } from './QueueFilters';
import { QueueHeader } from './QueueHeader';
import { lazyCoreRowModel, sortJobs } from './rowModel';

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

/** The virtual rows' keys. */
const byPosition = (index: number): number => index;

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
  const [stateFilter, setStateFilter] = React.useState('');
  const [focused, setFocused] = React.useState<string | null>(null);
  const [anchor, setAnchor] = React.useState<string | null>(null);

  const states = React.useMemo(() => {
    const present = new Set(jobs.map(job => job.state));
    if (stateFilter) {
      present.add(stateFilter);
    }
    return [...present].sort();
  }, [jobs, stateFilter]);
  const matching = React.useMemo(
    () => filterJobs(jobs, text, stateFilter),
    [jobs, text, stateFilter]
  );
  // Sorted here, once per change, on plain values (B3): react-table gets
  // the rows in order and makes only those it shows.
  const data = React.useMemo(
    () => sortJobs(matching, sorting, columns) as IJob[],
    [matching, sorting, columns]
  );
  const rowSelection = React.useMemo(() => toRecord(selection), [selection]);
  const columnVisibility = React.useMemo(
    () => Object.fromEntries(props.hiddenColumns.map(id => [id, false])),
    [props.hiddenColumns]
  );
  const onRowSelectionChange = (updater: Updater<RowSelectionState>) => {
    const next =
      typeof updater === 'function' ? updater(rowSelection) : updater;
    onSelectionChange(new Set(Object.keys(next).filter(id => next[id])));
  };

  const table = useReactTable({
    data,
    columns,
    state: { sorting, rowSelection, columnVisibility },
    getRowId: job => job.jobId,
    onSortingChange,
    onRowSelectionChange,
    enableSortingRemoval: false,
    manualSorting: true,
    getCoreRowModel: lazyCoreRowModel()
  });
  const rows = table.getRowModel().rows;
  const visible = table.getVisibleLeafColumns();
  const gridTemplateColumns = visible
    .map(column => COLUMN_TRACKS[column.id as ColumnId])
    .join(' ');

  const scrollRef = React.useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    // By position (and the same function each render): a key read from
    // rows[index] would make every row, and a key per job would re-measure
    // 50,000 rows on each sort; the rows shown just get their new jobs.
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

  const moveTo = (index: number) => {
    if (rows.length === 0) {
      return;
    }
    const clamped = Math.max(0, Math.min(rows.length - 1, index));
    setFocused(rows[clamped].id);
    setAnchor(rows[clamped].id);
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
      moveTo(moves[event.key]);
    } else if (event.key === ' ' && current >= 0) {
      event.preventDefault();
      toggle(rows[current]);
    } else if (event.key === 'Enter' && current >= 0) {
      event.preventDefault();
      onOpen(rows[current].original);
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

  const filtered = text.trim() !== '' || stateFilter !== '';
  return (
    <div className="jp-HpcSlurm-table">
      <QueueFilters
        text={text}
        onTextChange={setText}
        state={stateFilter}
        states={states}
        onStateChange={setStateFilter}
        shown={rows.length}
        total={jobs.length}
        hiddenColumns={props.hiddenColumns}
        onHiddenColumnsChange={props.onHiddenColumnsChange}
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
