/**
 * Submitting as a user action: one in-progress notification, then the new
 * job id with "Show in queue" (and the row selected), or the refusal with
 * what to do. A source already being submitted is not submitted twice.
 */
import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ISlurmQueue } from '../tokens';
import type { ISubmitRequest, ISubmitted, SubmitClient } from './api';
import { explain } from './options';

export interface ISubmitJobOptions {
  client: SubmitClient;
  queue: Pick<ISlurmQueue, 'reveal'>;
  request: ISubmitRequest;
  /** What is submitted, for the messages ("run.sh"). */
  label: string;
  trans: TranslationBundle;
  /** An extra action on failure (e.g. "Edit options" opening the form). */
  onFailedAction?: Notification.IAction;
}

/** The outcome: the job, or the error (already notified). */
export type SubmitOutcome =
  | { ok: true; submitted: ISubmitted }
  | { ok: false; error: unknown }
  | { ok: false; busy: true };

const inFlight = new Set<string>();

/**
 * Submit once per `key` at a time (a second call while the first runs is
 * refused without a request), notify, and reveal the new job in the queue.
 */
export async function submitJob(
  key: string,
  options: ISubmitJobOptions
): Promise<SubmitOutcome> {
  if (inFlight.has(key)) {
    return { ok: false, busy: true };
  }
  inFlight.add(key);
  const { client, queue, request, label, trans } = options;
  const id = Notification.emit(
    trans.__('Submitting %1 to Slurm…', label),
    'in-progress',
    { autoClose: false }
  );
  try {
    const submitted = await client.submit(request);
    const reveal = () =>
      void queue.reveal(submitted.jobId).catch(reason => {
        console.error('jupyterlab-hpc: could not show the new job', reason);
      });
    const done = trans.__(
      'Submitted batch job %1 (%2).',
      submitted.jobId,
      label
    );
    settle(
      id,
      submitted.warnings.length
        ? trans.__('%1 Slurm said: %2', done, submitted.warnings.join(' '))
        : done,
      submitted.warnings.length ? 'warning' : 'success',
      [{ label: trans.__('Show in queue'), callback: reveal }],
      submitted.warnings.length ? false : 8000
    );
    reveal();
    return { ok: true, submitted };
  } catch (error) {
    settle(
      id,
      trans.__('%1 was not submitted: %2', label, explain(error, trans)),
      'error',
      options.onFailedAction ? [options.onFailedAction] : [],
      false
    );
    return { ok: false, error };
  } finally {
    inFlight.delete(key);
  }
}

/**
 * Replace the in-progress notification by the outcome (dismiss and emit
 * anew: an update that comes before Lab has created the toast is lost).
 */
function settle(
  id: string,
  message: string,
  type: Notification.TypeOptions,
  actions: Notification.IAction[],
  autoClose: number | false
): void {
  Notification.dismiss(id);
  Notification.emit(message, type, { autoClose, actions });
}
