/**
 * The Dask sidebar's body (lazy chunk): a toolbar, the create or adopt
 * form, why the list can't be refreshed, and the cluster cards.
 */
import { refreshIcon } from '@jupyterlab/ui-components';
import * as React from 'react';
import { AdoptForm } from './AdoptForm';
import { ClusterCard } from './ClusterCard';
import { CreateForm } from './CreateForm';
import type { IPanelProps } from './props';

/** Re-render every few seconds (the cards' ages). */
function useNow(ms: number): number {
  const [now, setNow] = React.useState(Date.now);
  React.useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

export function DaskPanel(props: IPanelProps): JSX.Element {
  const { trans, clusters, form } = props;
  const now = useNow(5000);
  if (props.unavailable) {
    return (
      <div className="jp-HpcDask-panel">
        <h2 className="jp-HpcDask-title">{trans.__('Dask')}</h2>
        <p className="jp-HpcDask-unavailable" role="status">
          {props.unavailable}
        </p>
      </div>
    );
  }
  const close = () => props.onFormChange('none');
  return (
    <div className="jp-HpcDask-panel">
      <div className="jp-HpcDask-toolbar">
        <h2 className="jp-HpcDask-title">{trans.__('Dask clusters')}</h2>
        <button
          className="jp-mod-styled"
          aria-expanded={form === 'create'}
          onClick={() =>
            props.onFormChange(form === 'create' ? 'none' : 'create')
          }
        >
          {trans.__('New')}
        </button>
        <button
          className="jp-mod-styled"
          aria-expanded={form === 'adopt'}
          onClick={() =>
            props.onFormChange(form === 'adopt' ? 'none' : 'adopt')
          }
        >
          {trans.__('Adopt')}
        </button>
        <button
          className="jp-HpcDask-iconButton"
          title={trans.__('Refresh')}
          aria-label={trans.__('Refresh')}
          onClick={props.onRefresh}
        >
          <refreshIcon.react tag="span" />
        </button>
      </div>
      {form === 'create' ? (
        <CreateForm
          defaults={props.defaults}
          slurm={props.slurm}
          client={props.client}
          forms={props.forms}
          onDone={close}
          trans={trans}
        />
      ) : null}
      {form === 'adopt' ? (
        <AdoptForm forms={props.forms} onDone={close} trans={trans} />
      ) : null}
      {props.error ? (
        <p className="jp-HpcDask-error jp-HpcDask-banner" role="alert">
          {props.failures > 1
            ? trans.__(
                'The clusters could not be listed (%1 tries, retrying less often): %2',
                props.failures,
                props.error
              )
            : trans.__('The clusters could not be listed: %1', props.error)}
        </p>
      ) : null}
      {!props.loaded && !props.error ? (
        <p className="jp-HpcDask-hint">{trans.__('Loading the clusters…')}</p>
      ) : null}
      {props.loaded && !clusters.length ? (
        <p className="jp-HpcDask-empty">
          {trans.__(
            'No Dask cluster yet. Start one with New, or adopt one started elsewhere.'
          )}
        </p>
      ) : null}
      <ul className="jp-HpcDask-list" aria-label={trans.__('Dask clusters')}>
        {clusters.map(cluster => (
          <ClusterCard
            key={cluster.id}
            cluster={cluster}
            selected={cluster.id === props.selected}
            now={now}
            style={props.style}
            actions={props.actions}
            trans={trans}
          />
        ))}
      </ul>
    </div>
  );
}
