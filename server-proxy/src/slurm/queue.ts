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
import { RECORD, ROW_FIELDS, squeueRowChunks } from './parse';

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
    // squeue's records are converted as they arrive, while squeue still
    // writes the rest (it streams for half of its run on a big queue: B1).
    const rows = new RowStream(this._head());
    try {
      const run = await this._o.executor.run(
        'squeue',
        squeueArgs(this._o.scope, this._o.cluster),
        {
          timeoutMs: this._o.timeoutMs ?? 30_000,
          maxOutputBytes: 256 << 20,
          onStdout: text => rows.feed(text)
        }
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
        const done = await rows.finish(run.stdout);
        this._rows = done.parts;
        this._times = JSON.stringify(done.times);
        fresh = await done.end(this._tail());
      }
    } catch (e) {
      error = {
        code: 'SLURM_UNAVAILABLE',
        message: e instanceof SpawnError ? e.message : String(e)
      };
    }
    if (!fresh) {
      rows.abandon();
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

/**
 * squeue's text into the payload's rows as it arrives: complete records are
 * converted part by part and each part's JSON goes to a gzip stream, which
 * compresses in the threadpool while the next part is converted, so neither
 * the conversion nor gzip waits for squeue to finish (B1).
 */
class RowStream {
  constructor(head: string) {
    this._gzip = createGzip({ level: GZIP_LEVEL, chunkSize: 1 << 20 });
    this._gzip.on('data', (chunk: Buffer) => this._out.push(chunk));
    this._ended = new Promise<void>((resolve, reject) => {
      this._gzip.on('end', resolve);
      this._gzip.on('error', reject);
    });
    // An abandoned stream's error is nobody's business.
    this._ended.catch(() => undefined);
    this._write(head);
  }

  /** More of squeue's stdout. */
  feed(text: string): void {
    if (this._failure !== null) {
      return;
    }
    this._fed = true;
    this._pending += text;
    const last = this._pending.lastIndexOf(RECORD);
    if (last < 0) {
      return;
    }
    const complete = this._pending.slice(0, last + 1);
    this._pending = this._pending.slice(last + 1);
    this._convert(complete);
  }

  /**
   * squeue ended well: convert what is left (all of `stdout` when nothing
   * came as a stream); the rows and their clocks.
   */
  async finish(stdout: string): Promise<{
    parts: string[];
    times: number[];
    end: (tail: string) => Promise<{ body: string; gzip: Buffer }>;
  }> {
    if (!this._fed) {
      this.feed(stdout);
    }
    if (this._pending.trim() !== '') {
      this._convert(this._pending);
    }
    this._pending = '';
    if (this._failure !== null) {
      throw this._failure;
    }
    await this._written;
    return {
      parts: this._parts,
      times: this._times,
      end: async (tail: string) => {
        this._gzip.end(tail);
        await this._ended;
        return {
          body: `${this._head}${this._parts.join(',')}${tail}`,
          gzip: Buffer.concat(this._out)
        };
      }
    };
  }

  /** squeue failed: drop everything. */
  abandon(): void {
    this._failure ??= new Error('abandoned');
    this._gzip.destroy();
  }

  private _convert(text: string): void {
    try {
      for (const part of squeueRowChunks(text, PART_ROWS)) {
        const json = JSON.stringify(part.rows).slice(1, -1);
        if (json === '') {
          continue;
        }
        for (const t of part.timeUsedSec) {
          this._times.push(t);
        }
        this._write(this._parts.length === 0 ? json : `,${json}`);
        this._parts.push(json);
      }
    } catch (e) {
      this._failure = e instanceof Error ? e : new Error(String(e));
    }
  }

  /** Queue a write; the next part is converted while this one compresses. */
  private _write(text: string): void {
    if (this._head === '') {
      this._head = text;
    }
    this._written = this._written.then(
      () =>
        new Promise<void>((resolve, reject) =>
          this._gzip.write(text, e => (e ? reject(e) : resolve()))
        )
    );
    this._written.catch(e => {
      this._failure ??= e instanceof Error ? e : new Error(String(e));
    });
  }

  private _gzip: ReturnType<typeof createGzip>;
  private _out: Buffer[] = [];
  private _ended: Promise<void>;
  private _written: Promise<void> = Promise.resolve();
  private _head = '';
  private _pending = '';
  private _fed = false;
  private _parts: string[] = [];
  private _times: number[] = [];
  private _failure: Error | null = null;
}
