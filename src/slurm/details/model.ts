/**
 * One job's details view state: `scontrol show job` fields, refreshed while
 * the job lives and the view is visible, and a tail per output file (one
 * when stdout and stderr are the same file).
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import { HpcRequestError } from '../../request';
import type { IJobDetail } from '../types';
import type { OutputReader, OutputStream } from './api';
import { OutputTail, TAIL_RUNNING_MS, TAIL_WAITING_MS } from './tail';

/** Seconds between two looks at the job's fields while it lives. */
export const DETAIL_REFRESH_MS = 10_000;

/** States after which a job changes no more (until a requeue). */
const FINAL_STATES = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'REVOKED',
  'SPECIAL_EXIT'
]);

/** States in which a job writes output. */
const WRITING_STATES = new Set(['RUNNING', 'COMPLETING', 'STOPPED']);

/** Whether a job in `state` has ended ("CANCELLED by 0" counts). */
export function isFinalState(state: string | null | undefined): boolean {
  return FINAL_STATES.has((state ?? '').split(' ')[0]);
}

/** Whether an output path names a file worth following. */
export function followable(path: string | null): path is string {
  return !!path && path !== '/dev/null';
}

export class JobDetailModel {
  constructor(options: JobDetailModel.IOptions) {
    this._jobId = options.jobId;
    this._load = options.load;
    this._read = options.read;
    this._poll = new Poll({
      auto: false,
      factory: () => this._fetch(),
      frequency: {
        interval: options.intervalMs ?? DETAIL_REFRESH_MS,
        backoff: true,
        max: 5 * 60_000
      },
      standby: () => (this.finished || !this._active ? true : 'when-hidden'),
      name: 'jupyterlab-hpc:slurm-job-detail'
    });
  }

  get jobId(): string {
    return this._jobId;
  }

  /** The last details Slurm gave, or null before the first answer. */
  get detail(): IJobDetail | null {
    return this._detail;
  }

  /** When `detail` was fetched (ms since the epoch), 0 before. */
  get fetchedAt(): number {
    return this._fetchedAt;
  }

  /** Why the last load failed, or null. */
  get error(): string | null {
    return this._error;
  }

  /** True once Slurm answered that it does not know the job (any more). */
  get gone(): boolean {
    return this._gone;
  }

  /** The job has ended, or Slurm forgot it: nothing more will change. */
  get finished(): boolean {
    return this._gone || isFinalState(this._detail?.state);
  }

  /** The tails: stdout, and stderr when it is another file. */
  get tails(): readonly OutputTail[] {
    return this._tails;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Whether the view is visible; polls stand by otherwise. */
  get active(): boolean {
    return this._active;
  }
  set active(active: boolean) {
    if (active === this._active) {
      return;
    }
    this._active = active;
    this._tails.forEach(tail => (tail.active = active));
    if (active && !this.finished) {
      void this._poll.refresh();
    }
  }

  /** Starts: loads the details, then follows the job. */
  start(): void {
    void this._poll.start();
  }

  /** Loads the details now (after an action, or on the user's ask). */
  async refresh(): Promise<void> {
    await this._fetch().catch(() => undefined);
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    this._tails.forEach(tail => tail.dispose());
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    let detail: IJobDetail;
    try {
      detail = await this._load(this._jobId);
    } catch (error) {
      if (this.isDisposed) {
        return;
      }
      if (error instanceof HpcRequestError && error.status === 404) {
        this._gone = true;
        this._error = error.message;
        this._followed();
        this._changed.emit();
        return;
      }
      this._error =
        error instanceof HpcRequestError ? error.message : String(error);
      this._changed.emit();
      throw error;
    }
    if (this.isDisposed) {
      return;
    }
    this._detail = detail;
    this._fetchedAt = Date.now();
    this._error = null;
    this._gone = false;
    this._ensureTails(detail);
    this._followed();
    this._changed.emit();
  }

  /** Creates the tails once Slurm named the files. */
  private _ensureTails(detail: IJobDetail): void {
    if (this._tails.length > 0) {
      return;
    }
    const streams: OutputStream[] = [];
    if (followable(detail.stdout)) {
      streams.push('stdout');
    }
    if (followable(detail.stderr) && detail.stderr !== detail.stdout) {
      streams.push('stderr');
    }
    for (const stream of streams) {
      const tail = new OutputTail({
        read: this._read,
        jobId: this._jobId,
        stream
      });
      tail.active = this._active;
      tail.changed.connect(() => this._changed.emit(), this);
      this._tails.push(tail);
      tail.start();
    }
  }

  /** Tells the tails whether the job still writes, and how often to look. */
  private _followed(): void {
    const writing = WRITING_STATES.has(this._detail?.state ?? '');
    for (const tail of this._tails) {
      tail.intervalMs = writing ? TAIL_RUNNING_MS : TAIL_WAITING_MS;
      tail.jobFinished = this.finished;
    }
  }

  private _jobId: string;
  private _load: (jobId: string) => Promise<IJobDetail>;
  private _read: OutputReader;
  private _poll: Poll;
  private _active = false;
  private _detail: IJobDetail | null = null;
  private _fetchedAt = 0;
  private _error: string | null = null;
  private _gone = false;
  private _tails: OutputTail[] = [];
  private _changed = new Signal<this, void>(this);
}

export namespace JobDetailModel {
  export interface IOptions {
    jobId: string;
    /** `GET slurm/jobs/{jobId}` (the queue model's `detail`). */
    load: (jobId: string) => Promise<IJobDetail>;
    /** `GET slurm/jobs/{jobId}/output`. */
    read: OutputReader;
    /** Milliseconds between detail refreshes (default 10 s). */
    intervalMs?: number;
  }
}
