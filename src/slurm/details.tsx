/**
 * The job details dialog: opened on a double click or Enter on a row.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { HpcRequestError } from '../request';
import { JobDetails } from './components/JobDetails';
import { displayName } from './jobs';
import type { QueueModel } from './model';
import type { IJob, IJobDetail } from './types';

/** The dialog's body: loads the details, then shows them. */
class JobDetailsBody extends ReactWidget {
  constructor(
    private _job: IJob,
    private _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-HpcSlurm-detailsBody');
  }

  /** Show the loaded details, or why they could not be loaded. */
  setResult(detail: IJobDetail | null, error: string | null): void {
    this._detail = detail;
    this._error = error;
    this.update();
  }

  protected render(): JSX.Element {
    return (
      <JobDetails
        job={this._job}
        detail={this._detail}
        error={this._error}
        trans={this._trans}
      />
    );
  }

  private _detail: IJobDetail | null = null;
  private _error: string | null = null;
}

export interface IShowJobDetailsOptions {
  app: JupyterFrontEnd;
  model: QueueModel;
  /** The unique `jobId` to fetch. */
  jobId: string;
  /** The job's queue row, when it is in the queue. */
  job: IJob | null;
  trans: TranslationBundle;
}

/** Open the details of a job (fetched with its unique `jobId`). */
export async function showJobDetails(
  options: IShowJobDetailsOptions
): Promise<void> {
  const { model, jobId, trans } = options;
  const job = options.job;
  if (!job) {
    return;
  }
  const body = new JobDetailsBody(job, trans);
  model.detail(jobId).then(
    detail => body.setResult(detail, null),
    (error: unknown) =>
      body.setResult(
        null,
        error instanceof HpcRequestError ? error.message : String(error)
      )
  );
  await showDialog({
    title: trans.__('Job %1: %2', job.displayId, displayName(job.name)),
    body,
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
}
