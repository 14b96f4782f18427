/**
 * A job's details in a main-area tab (one per job: opening it again shows
 * the same tab): summary, actions, working directory, live output, every
 * `scontrol show job` field. The tab's code loads on first use.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { slurmQueueIcon } from './icon';
import type { QueueModel } from './model';
import type { IJob } from './types';

export interface IShowJobDetailsOptions {
  app: JupyterFrontEnd;
  model: QueueModel;
  /** The unique `jobId` to fetch. */
  jobId: string;
  /** The job's queue row, when it is in the queue. */
  job: IJob | null;
  trans: TranslationBundle;
}

/** The open (or opening) tab of each job. */
const tabs = new Map<string, Promise<MainAreaWidget>>();

/** The tab's DOM id: "jp-HpcSlurm-job-123". */
export function jobTabId(jobId: string): string {
  return `jp-HpcSlurm-job-${jobId.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

/**
 * Open the details of a job (fetched with its unique `jobId`), or bring its
 * tab forward. A job Slurm no longer knows opens too, and says so.
 */
export async function showJobDetails(
  options: IShowJobDetailsOptions
): Promise<void> {
  const { app, jobId } = options;
  let tab = tabs.get(jobId);
  if (!tab) {
    tab = createTab(options);
    tabs.set(jobId, tab);
    tab.then(
      widget => widget.disposed.connect(() => tabs.delete(jobId)),
      () => tabs.delete(jobId)
    );
  }
  const widget = await tab;
  if (!widget.isAttached) {
    app.shell.add(widget, 'main');
  }
  app.shell.activateById(widget.id);
}

async function createTab(
  options: IShowJobDetailsOptions
): Promise<MainAreaWidget> {
  const { app, model, jobId, job, trans } = options;
  const [{ JobDetailsPanel }, { outputReader }] = await Promise.all([
    import('./details/widget'),
    import('./details/api')
  ]);
  const content = new JobDetailsPanel({
    app,
    model,
    jobId,
    job,
    trans,
    read: outputReader(app.serviceManager.serverSettings)
  });
  const widget = new MainAreaWidget({ content });
  widget.id = jobTabId(jobId);
  widget.title.icon = slurmQueueIcon;
  widget.title.closable = true;
  return widget;
}
