/**
 * One job in full: a summary (state, the pending reason in words, times,
 * elapsed against the limit, nodes, TRES), the actions that apply to it,
 * its working directory, its output followed live, and every field of
 * `scontrol show job`. A function of its props; the details widget feeds it.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { FieldsTable } from '../details/Fields';
import { IOutputViewProps, OutputView } from '../details/OutputView';
import type { IOpenTarget } from '../details/paths';
import { summarize } from '../details/summary';
import { describeReason } from '../reasons';
import type { IJob, IJobDetail, JobAction } from '../types';
import { ClockProvider, useNow } from './clock';

/** A button for one action on this job. */
export interface IJobActionButton {
  action: JobAction;
  label: string;
  enabled: boolean;
}

export interface IJobDetailsProps {
  /** The unique id the view was opened for. */
  jobId: string;
  /** The heading: "Job 12_3 · train". */
  title: string;
  /** The job's queue row, when it is in the queue (shown while loading). */
  job: IJob | null;
  /** The details, once loaded. */
  detail: IJobDetail | null;
  /** When `detail` was fetched (ms), to tick the elapsed time. */
  fetchedAt: number;
  /** Why the details could not be loaded (or refreshed). */
  error: string | null;
  /** Slurm does not know the job (any more). */
  gone: boolean;
  actions: IJobActionButton[];
  onAction: (action: JobAction) => void;
  onRefresh: () => void;
  workDir: IOpenTarget;
  onOpenWorkDir: () => void;
  /** One per output file (stdout, and stderr when it differs). */
  outputs: Omit<IOutputViewProps, 'trans'>[];
  /** Why there is no output to follow, when there is none. */
  outputNote: string | null;
  trans: TranslationBundle;
}

export function JobDetails(props: IJobDetailsProps): JSX.Element {
  const { detail, error, gone, trans } = props;
  return (
    <ClockProvider>
      <div className="jp-HpcSlurmDetails">
        <Summary {...props} />
        {error && (
          <p
            className={`jp-HpcSlurmDetails-message${gone ? '' : ' jp-mod-error'}`}
            role={gone ? 'status' : 'alert'}
          >
            {gone && detail
              ? trans.__(
                  'Slurm no longer knows this job (it forgets finished jobs after a few minutes); these are its last known details. %1',
                  error
                )
              : error}
          </p>
        )}
        {!detail && !error && (
          <p className="jp-HpcSlurmDetails-message">{trans.__('Loading…')}</p>
        )}
        {props.outputs.length > 0 && (
          <OutputTabs outputs={props.outputs} trans={trans} />
        )}
        {props.outputs.length === 0 && props.outputNote && (
          <p className="jp-HpcSlurmDetails-message">{props.outputNote}</p>
        )}
        {detail && <FieldsTable fields={detail.fields} trans={trans} />}
      </div>
    </ClockProvider>
  );
}

function Summary(props: IJobDetailsProps): JSX.Element {
  const { detail, job, trans } = props;
  const now = useNow();
  const s = summarize(detail, job, props.fetchedAt, now);
  const words = s.reason ? describeReason(s.reason, trans) : null;
  const stateClass = `jp-mod-${s.state.toLowerCase().replace(/[^a-z0-9_-]/g, '')}`;
  const row = (label: string, value: React.ReactNode) =>
    value === null || value === '' ? null : (
      <React.Fragment key={label}>
        <dt>{label}</dt>
        <dd>{value}</dd>
      </React.Fragment>
    );
  return (
    <section className="jp-HpcSlurmDetails-summary">
      <h2 className="jp-HpcSlurmDetails-title">{props.title}</h2>
      <div className="jp-HpcSlurmDetails-head">
        {s.state && (
          <span className={`jp-HpcSlurm-state ${stateClass}`}>{s.state}</span>
        )}
        {s.reason && (
          <span className="jp-HpcSlurmDetails-reason">
            <code>{s.reason}</code>
            {words && <span> — {words}</span>}
          </span>
        )}
      </div>
      <div
        className="jp-HpcSlurmDetails-actions"
        role="toolbar"
        aria-label={trans.__('Job actions')}
      >
        {props.actions.map(a => (
          <button
            key={a.action}
            className="jp-mod-styled jp-HpcSlurmDetails-button"
            disabled={!a.enabled}
            onClick={() => props.onAction(a.action)}
          >
            {a.label}
          </button>
        ))}
        <button
          className="jp-mod-styled jp-HpcSlurmDetails-button"
          onClick={props.onRefresh}
        >
          {trans.__('Refresh')}
        </button>
      </div>
      <dl className="jp-HpcSlurmDetails-grid">
        {row(trans.__('User'), s.user)}
        {row(trans.__('Account'), s.account)}
        {row(trans.__('Partition'), s.partition)}
        {row(trans.__('QOS'), s.qos)}
        {row(trans.__('Submitted'), s.submitTime)}
        {row(
          s.state === 'PENDING'
            ? trans.__('Expected start')
            : trans.__('Started'),
          s.startTime
        )}
        {row(
          s.ended ? trans.__('Ended') : trans.__('Ends at the latest'),
          s.endTime
        )}
        {row(
          trans.__('Elapsed / limit'),
          trans.__('%1 / %2', s.elapsed, s.limit ?? trans.__('unlimited'))
        )}
        {row(trans.__('Nodes'), s.nodes)}
        {row(trans.__('CPUs'), s.cpus)}
        {row(
          trans.__('TRES'),
          s.tres.length ? (
            <span className="jp-HpcSlurmDetails-chips">
              {s.tres.map(t => (
                <span key={t} className="jp-HpcSlurmDetails-chip">
                  {t}
                </span>
              ))}
            </span>
          ) : null
        )}
        {row(trans.__('Exit code'), s.ended ? s.exitCode : null)}
        {row(
          trans.__('Working directory'),
          s.workDir ? (
            <span className="jp-HpcSlurmDetails-path">
              <code>{s.workDir}</code>
              <button
                className="jp-mod-styled jp-HpcSlurmDetails-button"
                disabled={props.workDir.path === null}
                title={props.workDir.reason ?? s.workDir}
                onClick={props.onOpenWorkDir}
              >
                {trans.__('Open in File Browser')}
              </button>
            </span>
          ) : null
        )}
      </dl>
    </section>
  );
}

/** The output files, as tabs when there are two. */
function OutputTabs(props: {
  outputs: Omit<IOutputViewProps, 'trans'>[];
  trans: TranslationBundle;
}): JSX.Element {
  const { outputs, trans } = props;
  const [index, setIndex] = React.useState(0);
  const current = outputs[Math.min(index, outputs.length - 1)];
  return (
    <section className="jp-HpcSlurmDetails-output">
      <div
        className="jp-HpcSlurmDetails-tabs"
        role="tablist"
        aria-label={trans.__('Job output')}
      >
        {outputs.map((o, i) => (
          <button
            key={o.stream}
            role="tab"
            aria-selected={o === current}
            className={`jp-HpcSlurmDetails-tab${o === current ? ' jp-mod-active' : ''}`}
            onClick={() => setIndex(i)}
          >
            {o.label}
          </button>
        ))}
      </div>
      <OutputView key={current.stream} {...current} trans={trans} />
    </section>
  );
}
