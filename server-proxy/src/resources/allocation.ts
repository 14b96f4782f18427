/**
 * The Slurm allocation the server runs in, when it does (`SLURM_JOB_ID` in
 * its environment): the end time from `SLURM_JOB_END_TIME` (epoch seconds),
 * else from `scontrol show job -o <id>` (re-read every few minutes: an admin
 * may extend the time limit), and the seconds left.
 */
import { Executor } from '../exec';

export interface IAllocation {
  jobId: string;
  /** ISO time, or null when the job has no time limit / it is unknown. */
  endTime: string | null;
  secondsLeft: number | null;
  source: 'env' | 'scontrol' | null;
}

/** `EndTime=2026-11-23T18:30:00` of `scontrol show job -o` → epoch ms (local time, as Slurm prints). */
export function parseScontrolEndTime(text: string): number | null {
  const m =
    /(?:^|\s)EndTime=(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\s|$)/.exec(
      text
    );
  if (!m) {
    return null;
  }
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  return new Date(y, mo - 1, d, h, mi, s).getTime();
}

const JOB_ID = /^\d+(?:_\d+)?$/;

export interface IAllocationOptions {
  env: NodeJS.ProcessEnv;
  executor: Executor;
  refreshMs?: number;
  now?: () => number;
}

export class AllocationWatcher {
  constructor(options: IAllocationOptions) {
    const id = options.env.SLURM_JOB_ID?.trim();
    this._jobId = id && JOB_ID.test(id) ? id : null;
    const end = Number(options.env.SLURM_JOB_END_TIME);
    this._envEnd =
      options.env.SLURM_JOB_END_TIME && Number.isFinite(end) && end > 0
        ? end * 1000
        : null;
    this._exec = options.executor;
    this._refreshMs = options.refreshMs ?? 300_000;
    this._now = options.now ?? Date.now;
  }

  /** The allocation now; starts a background `scontrol` refresh when due. */
  get(): IAllocation | null {
    if (!this._jobId) {
      return null;
    }
    let end = this._envEnd;
    let source: IAllocation['source'] = end === null ? null : 'env';
    if (end === null) {
      if (this._now() - this._checkedAt >= this._refreshMs) {
        void this.refresh();
      }
      end = this._scontrolEnd;
      source = end === null ? null : 'scontrol';
    }
    return {
      jobId: this._jobId,
      endTime: end === null ? null : new Date(end).toISOString(),
      secondsLeft:
        end === null
          ? null
          : Math.max(0, Math.floor((end - this._now()) / 1000)),
      source
    };
  }

  /** Asks scontrol (single flight). */
  refresh(): Promise<void> {
    if (this._pending || !this._jobId) {
      return this._pending ?? Promise.resolve();
    }
    this._checkedAt = this._now();
    this._pending = this._exec
      .run('scontrol', ['show', 'job', '-o', this._jobId], {
        timeoutMs: 20_000
      })
      .then(r => {
        if (r.code === 0) {
          this._scontrolEnd = parseScontrolEndTime(r.stdout);
        }
      })
      .catch(() => undefined)
      .finally(() => {
        this._pending = null;
      });
    return this._pending;
  }

  private _jobId: string | null;
  private _envEnd: number | null;
  private _scontrolEnd: number | null = null;
  private _exec: Executor;
  private _refreshMs: number;
  private _now: () => number;
  private _checkedAt = -Infinity;
  private _pending: Promise<void> | null = null;
}
