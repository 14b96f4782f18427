/**
 * The Slurm sidebar: scope, cluster, refresh and freshness; the actions on the
 * selection; an inline banner when the queue is stale; the table.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon, ToolbarButtonComponent } from '@jupyterlab/ui-components';
import * as React from 'react';
import { actionLabel } from '../actions';
import { canAct } from '../jobs';
import type { IQueueStatus } from '../model';
import type { IJob, JobAction, QueueScope } from '../types';
import { ClockProvider, useNow } from './clock';
import { IRevealRequest, QueueTable } from './QueueTable';

export interface IQueuePanelProps {
  /** Why Slurm can't be used (shown instead of the table), or null. */
  unavailable: string | null;
  jobs: readonly IJob[];
  status: IQueueStatus;
  scope: QueueScope;
  onScopeChange: (scope: QueueScope) => void;
  /** The clusters the server knows (the selector shows with several). */
  clusters?: readonly string[];
  /** The cluster shown, null for the server's default. */
  cluster?: string | null;
  onClusterChange?: (cluster: string | null) => void;
  onRefresh: () => void;
  selection: ReadonlySet<string>;
  onSelectionChange: (jobIds: Set<string>) => void;
  /** An action on the selection, or on these `jobId`s. */
  onAction: (action: JobAction, jobIds?: string[]) => void;
  onOpen: (job: IJob) => void;
  /** Scroll to a job and highlight it. */
  reveal?: IRevealRequest | null;
  onRevealed?: () => void;
  hiddenColumns: readonly string[];
  onHiddenColumnsChange: (hidden: string[]) => void;
  trans: TranslationBundle;
  /** Passed to the table's virtualiser (tests). */
  initialRect?: { width: number; height: number };
}

const ACTIONS: JobAction[] = ['cancel', 'hold', 'release', 'requeue'];

/** "updated 12 s ago", ticking. */
function UpdatedAgo(props: {
  asOf: number;
  trans: TranslationBundle;
}): JSX.Element | null {
  const now = useNow();
  const { asOf, trans } = props;
  if (!asOf) {
    return null;
  }
  const seconds = Math.max(0, Math.round((now - asOf) / 1000));
  const text =
    seconds < 5
      ? trans.__('updated just now')
      : seconds < 90
        ? trans.__('updated %1 s ago', seconds)
        : trans.__('updated %1 min ago', Math.round(seconds / 60));
  return (
    <span
      className="jp-HpcSlurm-updated"
      title={new Date(asOf).toLocaleString()}
    >
      {text}
    </span>
  );
}

function Banner(props: {
  status: IQueueStatus;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { status, trans } = props;
  if (!status.stale && !status.error) {
    return null;
  }
  const why = status.error?.message ?? trans.__('no answer');
  const text =
    status.asOf > 0
      ? trans.__(
          'The queue could not be refreshed (%1). Showing the jobs as of %2.',
          why,
          new Date(status.asOf).toLocaleTimeString()
        )
      : trans.__('The queue is unavailable: %1', why);
  return (
    <div className="jp-HpcSlurm-banner" role="alert">
      {text}
    </div>
  );
}

function actionTip(action: JobAction, trans: TranslationBundle): string {
  switch (action) {
    case 'cancel':
      return trans.__('Cancel the selected jobs (scancel)');
    case 'hold':
      return trans.__('Hold the selected pending jobs');
    case 'release':
      return trans.__('Release the selected held jobs');
    case 'requeue':
      return trans.__('Requeue the selected jobs');
  }
}

function ScopeSwitch(props: IQueuePanelProps): JSX.Element {
  const { scope, onScopeChange, trans } = props;
  const options: [QueueScope, string][] = [
    ['mine', trans.__('Mine')],
    ['all', trans.__('All users')]
  ];
  return (
    <div
      className="jp-HpcSlurm-scope"
      role="radiogroup"
      aria-label={trans.__('Whose jobs')}
    >
      {options.map(([value, label]) => (
        <button
          key={value}
          type="button"
          role="radio"
          aria-checked={scope === value}
          className={scope === value ? 'jp-mod-active' : undefined}
          onClick={() => onScopeChange(value)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}

/** One cluster's queue at a time, where the server knows several. */
function ClusterSelect(props: IQueuePanelProps): JSX.Element | null {
  const { clusters = [], cluster = null, trans } = props;
  if (clusters.length < 2) {
    return null;
  }
  return (
    <select
      className="jp-HpcSlurm-cluster"
      aria-label={trans.__('Cluster')}
      title={trans.__('Whose queue: which cluster')}
      value={cluster ?? ''}
      onChange={event =>
        props.onClusterChange?.(event.currentTarget.value || null)
      }
    >
      <option value="">{trans.__('Default cluster')}</option>
      {clusters.map(name => (
        <option key={name} value={name}>
          {name}
        </option>
      ))}
    </select>
  );
}

export function QueuePanel(props: IQueuePanelProps): JSX.Element {
  const { jobs, status, selection, trans } = props;
  const selected = React.useMemo(
    () => jobs.filter(job => selection.has(job.jobId)),
    [jobs, selection]
  );
  if (props.unavailable !== null) {
    return (
      <div className="jp-HpcSlurm-panel jp-mod-unavailable">
        <p className="jp-HpcSlurm-unavailable">{props.unavailable}</p>
      </div>
    );
  }
  return (
    <ClockProvider>
      <div className="jp-HpcSlurm-panel">
        <div className="jp-HpcSlurm-header">
          <ScopeSwitch {...props} />
          <ClusterSelect {...props} />
          <ToolbarButtonComponent
            icon={refreshIcon}
            tooltip={trans.__('Refresh the queue')}
            onClick={props.onRefresh}
          />
        </div>
        <div className="jp-HpcSlurm-info">
          <span className="jp-HpcSlurm-count">
            {trans._n('%1 job', '%1 jobs', jobs.length)}
          </span>
          {/* Here, not beside the buttons: a narrow toolbar would wrap and
              move the rows under the pointer between two clicks. */}
          {selected.length > 0 && (
            <span className="jp-HpcSlurm-selected">
              {trans._n('%1 selected', '%1 selected', selected.length)}
            </span>
          )}
          <UpdatedAgo asOf={status.asOf} trans={trans} />
        </div>
        <Banner status={status} trans={trans} />
        <div
          className="jp-HpcSlurm-actions"
          role="toolbar"
          aria-label={trans.__('Actions on the selected jobs')}
        >
          {ACTIONS.map(action => (
            <button
              key={action}
              type="button"
              className="jp-HpcSlurm-action"
              data-action={action}
              title={actionTip(action, trans)}
              disabled={!canAct(action, selected)}
              onClick={() => props.onAction(action)}
            >
              {actionLabel(action, trans)}
            </button>
          ))}
        </div>
        <QueueTable
          jobs={jobs}
          selection={selection}
          onSelectionChange={props.onSelectionChange}
          onOpen={props.onOpen}
          onCancel={jobIds => props.onAction('cancel', jobIds)}
          reveal={props.reveal}
          onRevealed={props.onRevealed}
          asOf={status.asOf}
          loading={status.loading && !status.error}
          hiddenColumns={props.hiddenColumns}
          onHiddenColumnsChange={props.onHiddenColumnsChange}
          trans={trans}
          initialRect={props.initialRect}
        />
      </div>
    </ClockProvider>
  );
}
