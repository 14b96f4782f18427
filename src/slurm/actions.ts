/**
 * The user's actions on jobs: a confirmation listing the jobs, one
 * in-progress notification, then a summary that says what failed and why.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { HpcRequestError } from '../request';
import { displayName } from './jobs';
import type { QueueModel } from './model';
import type { IActionResult, IJob, JobAction } from './types';

/** The failures named in a summary; the rest are in "Show details". */
const NAMED_FAILURES = 3;

/** The action's name on its button ("Cancel"), translated. */
export function actionLabel(
  action: JobAction,
  trans: TranslationBundle
): string {
  switch (action) {
    case 'cancel':
      return trans.__('Cancel');
    case 'hold':
      return trans.__('Hold');
    case 'release':
      return trans.__('Release');
    case 'requeue':
      return trans.__('Requeue');
  }
}

/** The confirmation question, e.g. "Cancel 3 jobs?". */
export function confirmTitle(
  action: JobAction,
  n: number,
  trans: TranslationBundle
): string {
  switch (action) {
    case 'cancel':
      return trans._n('Cancel %1 job?', 'Cancel %1 jobs?', n);
    case 'hold':
      return trans._n('Hold %1 job?', 'Hold %1 jobs?', n);
    case 'release':
      return trans._n('Release %1 job?', 'Release %1 jobs?', n);
    case 'requeue':
      return trans._n('Requeue %1 job?', 'Requeue %1 jobs?', n);
  }
}

function progressText(
  action: JobAction,
  n: number,
  trans: TranslationBundle
): string {
  switch (action) {
    case 'cancel':
      return trans._n('Cancelling %1 job…', 'Cancelling %1 jobs…', n);
    case 'hold':
      return trans._n('Holding %1 job…', 'Holding %1 jobs…', n);
    case 'release':
      return trans._n('Releasing %1 job…', 'Releasing %1 jobs…', n);
    case 'requeue':
      return trans._n('Requeuing %1 job…', 'Requeuing %1 jobs…', n);
  }
}

/** "Cancelled 2 of 3 jobs. %3" with the failures as %3. */
function doneText(
  action: JobAction,
  total: number,
  ok: number,
  failures: string,
  trans: TranslationBundle
): string {
  if (ok === total) {
    switch (action) {
      case 'cancel':
        return trans._n('Cancelled %1 job.', 'Cancelled %1 jobs.', total);
      case 'hold':
        return trans._n('Held %1 job.', 'Held %1 jobs.', total);
      case 'release':
        return trans._n('Released %1 job.', 'Released %1 jobs.', total);
      case 'requeue':
        return trans._n('Requeued %1 job.', 'Requeued %1 jobs.', total);
    }
  }
  switch (action) {
    case 'cancel':
      return trans._n(
        'Cancelled %2 of %1 job. %3',
        'Cancelled %2 of %1 jobs. %3',
        total,
        ok,
        failures
      );
    case 'hold':
      return trans._n(
        'Held %2 of %1 job. %3',
        'Held %2 of %1 jobs. %3',
        total,
        ok,
        failures
      );
    case 'release':
      return trans._n(
        'Released %2 of %1 job. %3',
        'Released %2 of %1 jobs. %3',
        total,
        ok,
        failures
      );
    case 'requeue':
      return trans._n(
        'Requeued %2 of %1 job. %3',
        'Requeued %2 of %1 jobs. %3',
        total,
        ok,
        failures
      );
  }
}

/** One failure in Slurm's words: "13: Access/permission denied". */
export function failureText(
  result: IActionResult,
  trans: TranslationBundle
): string {
  return trans.__('%1: %2', result.jobId, result.message || trans.__('failed'));
}

/**
 * The summary of an action's results, e.g.
 * "Cancelled 2 of 3 jobs. 13: Access/permission denied".
 */
export function summarize(
  action: JobAction,
  results: readonly IActionResult[],
  trans: TranslationBundle
): string {
  const failed = results.filter(result => !result.ok);
  const named = failed
    .slice(0, NAMED_FAILURES)
    .map(result => failureText(result, trans))
    .join('; ');
  const failures =
    failed.length > NAMED_FAILURES
      ? trans.__('%1; %2 more', named, failed.length - NAMED_FAILURES)
      : named;
  return doneText(
    action,
    results.length,
    results.length - failed.length,
    failures,
    trans
  );
}

/** The confirmation's body: the jobs, by id and name (as text). */
function jobList(jobs: readonly IJob[]): React.ReactElement {
  return React.createElement(
    'ul',
    { className: 'jp-HpcSlurm-confirmList' },
    jobs.map(job =>
      React.createElement(
        'li',
        { key: job.jobId, title: job.name },
        React.createElement('code', null, job.displayId),
        ' ',
        displayName(job.name)
      )
    )
  );
}

/**
 * Ask, act, report. Resolves to the results, or null when the user said no
 * (or the request failed, which the notification then says).
 */
export async function runAction(
  model: QueueModel,
  action: JobAction,
  jobs: readonly IJob[],
  trans: TranslationBundle
): Promise<IActionResult[] | null> {
  if (jobs.length === 0) {
    return null;
  }
  const confirm = await showDialog({
    title: confirmTitle(action, jobs.length, trans),
    body: jobList(jobs),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Back') }),
      action === 'cancel'
        ? Dialog.warnButton({ label: trans.__('Cancel jobs') })
        : Dialog.okButton({ label: actionLabel(action, trans) })
    ]
  });
  if (!confirm.button.accept) {
    return null;
  }
  const id = Notification.emit(
    progressText(action, jobs.length, trans),
    'in-progress',
    { autoClose: false }
  );
  try {
    const results = await model.act(
      action,
      jobs.map(job => job.displayId)
    );
    const failed = results.filter(result => !result.ok);
    settle(id, summarize(action, results, trans), {
      type:
        failed.length === 0
          ? 'success'
          : failed.length < results.length
            ? 'warning'
            : 'error',
      autoClose: failed.length === 0 ? 5000 : false,
      actions:
        failed.length > 0 ? [detailsAction(action, failed, trans)] : undefined
    });
    return results;
  } catch (error) {
    const message =
      error instanceof HpcRequestError ? error.message : String(error);
    settle(id, trans.__('%1 failed: %2', actionLabel(action, trans), message), {
      type: 'error',
      autoClose: false
    });
    return null;
  }
}

/**
 * Replace the in-progress notification by the outcome. Not with
 * `Notification.update`: Lab creates toasts asynchronously (the first one
 * loads the toast library), so an update that comes quickly finds no toast
 * yet, re-creates one with the same id, which is ignored, and the spinner
 * stays for good. Dismissing and emitting anew is handled in order.
 */
function settle(
  id: string,
  message: string,
  options: {
    type: Notification.TypeOptions;
    autoClose: number | false;
    actions?: Notification.IAction[];
  }
): void {
  Notification.dismiss(id);
  Notification.emit(message, options.type, {
    autoClose: options.autoClose,
    actions: options.actions
  });
}

function detailsAction(
  action: JobAction,
  failed: IActionResult[],
  trans: TranslationBundle
): Notification.IAction {
  return {
    label: trans.__('Show details'),
    callback: () => {
      void showDialog({
        title: trans.__('%1: what Slurm said', actionLabel(action, trans)),
        body: React.createElement(
          'ul',
          { className: 'jp-HpcSlurm-confirmList' },
          failed.map(result =>
            React.createElement(
              'li',
              { key: result.jobId },
              failureText(result, trans)
            )
          )
        ),
        buttons: [Dialog.okButton({ label: trans.__('Close') })]
      });
    }
  };
}
