/**
 * One poller per (scope, cluster), shared by every client: single flight,
 * the answer cached for the polling interval with its ETag, exponential
 * back-off while the controller fails, a quick refresh after the user's own
 * actions, and the last good jobs marked `stale` when a refresh fails.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Executor, lastLine, SpawnError } from '../exec';
import { Scope, squeueArgs } from './commands';
import { IJob, parseSqueue } from './parse';

export interface IQueueAnswer {
  /** 200 with data (possibly stale), 503 when squeue never answered. */
  status: 200 | 503;
  body: string;
  /** `body` gzipped once per refresh (not per request). */
  gzip: Buffer;
  etag: string;
}

export interface IQueueOptions {
  executor: Executor;
  scope: Scope;
  cluster?: string;
  pollSeconds: number;
  /** Ceiling of the back-off while squeue fails. */
  maxBackoffSeconds?: number;
  timeoutMs?: number;
}

/** Turns a failed squeue into the error clients see. */
export function squeueError(message: string): {
  code: string;
  message: string;
} {
  return /Unable to contact slurm controller|Socket timed out|Zero Bytes|timed out/i.test(
    message
  )
    ? {
        code: 'SLURM_CONTROLLER_DOWN',
        message: `The Slurm controller is not answering: ${message}`
      }
    : { code: 'SLURM_UNAVAILABLE', message };
}

/** After the user's own action: how long answers stay fresh, and for how long. */
const AFTER_ACTION_MS = 2_000;
const BURST_MS = 15_000;

export class QueuePoller {
  constructor(private readonly _o: IQueueOptions) {}

  /** How many times squeue ran (for tests and benchmarks). */
  get runs(): number {
    return this._runs;
  }

  /** The current answer, refreshed when older than the interval. */
  get(): Promise<IQueueAnswer> {
    if (this._pending) {
      return this._pending;
    }
    if (this._answer && Date.now() < this._nextAt) {
      return Promise.resolve(this._answer);
    }
    this._pending = this._refresh().finally(() => {
      this._pending = null;
    });
    return this._pending;
  }

  /** The user acted: the next `get` asks squeue again (still single flight). */
  invalidate(): void {
    if (this._failures === 0) {
      this._nextAt = 0;
      // Slurm takes a few seconds to settle (a cancelled job is COMPLETING
      // for KillWait): answers stay fresh for AFTER_ACTION_MS for a while.
      this._burstUntil = Date.now() + BURST_MS;
    }
  }

  private async _refresh(): Promise<IQueueAnswer> {
    const interval = this._o.pollSeconds * 1000;
    this._runs++;
    let error: { code: string; message: string } | undefined;
    try {
      const run = await this._o.executor.run(
        'squeue',
        squeueArgs(this._o.scope, this._o.cluster),
        { timeoutMs: this._o.timeoutMs ?? 30_000, maxOutputBytes: 256 << 20 }
      );
      if (run.timedOut) {
        error = {
          code: 'SLURM_TIMEOUT',
          message: 'squeue did not answer in time'
        };
      } else if (run.code !== 0 || run.truncated) {
        error = squeueError(
          lastLine(run) || `squeue exited with status ${run.code}`
        );
      } else {
        this._jobs = parseSqueue(run.stdout, this._o.cluster);
        this._fetchedAt = new Date().toISOString();
      }
    } catch (e) {
      error = {
        code: 'SLURM_UNAVAILABLE',
        message: e instanceof SpawnError ? e.message : String(e)
      };
    }
    if (error) {
      this._failures++;
      const backoff = Math.min(
        interval * 2 ** this._failures,
        (this._o.maxBackoffSeconds ?? 300) * 1000
      );
      this._nextAt = Date.now() + Math.max(backoff, interval);
    } else {
      this._failures = 0;
      const now = Date.now();
      this._nextAt =
        now +
        (now < this._burstUntil
          ? Math.min(AFTER_ACTION_MS, interval)
          : interval);
    }
    const body = JSON.stringify({
      jobs: this._jobs ?? [],
      fetchedAt: this._fetchedAt,
      stale: !!error,
      ...(error ? { error } : {}),
      pollSeconds: this._o.pollSeconds
    });
    const sent =
      this._jobs === null && error ? JSON.stringify({ error }) : body;
    this._answer = {
      status: this._jobs === null ? 503 : 200,
      body: sent,
      gzip: gzipSync(sent, { level: 4 }),
      // Not over fetchedAt nor the running clocks (timeUsedSec): a queue
      // where nothing but time moved keeps its ETag (304); clients tick
      // elapsed times themselves from the answer they hold.
      // One pass over the body (not a second serialisation): the running
      // clocks' `"timeUsedSec":N,` can't occur inside a JSON string, where
      // quotes are escaped.
      etag: `"${createHash('sha1')
        .update(
          body.replace(/"fetchedAt":("[^"]*"|null),|"timeUsedSec":\d+,/g, '')
        )
        .digest('base64url')}"`
    };
    return this._answer;
  }

  private _jobs: IJob[] | null = null;
  private _fetchedAt: string | null = null;
  private _answer: IQueueAnswer | null = null;
  private _pending: Promise<IQueueAnswer> | null = null;
  private _nextAt = 0;
  private _burstUntil = 0;
  private _failures = 0;
  private _runs = 0;
}
