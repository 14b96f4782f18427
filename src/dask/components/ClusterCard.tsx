/**
 * One cluster: name, backend, status, workers, threads, memory, age; the
 * Slurm jobs; a failure's message and log; its actions. The card can be
 * dragged into a notebook to insert the client code.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { ClientCodeStyle, clientCode } from '../code';
import { backendLabel, formatAge, formatBytes, statusLabel } from '../format';
import { ICluster, isTransitional } from '../types';
import { ClusterControls } from './ClusterControls';
import { startDragOnMove } from './drag';
import type { IClusterActions } from './props';
import { SlurmJobs } from './SlurmJobs';

/** The class of a card (the context menu's selector). */
export const CARD_CLASS = 'jp-HpcDask-card';

function MemoryBar(props: {
  used: number;
  limit: number;
  trans: TranslationBundle;
}): JSX.Element {
  const { used, limit, trans } = props;
  const fraction = limit > 0 ? Math.min(1, used / limit) : 0;
  const text = trans.__('%1 of %2', formatBytes(used), formatBytes(limit));
  return (
    <div className="jp-HpcDask-memory">
      <div
        className={`jp-HpcDask-bar${fraction >= 0.9 ? ' jp-mod-warn' : ''}`}
        role="meter"
        aria-label={trans.__('Memory used')}
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={used}
        aria-valuetext={text}
      >
        <div
          className="jp-HpcDask-barFill"
          style={{ width: `${(fraction * 100).toFixed(1)}%` }}
        />
      </div>
      <span>{text}</span>
    </div>
  );
}

export function ClusterCard(props: {
  cluster: ICluster;
  selected: boolean;
  now: number;
  style: ClientCodeStyle;
  actions: IClusterActions;
  trans: TranslationBundle;
}): JSX.Element {
  const { cluster, selected, now, style, actions, trans } = props;
  const { status, workers } = cluster;
  const code = clientCode(cluster, style);
  const live = status === 'running' || status === 'scaling';
  const external = cluster.backend === 'external';
  const plots = Object.entries(cluster.plots ?? {});
  return (
    <li
      className={`${CARD_CLASS} jp-mod-${status}${selected ? ' jp-mod-selected' : ''}`}
      data-cluster-id={cluster.id}
      aria-label={trans.__('Dask cluster %1', cluster.name)}
      aria-current={selected ? 'true' : undefined}
      tabIndex={0}
      title={
        code
          ? trans.__('Drag into a notebook to insert the client code')
          : undefined
      }
      onFocus={e => {
        if (e.target === e.currentTarget) {
          actions.select(cluster.id);
        }
      }}
      onMouseDown={e => {
        actions.select(cluster.id);
        startDragOnMove(e, () => code, cluster.name);
      }}
      onContextMenu={() => actions.select(cluster.id)}
    >
      <div className="jp-HpcDask-cardHeader">
        <span className="jp-HpcDask-name">{cluster.name}</span>
        <span className={`jp-HpcDask-badge jp-mod-${cluster.backend}`}>
          {backendLabel(cluster.backend, trans)}
        </span>
        <span className="jp-HpcDask-status" role="status">
          {isTransitional(status) ? (
            <span className="jp-HpcDask-spinner" aria-hidden="true" />
          ) : null}
          {statusLabel(status, trans)}
        </span>
      </div>
      <dl className="jp-HpcDask-stats">
        <dt>{trans.__('Workers')}</dt>
        <dd>
          {trans.__('%1 / %2', workers.connected, workers.requested)}
          {cluster.adapt
            ? ' ' +
              trans.__(
                '(adaptive %1–%2)',
                cluster.adapt.minimum,
                cluster.adapt.maximum
              )
            : ''}
        </dd>
        <dt>{trans.__('Threads')}</dt>
        <dd>{cluster.threads}</dd>
        <dt>{trans.__('Memory')}</dt>
        <dd>
          <MemoryBar
            used={cluster.memoryUsedBytes}
            limit={cluster.memoryBytes}
            trans={trans}
          />
        </dd>
        <dt>{trans.__('Age')}</dt>
        <dd>{formatAge(cluster.createdAt, now)}</dd>
        {cluster.schedulerAddress ? (
          <>
            <dt>{trans.__('Scheduler')}</dt>
            <dd>
              <code>{cluster.schedulerAddress}</code>
            </dd>
          </>
        ) : null}
      </dl>
      {cluster.jobs ? <SlurmJobs jobs={cluster.jobs} trans={trans} /> : null}
      {cluster.error ? (
        <div className="jp-HpcDask-failure">
          <p className="jp-HpcDask-error" role="alert">
            {cluster.error.message}
          </p>
          {cluster.error.log?.length ? (
            <details>
              <summary>
                {trans._n(
                  'The last log line',
                  'The last %1 log lines',
                  cluster.error.log.length
                )}
              </summary>
              <pre className="jp-HpcDask-log">
                {cluster.error.log.join('\n')}
              </pre>
            </details>
          ) : null}
        </div>
      ) : null}
      {live && !external ? (
        <ClusterControls cluster={cluster} actions={actions} trans={trans} />
      ) : null}
      <div className="jp-HpcDask-actions">
        <button
          className="jp-mod-styled"
          disabled={!code}
          title={trans.__(
            'Insert the code that connects to this cluster below the active cell'
          )}
          onClick={() => actions.inject(cluster.id)}
        >
          {trans.__('Insert client code')}
        </button>
        <button
          className="jp-mod-styled"
          disabled={!code}
          onClick={() => actions.copy(cluster.id)}
        >
          {trans.__('Copy code')}
        </button>
        <button
          className="jp-mod-styled"
          disabled={!live}
          onClick={() => actions.charts(cluster.id)}
        >
          {trans.__('Charts')}
        </button>
        {status !== 'stopping' && status !== 'stopped' ? (
          <button
            className="jp-mod-styled jp-mod-warn"
            onClick={() => actions.shutdown(cluster.id)}
          >
            {external
              ? trans.__('Forget')
              : status === 'failed'
                ? trans.__('Remove')
                : trans.__('Shut down')}
          </button>
        ) : null}
      </div>
      {plots.length && live ? (
        <div
          className="jp-HpcDask-plots"
          role="group"
          aria-label={trans.__('Dashboard plots')}
        >
          {plots.map(([label, route]) => (
            <button
              key={label}
              className="jp-mod-styled jp-HpcDask-plot"
              onClick={() => actions.plot(cluster.id, label, route)}
            >
              {label.replace(/^Individual /, '')}
            </button>
          ))}
        </div>
      ) : null}
    </li>
  );
}
