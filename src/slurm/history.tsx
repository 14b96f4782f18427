/**
 * Slurm job history (`GET slurm/history`): finished jobs with their state,
 * exit code and elapsed time, in a main-area tab. When the cluster keeps no
 * accounting, the tab says so (the server's explanation) instead of a table.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';
import { HpcRequestError } from '../request';
import type { SlurmClient } from './api';
import { displayName, formatDuration } from './jobs';
import type { IHistory } from './types';

/** What the history tab shows. */
export type HistoryState =
  | { kind: 'loading' }
  | { kind: 'ok'; history: IHistory }
  | { kind: 'unavailable'; message: string }
  | { kind: 'error'; message: string };

export const HISTORY_DAYS = [1, 7, 30];

export interface IHistoryViewProps {
  state: HistoryState;
  days: number;
  onDays: (days: number) => void;
  onRefresh: () => void;
  trans: TranslationBundle;
}

/** The history as a table, or why there is none. */
export function HistoryView(props: IHistoryViewProps): JSX.Element {
  const { state, trans } = props;
  return (
    <div className="jp-HpcSlurm-history">
      <div className="jp-HpcSlurm-historyHeader">
        <label>
          {trans.__('Finished in the last')}{' '}
          <select
            value={props.days}
            onChange={e => props.onDays(Number(e.target.value))}
          >
            {HISTORY_DAYS.map(d => (
              <option key={d} value={d}>
                {trans._n('%1 day', '%1 days', d)}
              </option>
            ))}
          </select>
        </label>
        <button
          className="jp-mod-styled jp-mod-reject"
          onClick={props.onRefresh}
        >
          {trans.__('Refresh')}
        </button>
        {state.kind === 'ok' && (
          <span className="jp-HpcSlurm-historyCount">
            {trans._n(
              '%1 job (from %2)',
              '%1 jobs (from %2)',
              state.history.jobs.length,
              state.history.source
            )}
          </span>
        )}
      </div>
      {state.kind === 'loading' && <p>{trans.__('Loading…')}</p>}
      {(state.kind === 'unavailable' || state.kind === 'error') && (
        <p className="jp-HpcSlurm-historyMessage" role="status">
          {state.message}
        </p>
      )}
      {state.kind === 'ok' && (
        <table className="jp-HpcSlurm-historyTable">
          <thead>
            <tr>
              <th>{trans.__('ID')}</th>
              <th>{trans.__('Name')}</th>
              <th>{trans.__('User')}</th>
              <th>{trans.__('Partition')}</th>
              <th>{trans.__('State')}</th>
              <th>{trans.__('Exit code')}</th>
              <th>{trans.__('Elapsed')}</th>
              <th>{trans.__('Ended')}</th>
            </tr>
          </thead>
          <tbody>
            {state.history.jobs.map(job => (
              <tr key={job.jobId} data-job-id={job.jobId}>
                <td>{job.jobId}</td>
                <td title={job.name}>{displayName(job.name)}</td>
                <td>{job.user}</td>
                <td>{job.partition}</td>
                <td>
                  <span
                    className={`jp-HpcSlurm-state jp-mod-${job.state.split(' ')[0].toLowerCase()}`}
                  >
                    {job.state}
                  </span>
                </td>
                <td>{job.exitCode}</td>
                <td>{formatDuration(job.elapsedSec)}</td>
                <td>{job.endTime?.replace('T', ' ') ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** The tab's Lumino shell: loads the history on show and on demand. */
export class HistoryWidget extends ReactWidget {
  constructor(
    private readonly _client: Pick<SlurmClient, 'history'>,
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-HpcSlurm-historyWidget');
  }

  /** Loads the history of the chosen window again. */
  async load(): Promise<void> {
    const request = ++this._request;
    this._state = { kind: 'loading' };
    this.update();
    let next: HistoryState;
    try {
      next = { kind: 'ok', history: await this._client.history(this._days) };
    } catch (error) {
      const e = error as HpcRequestError;
      next = {
        kind: e.code === 'ACCOUNTING_DISABLED' ? 'unavailable' : 'error',
        message: e.message
      };
    }
    if (request === this._request) {
      this._state = next;
      this.update();
    }
  }

  protected render(): JSX.Element {
    return (
      <HistoryView
        state={this._state}
        days={this._days}
        trans={this._trans}
        onDays={days => {
          this._days = days;
          void this.load();
        }}
        onRefresh={() => void this.load()}
      />
    );
  }

  private _state: HistoryState = { kind: 'loading' };
  private _days = 7;
  private _request = 0;
}
