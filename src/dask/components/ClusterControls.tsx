/**
 * A running cluster's size controls: scale to N workers, or adapt between a
 * minimum and a maximum. Each applies with its button (or Enter) and shows
 * the server's refusal in words beside it.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { messageOf } from '../model';
import type { ICluster } from '../types';
import type { IClusterActions } from './props';

function toInt(text: string): number | null {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
}

export function ClusterControls(props: {
  cluster: ICluster;
  actions: IClusterActions;
  trans: TranslationBundle;
}): JSX.Element {
  const { cluster, actions, trans } = props;
  const id = React.useId();
  const [workers, setWorkers] = React.useState(
    String(cluster.workers.requested)
  );
  const [adaptOn, setAdaptOn] = React.useState(cluster.adapt !== null);
  const [min, setMin] = React.useState(String(cluster.adapt?.minimum ?? 0));
  const [max, setMax] = React.useState(
    String(cluster.adapt?.maximum ?? Math.max(1, cluster.workers.requested))
  );
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);

  // Follow the server when it changes the size (another tab, adapt).
  React.useEffect(() => {
    setWorkers(String(cluster.workers.requested));
  }, [cluster.workers.requested]);
  React.useEffect(() => {
    setAdaptOn(cluster.adapt !== null);
    if (cluster.adapt) {
      setMin(String(cluster.adapt.minimum));
      setMax(String(cluster.adapt.maximum));
    }
  }, [cluster.adapt?.minimum, cluster.adapt?.maximum, cluster.adapt === null]);

  const run = (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    action()
      .catch(reason => setError(messageOf(reason)))
      .finally(() => setBusy(false));
  };

  const n = toInt(workers);
  const lo = toInt(min);
  const hi = toInt(max);
  const adaptInvalid =
    lo === null || hi === null
      ? trans.__('Enter whole numbers.')
      : lo > hi
        ? trans.__('The minimum is above the maximum.')
        : null;

  const applyScale = () => {
    if (n !== null) {
      run(() => actions.scale(cluster.id, n));
    }
  };
  const applyAdapt = () => {
    if (!adaptOn) {
      run(() => actions.adapt(cluster.id, null));
    } else if (!adaptInvalid && lo !== null && hi !== null) {
      run(() => actions.adapt(cluster.id, { minimum: lo, maximum: hi }));
    }
  };
  const onEnter = (apply: () => void) => (e: React.KeyboardEvent) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      apply();
    }
  };

  return (
    <div className="jp-HpcDask-controls">
      <div className="jp-HpcDask-control">
        <label htmlFor={`${id}-workers`}>{trans.__('Workers')}</label>
        <input
          id={`${id}-workers`}
          type="number"
          min={0}
          value={workers}
          disabled={busy || adaptOn}
          aria-invalid={n === null}
          onChange={e => setWorkers(e.target.value)}
          onKeyDown={onEnter(applyScale)}
        />
        <button
          className="jp-mod-styled"
          disabled={busy || adaptOn || n === null}
          onClick={applyScale}
        >
          {trans.__('Scale')}
        </button>
      </div>
      <div className="jp-HpcDask-control">
        <label>
          <input
            type="checkbox"
            checked={adaptOn}
            disabled={busy}
            onChange={e => setAdaptOn(e.target.checked)}
          />
          {trans.__('Adapt')}
        </label>
        <label htmlFor={`${id}-min`} className="jp-HpcDask-small">
          {trans.__('min')}
        </label>
        <input
          id={`${id}-min`}
          type="number"
          min={0}
          value={min}
          disabled={busy || !adaptOn}
          onChange={e => setMin(e.target.value)}
          onKeyDown={onEnter(applyAdapt)}
        />
        <label htmlFor={`${id}-max`} className="jp-HpcDask-small">
          {trans.__('max')}
        </label>
        <input
          id={`${id}-max`}
          type="number"
          min={0}
          value={max}
          disabled={busy || !adaptOn}
          onChange={e => setMax(e.target.value)}
          onKeyDown={onEnter(applyAdapt)}
        />
        <button
          className="jp-mod-styled"
          disabled={
            busy ||
            (adaptOn && adaptInvalid !== null) ||
            (!adaptOn && cluster.adapt === null)
          }
          onClick={applyAdapt}
        >
          {adaptOn ? trans.__('Apply') : trans.__('Stop adapting')}
        </button>
      </div>
      {adaptOn && adaptInvalid ? (
        <small className="jp-HpcDask-hint">{adaptInvalid}</small>
      ) : null}
      {error ? (
        <p className="jp-HpcDask-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
