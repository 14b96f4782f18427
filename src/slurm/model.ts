/**
 * The queue model: one `Poll` of `slurm/jobs`, the last good job list, the
 * state of the last refresh and the user's selection. Views read it and
 * re-render on its signals, which fire only on real change.
 */
import { IPoll, Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import type { SlurmClient } from './api';
import { sameJobs } from './jobs';
import { answered, EMPTY_STATUS, failed, IQueueStatus } from './status';
import type {
  IActionResult,
  IJob,
  IJobDetail,
  IQueue,
  JobAction,
  QueueScope
} from './types';

export type { IQueueStatus } from './status';

/** The interval floor: Slurm asks clients not to poll faster. */
export const MIN_POLL_SECONDS = 10;
export const DEFAULT_POLL_SECONDS = 30;
/** The second look after a user's action. */
const FOLLOW_UP_MS = 3000;

export class QueueModel {
  constructor(options: QueueModel.IOptions) {
    this._client = options.client;
    this._scope = options.scope ?? 'mine';
    this._cluster = options.cluster ?? null;
    this._active = options.active ?? false;
    this._seconds = clampSeconds(options.pollSeconds ?? DEFAULT_POLL_SECONDS);
    this._poll = new Poll({
      factory: () => this._fetch(),
      frequency: this._frequency(),
      standby: () => this._standby(),
      name: 'jupyterlab-hpc:slurm-queue'
    });
  }

  /** The jobs of the current scope, in the server's order. */
  get jobs(): readonly IJob[] {
    return this._jobs;
  }

  get status(): IQueueStatus {
    return this._status;
  }

  /** Whose jobs: 'mine' (default) or 'all'. Changing it refetches. */
  get scope(): QueueScope {
    return this._scope;
  }
  set scope(scope: QueueScope) {
    if (scope === this._scope) {
      return;
    }
    this._scope = scope;
    this._setJobs([]);
    this._setStatus({ ...EMPTY_STATUS });
    void this.refresh();
  }

  /**
   * Which cluster's queue (`--clusters=NAME`), or null for the server's
   * default. Changing it refetches; answers for another cluster are dropped.
   */
  get cluster(): string | null {
    return this._cluster;
  }
  set cluster(cluster: string | null) {
    if (cluster === this._cluster) {
      return;
    }
    this._cluster = cluster;
    this._setJobs([]);
    this._setStatus({ ...EMPTY_STATUS });
    void this.refresh();
  }

  /**
   * Keep polling while no view shows the queue (job notifications need
   * it); the poll still stands by while the browser tab is hidden.
   */
  get background(): boolean {
    return this._background;
  }
  set background(background: boolean) {
    if (background === this._background) {
      return;
    }
    this._background = background;
    if (background && this._enabled) {
      void this.refresh();
    }
  }

  /** The polling interval in seconds (never below `MIN_POLL_SECONDS`). */
  get pollSeconds(): number {
    return this._seconds;
  }
  set pollSeconds(seconds: number) {
    const next = clampSeconds(seconds);
    if (next !== this._seconds) {
      this._seconds = next;
      this._poll.frequency = this._frequency();
    }
  }

  /** Whether a view shows the queue; the poll stands by when none does. */
  get isActive(): boolean {
    return this._active;
  }
  set isActive(active: boolean) {
    if (active === this._active) {
      return;
    }
    this._active = active;
    // Shown again after a while: don't wait for the next tick.
    if (active && Date.now() - this._lastFetch > this._seconds * 1000) {
      void this.refresh();
    }
  }

  /** False while Slurm is unavailable: nothing is polled. */
  get enabled(): boolean {
    return this._enabled;
  }
  set enabled(enabled: boolean) {
    if (enabled === this._enabled) {
      return;
    }
    this._enabled = enabled;
    if (enabled && this._active) {
      void this.refresh();
    }
  }

  /** The `jobId`s the user selected (only ids still in the queue). */
  get selection(): ReadonlySet<string> {
    return this._selection;
  }

  /** The selected jobs, in queue order. */
  get selectedJobs(): IJob[] {
    return this._jobs.filter(job => this._selection.has(job.jobId));
  }

  /** Replace the selection (ids that are not in the queue are dropped). */
  select(jobIds: Iterable<string>): void {
    const present = new Set(this._jobs.map(job => job.jobId));
    const next = new Set([...jobIds].filter(id => present.has(id)));
    this._setSelection(next);
  }

  /**
   * Refresh, then select a job and ask the views to scroll to it
   * (`revealRequested`). A job not (yet) in the queue selects nothing.
   */
  async reveal(jobId: string): Promise<void> {
    await this.refresh();
    this.select([jobId]);
    if (this._selection.has(jobId)) {
      this._revealRequested.emit(jobId);
    }
  }

  /** A view should scroll this job (`jobId`) into sight. */
  get revealRequested(): ISignal<this, string> {
    return this._revealRequested;
  }

  /**
   * Every successful answer (even an unchanged one), with the scope and
   * cluster it answers for: what the job notifications compare.
   */
  get answered(): ISignal<this, QueueModel.IAnswer> {
    return this._answered;
  }

  get jobsChanged(): ISignal<this, readonly IJob[]> {
    return this._jobsChanged;
  }
  get statusChanged(): ISignal<this, IQueueStatus> {
    return this._statusChanged;
  }
  get selectionChanged(): ISignal<this, ReadonlySet<string>> {
    return this._selectionChanged;
  }

  /** Fetch now (even in standby) and resolve once the answer is applied. */
  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    this._forced = true;
    try {
      await this._poll.refresh();
      await this._poll.tick;
    } catch (error) {
      // Disposing the poll rejects its tick: nothing left to refresh.
      if (!this.isDisposed) {
        throw error;
      }
    }
  }

  /**
   * Run an action on jobs (their `displayId`s), then refresh at once so the
   * user sees its effect. Rejects with `HpcRequestError` for a refused request.
   */
  async act(action: JobAction, jobIds: string[]): Promise<IActionResult[]> {
    try {
      return await this._client.act(action, jobIds, this._cluster);
    } finally {
      void this.refresh();
      // Slurm takes a moment to finish some actions (a cancelled job
      // completing): look once more shortly after.
      if (this._followUp !== null) {
        clearTimeout(this._followUp);
      }
      this._followUp = setTimeout(() => {
        this._followUp = null;
        void this.refresh();
      }, FOLLOW_UP_MS);
    }
  }

  /** Every `scontrol show job` field of one job. */
  detail(jobId: string): Promise<IJobDetail> {
    return this._client.job(jobId, this._cluster);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    if (this._followUp !== null) {
      clearTimeout(this._followUp);
    }
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    this._forced = false;
    const scope = this._scope;
    const cluster = this._cluster;
    const request = ++this._requests;
    // An answer overtaken by a newer request (or a change of scope or
    // cluster) is dropped.
    const current = () =>
      !this.isDisposed &&
      scope === this._scope &&
      cluster === this._cluster &&
      request === this._requests;
    let queue: IQueue;
    try {
      queue = await this._client.queue(scope, cluster);
    } catch (error) {
      if (!current()) {
        return;
      }
      this._setStatus(failed(error, this._status));
      // Rejecting makes the poll back off while the server can't answer.
      throw error;
    }
    if (!current()) {
      return;
    }
    const received = Date.now();
    this._lastFetch = received;
    this._setJobs(queue.jobs);
    this._setStatus(answered(queue, this._status, received));
    this._answered.emit({ jobs: this._jobs, scope, cluster });
    // No point asking more often than the server itself polls Slurm.
    const serverSeconds = clampSeconds(queue.pollSeconds);
    if (serverSeconds !== this._serverSeconds) {
      this._serverSeconds = serverSeconds;
      this._poll.frequency = this._frequency();
    }
  }

  private _standby(): boolean | Poll.Standby {
    if (this._forced) {
      return false;
    }
    if (!this._enabled) {
      return true;
    }
    return this._active || this._background ? 'when-hidden' : true;
  }

  private _frequency(): IPoll.Frequency {
    const seconds = Math.max(this._seconds, this._serverSeconds);
    return { interval: seconds * 1000, backoff: true, max: 10 * 60 * 1000 };
  }

  private _setJobs(jobs: IJob[]): void {
    if (sameJobs(jobs, this._jobs)) {
      return;
    }
    this._jobs = jobs;
    this._jobsChanged.emit(jobs);
    if (this._selection.size > 0) {
      this.select(this._selection);
    }
  }

  private _setStatus(status: IQueueStatus): void {
    if (JSON.stringify(status) === JSON.stringify(this._status)) {
      return;
    }
    this._status = status;
    this._statusChanged.emit(status);
  }

  private _setSelection(next: Set<string>): void {
    const same =
      next.size === this._selection.size &&
      [...next].every(id => this._selection.has(id));
    if (same) {
      return;
    }
    this._selection = next;
    this._selectionChanged.emit(next);
  }

  private _client: SlurmClient;
  private _poll: Poll;
  private _scope: QueueScope;
  private _cluster: string | null;
  private _background = false;
  private _seconds: number;
  private _serverSeconds = 0;
  private _active: boolean;
  private _enabled = true;
  private _forced = false;
  private _lastFetch = 0;
  private _requests = 0;
  private _followUp: ReturnType<typeof setTimeout> | null = null;
  private _jobs: IJob[] = [];
  private _status: IQueueStatus = { ...EMPTY_STATUS };
  private _selection: Set<string> = new Set();
  private _isDisposed = false;
  private _jobsChanged = new Signal<this, readonly IJob[]>(this);
  private _statusChanged = new Signal<this, IQueueStatus>(this);
  private _selectionChanged = new Signal<this, ReadonlySet<string>>(this);
  private _revealRequested = new Signal<this, string>(this);
  private _answered = new Signal<this, QueueModel.IAnswer>(this);
}

export namespace QueueModel {
  export interface IOptions {
    client: SlurmClient;
    /** Seconds between polls (default 30, at least 10). */
    pollSeconds?: number;
    scope?: QueueScope;
    /** The cluster (`--clusters`), null or absent for the default one. */
    cluster?: string | null;
    /** Whether a view shows the queue from the start. */
    active?: boolean;
  }

  /** One successful answer of the poll. */
  export interface IAnswer {
    jobs: readonly IJob[];
    scope: QueueScope;
    cluster: string | null;
  }
}

function clampSeconds(seconds: number): number {
  return Number.isFinite(seconds)
    ? Math.max(MIN_POLL_SECONDS, seconds)
    : DEFAULT_POLL_SECONDS;
}
