/**
 * Every field of `scontrol show job`, collapsible, with a filter on names
 * and values.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

export interface IFieldsTableProps {
  fields: Record<string, string>;
  trans: TranslationBundle;
}

export function FieldsTable(props: IFieldsTableProps): JSX.Element {
  const { fields, trans } = props;
  const [filter, setFilter] = React.useState('');
  const needle = filter.trim().toLowerCase();
  const entries = Object.entries(fields);
  const shown = needle
    ? entries.filter(
        ([key, value]) =>
          key.toLowerCase().includes(needle) ||
          value.toLowerCase().includes(needle)
      )
    : entries;
  return (
    <details className="jp-HpcSlurmDetails-fields" open>
      <summary>
        {trans.__('All fields (scontrol show job): %1', entries.length)}
      </summary>
      <input
        type="search"
        className="jp-HpcSlurmDetails-filter"
        placeholder={trans.__('Filter fields')}
        aria-label={trans.__('Filter fields')}
        value={filter}
        onChange={e => setFilter(e.target.value)}
      />
      <table className="jp-HpcSlurmDetails-table">
        <tbody>
          {shown.map(([key, value]) => (
            <tr key={key}>
              <th scope="row">{key}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length === 0 && (
        <p className="jp-HpcSlurmDetails-message">
          {trans.__('No field matches "%1".', filter)}
        </p>
      )}
    </details>
  );
}
