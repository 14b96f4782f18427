/**
 * The Lumino shell of a job's details tab: owns the job's `JobDetailModel`,
 * re-renders `JobDetails` on its changes, on the queue's and on command
 * state (so action buttons follow the queue model's `canAct`), and follows
 * the job only while the tab is visible.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import * as React from 'react';
import { actionLabel } from '../actions';
import { IJobActionButton, JobDetails } from '../components/JobDetails';
import { canAct, displayName } from '../jobs';
import type { QueueModel } from '../model';
import type { IJob, JobAction } from '../types';
import type { OutputReader } from './api';
import { DETAIL_REFRESH_MS, JobDetailModel } from './model';
import { openTarget } from './paths';
import { TAIL_KEEP_CHARS } from './tail';

/** The queue plugin's action commands (they take `{jobIds: [...]}`). */
export const ACTION_COMMANDS: Record<JobAction, string> = {
  cancel: 'jupyterlab-hpc:slurm-cancel-selected',
  hold: 'jupyterlab-hpc:slurm-hold-selected',
  release: 'jupyterlab-hpc:slurm-release-selected',
  requeue: 'jupyterlab-hpc:slurm-requeue-selected'
};

export class JobDetailsPanel extends ReactWidget {
  constructor(options: JobDetailsPanel.IOptions) {
    super();
    this._app = options.app;
    this._queue = options.model;
    this._trans = options.trans;
    this._jobId = options.jobId;
    this._job = options.job;
    this.addClass('jp-HpcSlurmDetails-widget');
    this._model = new JobDetailModel({
      jobId: options.jobId,
      load: id => this._queue.detail(id),
      read: options.read
    });
    this._model.changed.connect(this._onChange, this);
    this._queue.jobsChanged.connect(this._onChange, this);
    this._app.commands.commandChanged.connect(this._onChange, this);
    this._setTitle();
    this._model.start();
    // The actions are enabled from the queue model's rows: make sure it has
    // this job's, even if the queue sidebar was never shown.
    if (!this._queue.jobs.some(j => j.jobId === this._jobId)) {
      this._queue.refresh().catch(() => undefined);
    }
  }

  /** The job's state: its details and output tails. */
  get model(): JobDetailModel {
    return this._model;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._queue.jobsChanged.disconnect(this._onChange, this);
    this._app.commands.commandChanged.disconnect(this._onChange, this);
    this._model.dispose();
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._model.active = true;
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._model.active = this.isVisible;
  }

  protected onBeforeHide(msg: Message): void {
    this._model.active = false;
    super.onBeforeHide(msg);
  }

  protected onBeforeDetach(msg: Message): void {
    this._model.active = false;
    super.onBeforeDetach(msg);
  }

  protected render(): JSX.Element {
    const { commands } = this._app;
    const trans = this._trans;
    const model = this._model;
    const detail = model.detail;
    const args = { jobIds: [this._jobId] };
    // The queue row can be older than the details: judge by both.
    const row = this._currentJob();
    const fresh =
      row && detail
        ? [{ ...row, state: detail.state, reason: detail.reason ?? 'None' }]
        : null;
    const actions: IJobActionButton[] = (
      Object.keys(ACTION_COMMANDS) as JobAction[]
    ).map(action => ({
      action,
      label: actionLabel(action, trans),
      enabled:
        commands.hasCommand(ACTION_COMMANDS[action]) &&
        commands.isEnabled(ACTION_COMMANDS[action], args) &&
        (fresh === null || canAct(action, fresh))
    }));
    const combined = !!detail && detail.stdout === detail.stderr;
    const outputs = model.tails.map(tail => {
      const target = openTarget(detail, tail.stream, trans);
      return {
        stream: tail.stream,
        label:
          tail.stream === 'stderr'
            ? trans.__('Errors')
            : combined
              ? trans.__('Output and errors')
              : trans.__('Output'),
        state: tail.state,
        keepChars: TAIL_KEEP_CHARS,
        live: !model.finished,
        target,
        onOpen: () => this._open('docmanager:open', target.path, 'Editor')
      };
    });
    const workDir = openTarget(detail, 'workDir', trans);
    let outputNote: string | null = null;
    if (detail && outputs.length === 0) {
      outputNote =
        detail.stdout === '/dev/null'
          ? trans.__(
              'This job writes its output to /dev/null: nothing is kept.'
            )
          : trans.__('Slurm names no output file for this job.');
    }
    return (
      <JobDetails
        jobId={this._jobId}
        title={this.title.label}
        job={this._currentJob()}
        detail={detail}
        fetchedAt={model.fetchedAt}
        error={model.error}
        gone={model.gone}
        actions={actions}
        onAction={action => void this._act(action)}
        onRefresh={() => void model.refresh()}
        workDir={workDir}
        onOpenWorkDir={() => this._open('filebrowser:go-to-path', workDir.path)}
        outputs={outputs}
        outputNote={outputNote}
        trans={trans}
      />
    );
  }

  private _onChange(): void {
    this._setTitle();
    this.update();
    // The details saw the job change state: let the queue catch up (its
    // rows enable the action commands), at most once per refresh interval.
    const row = this._currentJob();
    const detail = this._model.detail;
    const now = Date.now();
    if (
      row &&
      detail &&
      row.state !== detail.state &&
      now - this._queueAsked > DETAIL_REFRESH_MS
    ) {
      this._queueAsked = now;
      this._queue.refresh().catch(() => undefined);
    }
  }

  /** The queue row, fresh from the queue model when it has it. */
  private _currentJob(): IJob | null {
    return this._queue.jobs.find(job => job.jobId === this._jobId) ?? this._job;
  }

  /** "Job 12_3 · train". */
  private _setTitle(): void {
    const job = this._currentJob();
    const fields = this._model.detail?.fields;
    const arrayId =
      fields?.ArrayJobId && fields.ArrayTaskId
        ? `${fields.ArrayJobId}_${fields.ArrayTaskId}`
        : null;
    const id = job?.displayId ?? arrayId ?? this._jobId;
    const name = job?.name ?? fields?.JobName;
    this.title.label =
      name === undefined
        ? this._trans.__('Job %1', id)
        : this._trans.__('Job %1 · %2', id, displayName(name));
    this.title.caption = name ?? '';
  }

  private async _act(action: JobAction): Promise<void> {
    await this._app.commands.execute(ACTION_COMMANDS[action], {
      jobIds: [this._jobId]
    });
    await this._model.refresh();
  }

  private _open(command: string, path: string | null, factory?: string) {
    if (path === null) {
      return;
    }
    void this._app.commands.execute(command, {
      path,
      ...(factory ? { factory } : {})
    });
  }

  private _app: JupyterFrontEnd;
  private _queue: QueueModel;
  private _trans: TranslationBundle;
  private _jobId: string;
  private _job: IJob | null;
  private _model: JobDetailModel;
  private _queueAsked = 0;
}

export namespace JobDetailsPanel {
  export interface IOptions {
    app: JupyterFrontEnd;
    model: QueueModel;
    jobId: string;
    job: IJob | null;
    read: OutputReader;
    trans: TranslationBundle;
  }
}
