/**
 * Job events for the optional notifications: which of the user's jobs
 * started or finished between two polls (pure functions), and the watcher
 * that feeds them from the queue model's answers.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { QueueModel } from './model';
import type { IJob } from './types';

/** The states a job ends in (what `scontrol` reports once it is done). */
export const FINAL_STATES = new Set([
  'COMPLETED',
  'FAILED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'CANCELLED',
  'NODE_FAIL',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED'
]);

/** The states before a job's start. */
const WAITING = new Set(['PENDING', 'CONFIGURING']);

/** A job that started, or ended in `state`. */
export interface IJobEvent {
  kind: 'started' | 'ended';
  jobId: string;
  displayId: string;
  name: string;
  /** RUNNING for a start, the final state for an end. */
  state: string;
}

/** What one poll changed, compared with the previous one. */
export interface IJobDiff {
  events: IJobEvent[];
  /**
   * Jobs that were in the queue and are gone (Slurm drops finished jobs):
   * their final state must be asked for (`GET slurm/jobs/{id}`).
   */
  vanished: IJob[];
}

function event(job: IJob, kind: IJobEvent['kind'], state = job.state) {
  return {
    kind,
    jobId: job.jobId,
    displayId: job.displayId,
    name: job.name,
    state
  };
}

/** Whether a row stands for several pending array tasks ("12_[4-9%2]"). */
function isPendingRange(job: IJob): boolean {
  return /[[\],-]/.test(job.arrayTaskId ?? '');
}

/**
 * The events between two successive answers. `previous` null is the first
 * answer: it only sets the baseline (nothing already running or finished is
 * announced). Only jobs for which `mine` is true count.
 */
export function diffJobs(
  previous: ReadonlyMap<string, IJob> | null,
  current: readonly IJob[],
  mine: (job: IJob) => boolean
): IJobDiff {
  const diff: IJobDiff = { events: [], vanished: [] };
  if (previous === null) {
    return diff;
  }
  const seen = new Set<string>();
  for (const job of current) {
    seen.add(job.jobId);
    if (!mine(job)) {
      continue;
    }
    const before = previous.get(job.jobId);
    const ended = FINAL_STATES.has(job.state);
    if (before && FINAL_STATES.has(before.state)) {
      continue;
    }
    if (ended) {
      diff.events.push(event(job, 'ended'));
    } else if (
      job.state === 'RUNNING' &&
      (!before || WAITING.has(before.state))
    ) {
      // New and already running, or out of the wait (resuming from a
      // suspension is not a start).
      diff.events.push(event(job, 'started'));
    }
  }
  for (const [jobId, job] of previous) {
    // A pending range that shrinks away has started its last tasks, which
    // are rows of their own; a job that had ended was announced already.
    if (
      !seen.has(jobId) &&
      mine(job) &&
      !FINAL_STATES.has(job.state) &&
      !isPendingRange(job)
    ) {
      diff.vanished.push(job);
    }
  }
  return diff;
}

/** A job list keyed by `jobId` (the next call's `previous`). */
export function snapshot(jobs: readonly IJob[]): Map<string, IJob> {
  return new Map(jobs.map(job => [job.jobId, job]));
}

/** At most this many ids are named in one notification. */
const NAMED = 3;

/** One notification's text and type for the events of one poll. */
export function summarize(
  events: readonly IJobEvent[],
  trans: TranslationBundle
): { message: string; type: 'info' | 'success' | 'error' } {
  const failed = events.filter(
    e => e.kind === 'ended' && e.state !== 'COMPLETED'
  );
  const type =
    failed.length > 0
      ? 'error'
      : events.every(e => e.kind === 'ended')
        ? 'success'
        : 'info';
  if (events.length === 1) {
    const [e] = events;
    const message =
      e.kind === 'started'
        ? trans.__('Slurm job %1 (%2) started.', e.displayId, e.name)
        : e.state === 'COMPLETED'
          ? trans.__('Slurm job %1 (%2) completed.', e.displayId, e.name)
          : trans.__(
              'Slurm job %1 (%2) ended: %3.',
              e.displayId,
              e.name,
              e.state
            );
    return { message, type };
  }
  // Failures first: they are what the user must not miss.
  const ordered = [...failed, ...events.filter(e => !failed.includes(e))];
  const named = ordered
    .slice(0, NAMED)
    .map(e => `${e.displayId} ${e.kind === 'started' ? 'RUNNING' : e.state}`)
    .join(', ');
  const rest = events.length - NAMED;
  const list = rest > 0 ? trans.__('%1 and %2 more', named, rest) : named;
  const started = events.filter(e => e.kind === 'started').length;
  const message =
    started === events.length
      ? trans.__('%1 Slurm jobs started: %2', events.length, list)
      : started === 0
        ? trans.__('%1 Slurm jobs finished: %2', events.length, list)
        : trans.__(
            '%1 Slurm jobs started or finished: %2',
            events.length,
            list
          );
  return { message, type };
}

/** The job a notification's "Show job" opens: the first failure, else the first. */
export function jobToShow(events: readonly IJobEvent[]): IJobEvent {
  return (
    events.find(e => e.kind === 'ended' && e.state !== 'COMPLETED') ?? events[0]
  );
}

/** At most this many vanished jobs are looked up per poll. */
export const MAX_LOOKUPS = 20;

/**
 * Watches the model's answers and reports the user's job events, one call
 * of `notify` per poll that has any. Off until `enabled` is set; turning it
 * on (or a change of scope or cluster) only takes a new baseline.
 */
export class JobWatcher {
  constructor(options: JobWatcher.IOptions) {
    this._model = options.model;
    this._user = options.user;
    this._notify = options.notify;
    this._model.answered.connect(this._onAnswer, this);
  }

  get enabled(): boolean {
    return this._enabled;
  }
  set enabled(enabled: boolean) {
    if (enabled !== this._enabled) {
      this._enabled = enabled;
      this._previous = null;
    }
  }

  dispose(): void {
    this._model.answered.disconnect(this._onAnswer, this);
  }

  private async _onAnswer(
    model: QueueModel,
    answer: QueueModel.IAnswer
  ): Promise<void> {
    if (!this._enabled) {
      return;
    }
    const key = `${answer.scope}\0${answer.cluster ?? ''}`;
    const user = this._user();
    if (answer.scope !== 'mine' && !user) {
      // Everyone's jobs and no way to tell which are the user's.
      this._previous = null;
      return;
    }
    const mine = (job: IJob) => answer.scope === 'mine' || job.user === user;
    const previous = key === this._key ? this._previous : null;
    this._key = key;
    this._previous = snapshot(answer.jobs);
    const diff = diffJobs(previous, answer.jobs, mine);
    const ended = await Promise.all(
      diff.vanished.slice(0, MAX_LOOKUPS).map(async job => {
        try {
          const detail = await model.detail(job.jobId);
          return FINAL_STATES.has(detail.state)
            ? event(job, 'ended', detail.state)
            : null;
        } catch {
          // Unknown to Slurm by now (MinJobAge): nothing to say.
          return null;
        }
      })
    );
    const events = [
      ...diff.events,
      ...ended.filter((e): e is IJobEvent => e !== null)
    ];
    if (events.length > 0 && this._enabled) {
      this._notify(events);
    }
  }

  private _model: QueueModel;
  private _user: () => string | null;
  private _notify: (events: IJobEvent[]) => void;
  private _enabled = false;
  private _key = '';
  private _previous: Map<string, IJob> | null = null;
}

export namespace JobWatcher {
  export interface IOptions {
    model: QueueModel;
    /** The user the server runs as, or null while unknown. */
    user: () => string | null;
    /** The events of one poll (never empty). */
    notify: (events: IJobEvent[]) => void;
  }
}
