/**
 * The grid's header row: sortable column headers (aria-sort) that stay in
 * view while the rows scroll.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { flexRender, Table } from '@tanstack/react-table';
import * as React from 'react';
import type { IJob } from '../types';

export interface IQueueHeaderProps {
  table: Table<IJob>;
  /** The same tracks as the rows', so the columns line up. */
  gridTemplateColumns: string;
  trans: TranslationBundle;
}

function ariaSort(sorted: false | 'asc' | 'desc') {
  return sorted === 'asc'
    ? 'ascending'
    : sorted === 'desc'
      ? 'descending'
      : 'none';
}

export function QueueHeader(props: IQueueHeaderProps): JSX.Element {
  const { table, gridTemplateColumns, trans } = props;
  return (
    <div
      className="jp-HpcSlurm-headerRow"
      role="row"
      aria-rowindex={1}
      style={{ gridTemplateColumns }}
    >
      {table.getHeaderGroups()[0].headers.map(header => {
        const column = header.column;
        const content = flexRender(
          column.columnDef.header,
          header.getContext()
        );
        return (
          <div
            key={header.id}
            role="columnheader"
            className={`jp-HpcSlurm-cell jp-HpcSlurm-col-${column.id}`}
            aria-sort={
              column.getCanSort() ? ariaSort(column.getIsSorted()) : undefined
            }
          >
            {column.getCanSort() ? (
              <button
                type="button"
                tabIndex={-1}
                title={trans.__('Sort by %1', String(column.columnDef.header))}
                className="jp-HpcSlurm-sort"
                onClick={column.getToggleSortingHandler()}
              >
                {content}
              </button>
            ) : (
              content
            )}
          </div>
        );
      })}
    </div>
  );
}
