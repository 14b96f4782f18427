/**
 * Above the table: the text filter, the state filter and the column menu.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { COLUMN_IDS, ColumnId } from './columns';

export interface IQueueFiltersProps {
  text: string;
  onTextChange: (text: string) => void;
  /** The state shown ("" for every state). */
  state: string;
  /** The states present in the queue. */
  states: readonly string[];
  onStateChange: (state: string) => void;
  /** Rows shown after filtering, and in all. */
  shown: number;
  total: number;
  hiddenColumns: readonly string[];
  onHiddenColumnsChange: (hidden: string[]) => void;
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

function ColumnMenu(props: IQueueFiltersProps): JSX.Element {
  const { hiddenColumns, onHiddenColumnsChange, trans } = props;
  const ref = React.useRef<HTMLDetailsElement>(null);
  // Close the menu when a click lands outside it.
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
    <details ref={ref} className="jp-HpcSlurm-columnMenu">
      <summary title={trans.__('Choose the columns to show')}>
        {trans.__('Columns')}
      </summary>
      <ul role="group" aria-label={trans.__('Columns shown')}>
        {COLUMN_IDS.filter(id => id !== 'select').map(id => (
          <li key={id}>
            <label>
              <input
                type="checkbox"
                checked={!hiddenColumns.includes(id)}
                onChange={event => toggle(id, event.currentTarget.checked)}
              />
              {columnLabel(id, trans)}
            </label>
          </li>
        ))}
      </ul>
    </details>
  );
}

export function QueueFilters(props: IQueueFiltersProps): JSX.Element {
  const { text, state, states, shown, total, trans } = props;
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
      <select
        className="jp-HpcSlurm-stateFilter"
        aria-label={trans.__('Show jobs in state')}
        value={state}
        onChange={event => props.onStateChange(event.currentTarget.value)}
      >
        <option value="">{trans.__('All states')}</option>
        {states.map(s => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      <ColumnMenu {...props} />
      {shown !== total && (
        <span className="jp-HpcSlurm-shown">
          {trans.__('%1 of %2 shown', shown, total)}
        </span>
      )}
    </div>
  );
}
