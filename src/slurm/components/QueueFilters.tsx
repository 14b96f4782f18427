/**
 * Above the table: the text filter, the value filters (state, partition,
 * user, account), the column menu, "clear filters" and "showing N of M".
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import {
  COLUMN_IDS,
  ColumnId,
  FILTER_COLUMNS,
  FilterColumnId
} from './columns';

export interface IQueueFiltersProps {
  text: string;
  onTextChange: (text: string) => void;
  /** The values chosen per filtered column (absent or empty: all). */
  filters: Partial<Record<FilterColumnId, readonly string[]>>;
  onFilterChange: (column: FilterColumnId, values: string[]) => void;
  /**
   * The values of a column among the jobs the other filters let through,
   * with their counts (asked only while its menu is open).
   */
  facets: (column: FilterColumnId) => ReadonlyMap<string, number>;
  /** Clear the text and every column filter. */
  onClear: () => void;
  /** Rows shown after filtering, and in all. */
  shown: number;
  total: number;
  hiddenColumns: readonly string[];
  onHiddenColumnsChange: (hidden: string[]) => void;
  /** Chosen columns hidden for lack of room. */
  squeezedColumns?: ReadonlySet<string>;
  trans: TranslationBundle;
}

/** The column names in the menu (the headers' words). */
export function columnLabel(id: ColumnId, trans: TranslationBundle): string {
  switch (id) {
    case 'select':
      return trans.__('Select');
    case 'id':
      return trans.__('ID');
    case 'name':
      return trans.__('Name');
    case 'user':
      return trans.__('User');
    case 'account':
      return trans.__('Account');
    case 'state':
      return trans.__('State');
    case 'partition':
      return trans.__('Partition');
    case 'time':
      return trans.__('Time');
    case 'limit':
      return trans.__('Limit');
    case 'nodes':
      return trans.__('Nodes');
    case 'cpus':
      return trans.__('CPUs');
    case 'where':
      return trans.__('Reason/Nodelist');
  }
}

/** A `<details>` menu that closes on a click outside it or on Escape. */
function useMenu(): {
  ref: React.RefObject<HTMLDetailsElement>;
  open: boolean;
  onToggle: () => void;
  onKeyDown: (event: React.KeyboardEvent) => void;
} {
  const ref = React.useRef<HTMLDetailsElement>(null);
  const [open, setOpen] = React.useState(false);
  React.useEffect(() => {
    const close = (event: MouseEvent) => {
      const node = ref.current;
      if (node?.open && !node.contains(event.target as Node)) {
        node.open = false;
      }
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, []);
  return {
    ref,
    open,
    onToggle: () => setOpen(ref.current?.open ?? false),
    onKeyDown: event => {
      const node = ref.current;
      if (event.key === 'Escape' && node?.open) {
        event.stopPropagation();
        node.open = false;
        node.querySelector('summary')?.focus();
      }
    }
  };
}

function ColumnMenu(props: IQueueFiltersProps): JSX.Element {
  const { hiddenColumns, onHiddenColumnsChange, trans } = props;
  const menu = useMenu();
  const toggle = (id: ColumnId, shown: boolean) => {
    const hidden = new Set(hiddenColumns);
    if (shown) {
      hidden.delete(id);
    } else {
      hidden.add(id);
    }
    onHiddenColumnsChange(COLUMN_IDS.filter(column => hidden.has(column)));
  };
  return (
    <details
      ref={menu.ref}
      className="jp-HpcSlurm-menu jp-HpcSlurm-columnMenu"
      onToggle={menu.onToggle}
      onKeyDown={menu.onKeyDown}
    >
      <summary title={trans.__('Choose the columns to show')}>
        {trans.__('Columns')}
      </summary>
      <ul role="group" aria-label={trans.__('Columns shown')}>
        {COLUMN_IDS.filter(id => id !== 'select').map(id => (
          <li key={id}>
            <label
              title={
                props.squeezedColumns?.has(id)
                  ? trans.__('Hidden for lack of room: widen the sidebar')
                  : undefined
              }
            >
              <input
                type="checkbox"
                checked={!hiddenColumns.includes(id)}
                onChange={event => toggle(id, event.currentTarget.checked)}
              />
              {columnLabel(id, trans)}
              {props.squeezedColumns?.has(id) && (
                <span className="jp-HpcSlurm-menuCount">
                  {trans.__('no room')}
                </span>
              )}
            </label>
          </li>
        ))}
      </ul>
    </details>
  );
}

/** A compact multi-select of one column's values, with their counts. */
function ValueFilter(props: {
  column: FilterColumnId;
  chosen: readonly string[];
  onChange: (values: string[]) => void;
  facets: IQueueFiltersProps['facets'];
  trans: TranslationBundle;
}): JSX.Element {
  const { column, chosen, trans } = props;
  const menu = useMenu();
  const label = columnLabel(column, trans);
  const values = React.useMemo(() => {
    if (!menu.open) {
      return [];
    }
    const counts = new Map(props.facets(column));
    // A chosen value no job has any more stays, to be unchosen.
    for (const value of chosen) {
      if (!counts.has(value)) {
        counts.set(value, 0);
      }
    }
    return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }, [menu.open, props.facets, column, chosen]);
  const toggle = (value: string, on: boolean) => {
    props.onChange(
      on ? [...chosen, value] : chosen.filter(other => other !== value)
    );
  };
  const classes = ['jp-HpcSlurm-menu', 'jp-HpcSlurm-valueFilter'];
  if (chosen.length > 0) {
    classes.push('jp-mod-active');
  }
  return (
    <details
      ref={menu.ref}
      className={classes.join(' ')}
      data-column={column}
      onToggle={menu.onToggle}
      onKeyDown={menu.onKeyDown}
    >
      <summary
        title={
          chosen.length > 0
            ? trans.__('%1: %2', label, chosen.join(', '))
            : trans.__('Show only some values of %1', label)
        }
      >
        {chosen.length > 0 ? trans.__('%1 (%2)', label, chosen.length) : label}
      </summary>
      <ul role="group" aria-label={trans.__('Filter by %1', label)}>
        {values.length === 0 && (
          <li className="jp-HpcSlurm-menuEmpty">{trans.__('No values')}</li>
        )}
        {values.map(([value, count]) => (
          <li key={value}>
            <label>
              <input
                type="checkbox"
                checked={chosen.includes(value)}
                onChange={event => toggle(value, event.currentTarget.checked)}
              />
              <span className="jp-HpcSlurm-menuValue">
                {value || trans.__('(none)')}
              </span>
              <span className="jp-HpcSlurm-menuCount">{count}</span>
            </label>
          </li>
        ))}
      </ul>
    </details>
  );
}

export function QueueFilters(props: IQueueFiltersProps): JSX.Element {
  const { text, filters, shown, total, trans } = props;
  const filtered =
    text.trim() !== '' ||
    FILTER_COLUMNS.some(column => (filters[column]?.length ?? 0) > 0);
  return (
    <div className="jp-HpcSlurm-filters">
      <input
        type="search"
        className="jp-HpcSlurm-filter"
        placeholder={trans.__('Filter jobs')}
        aria-label={trans.__('Filter jobs by id, name, user, state, …')}
        value={text}
        onChange={event => props.onTextChange(event.currentTarget.value)}
      />
      {FILTER_COLUMNS.map(column => (
        <ValueFilter
          key={column}
          column={column}
          chosen={filters[column] ?? []}
          onChange={values => props.onFilterChange(column, values)}
          facets={props.facets}
          trans={trans}
        />
      ))}
      <ColumnMenu {...props} />
      {filtered && (
        <>
          <button
            type="button"
            className="jp-HpcSlurm-clearFilters"
            title={trans.__('Show every job again')}
            onClick={props.onClear}
          >
            {trans.__('Clear filters')}
          </button>
          <span className="jp-HpcSlurm-shown" aria-live="polite">
            {trans.__('showing %1 of %2', shown, total)}
          </span>
        </>
      )}
    </div>
  );
}
