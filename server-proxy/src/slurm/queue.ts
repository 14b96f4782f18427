/**
 * One poller per (scope, cluster), shared by every client: single flight,
 * the answer cached for the polling interval with its ETag, exponential
 * back-off while the controller fails, a quick refresh after the user's own
 * actions, and the last good jobs marked `stale` when a refresh fails.
 */
import { randomBytes } from 'node:crypto';
import { createGzip, gzipSync } from 'node:zlib';
import { Executor, lastLine, SpawnError } from '../exec';
import { Scope, squeueArgs } from './commands';
import { ROW_FIELDS, squeueRowChunks } from './parse';

/** The payload's `"fields":` part, the same for every answer. */
const FIELDS_JSON = JSON.stringify(ROW_FIELDS);

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

/**
 * gzip level of the answer, compressed once per refresh in the threadpool
 * while the rows are converted (so it adds little time): 4 sends a fifth
 * fewer bytes than 1 (B9).
 */
const GZIP_LEVEL = 4;

/**
 * Rows converted at a time: the threadpool gzips one part while the main
 * thread converts the next (a 50,000-job queue is 50 parts; small parts also die young, which
 * spares the garbage collector).
 */
const PART_ROWS = 1_000;

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
    let fresh: { body: string; gzip: Buffer } | undefined;
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
        this._fetchedAt = new Date().toISOString();
        fresh = await this._convert(run.stdout);
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
    const sent =
      fresh ??
      (this._rows === null
        ? { body: JSON.stringify({ error }), gzip: undefined }
        : { body: this._body(error), gzip: undefined });
    // The ETag names a version of the answer less fetchedAt and the running
    // clocks (timeUsedSec): a queue where nothing but time moved keeps it
    // (304); clients tick elapsed times themselves from the answer they
    // hold. Comparing the rows' JSON with the last answer's costs less than
    // hashing it (B1 in DESIGN.md).
    const meta = `${error?.code}\x00${error?.message}\x00${this._o.pollSeconds}`;
    if (
      !sameParts(this._rows, this._versionRows) ||
      meta !== this._versionMeta
    ) {
      this._version++;
      this._versionRows = this._rows;
      this._versionMeta = meta;
    }
    this._answer = {
      status: this._rows === null ? 503 : 200,
      body: sent.body,
      gzip: sent.gzip ?? gzipSync(sent.body, { level: GZIP_LEVEL }),
      etag: `"${this._nonce}-${this._version.toString(36)}"`
    };
    return this._answer;
  }

  /**
   * squeue's answer into the payload, part by part: each part's JSON goes
   * to the gzip stream (compressed in the threadpool) while the next part
   * is converted, so that gzip costs next to no time of its own (B1).
   */
  private async _convert(
    stdout: string
  ): Promise<{ body: string; gzip: Buffer }> {
    const gzip = createGzip({ level: GZIP_LEVEL, chunkSize: 1 << 20 });
    const out: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => out.push(chunk));
    const ended = new Promise<void>((resolve, reject) => {
      gzip.on('end', resolve);
      gzip.on('error', reject);
    });
    const written = (text: string) =>
      new Promise<void>((resolve, reject) =>
        gzip.write(text, e => (e ? reject(e) : resolve()))
      );
    const parts: string[] = [];
    const times: number[] = [];
    let previous = written(this._head());
    for (const part of squeueRowChunks(stdout, PART_ROWS)) {
      const json = JSON.stringify(part.rows).slice(1, -1);
      for (const t of part.timeUsedSec) {
        times.push(t);
      }
      // Waiting for the last part lets its compression complete; this one
      // is compressed while the next one is converted.
      await previous;
      previous = written(parts.length === 0 ? json : `,${json}`);
      parts.push(json);
    }
    await previous;
    this._rows = parts;
    this._times = JSON.stringify(times);
    const tail = this._tail();
    gzip.end(tail);
    await ended;
    return {
      body: `${this._head()}${parts.join(',')}${tail}`,
      gzip: Buffer.concat(out)
    };
  }

  /** The answer up to its rows. */
  private _head(): string {
    return `{"fields":${FIELDS_JSON},"rows":[`;
  }

  /** The answer after its rows: the clocks, the cluster, its freshness. */
  private _tail(error?: { code: string; message: string }): string {
    const cluster = this._o.cluster
      ? `"cluster":${JSON.stringify(this._o.cluster)},`
      : '';
    const rest = JSON.stringify({
      fetchedAt: this._fetchedAt,
      stale: !!error,
      ...(error ? { error } : {}),
      pollSeconds: this._o.pollSeconds
    }).slice(1);
    return `],"timeUsedSec":${this._times},${cluster}${rest}`;
  }

  /** The whole answer from the last good rows (a failed refresh: stale). */
  private _body(error?: { code: string; message: string }): string {
    return `${this._head()}${(this._rows ?? []).join(',')}${this._tail(error)}`;
  }

  /**
   * The last good rows (the JSON of each part, without brackets) and
   * clocks (JSON); null before squeue ever answered.
   */
  private _rows: string[] | null = null;
  private _times = '[]';
  /** Answers of this poller are versions `${_nonce}-${_version}`. */
  private readonly _nonce = randomBytes(6).toString('base64url');
  private _version = 0;
  private _versionRows: string[] | null = null;
  private _versionMeta = '';
  private _fetchedAt: string | null = null;
  private _answer: IQueueAnswer | null = null;
  private _pending: Promise<IQueueAnswer> | null = null;
  private _nextAt = 0;
  private _burstUntil = 0;
  private _failures = 0;
  private _runs = 0;
}

/** Whether two answers' row parts are the same text. */
function sameParts(a: string[] | null, b: string[] | null): boolean {
  if (a === b) {
    return true;
  }
  if (a === null || b === null || a.length !== b.length) {
    return false;
  }
  return a.every((part, i) => part === b[i]);
}
