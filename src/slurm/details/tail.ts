/**
 * Following a job's output file: reads from the last offset the server gave
 * (`X-Next-Offset`), keeps only the end of the text (so a chatty job never
 * fills the page), and stops once the job has ended and the file is read to
 * its end. Polled with `@lumino/polling`, idle while nobody looks.
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import { HpcRequestError } from '../../request';
import type { OutputReader, OutputStream } from './api';

/** Characters of output kept in the page: the end of the file. */
export const TAIL_KEEP_CHARS = 256 * 1024;
/** Seconds between reads while the job runs, and while it waits. */
export const TAIL_RUNNING_MS = 3000;
export const TAIL_WAITING_MS = 10000;
/** Reads in one tick when the file grew by more than a chunk. */
const CATCH_UP_READS = 8;

/** What a tail shows. */
export interface ITailState {
  /** The end of the output, at most `keepChars` characters. */
  text: string;
  /** Byte offset of the next read. */
  offset: number;
  /** True when the beginning of the file is not shown. */
  truncated: boolean;
  /** The file's absolute path, once the server named it. */
  path: string | null;
  /** True once a read succeeded (the file exists, maybe empty). */
  opened: boolean;
  /** Why the file cannot be read yet (404 OUTPUT_NOT_READABLE), or null. */
  missing: string | null;
  /** The last failure of another kind (server down...), or null. */
  error: string | null;
  /** True once everything was read after the job ended: no more reads. */
  done: boolean;
}

const INITIAL: ITailState = {
  text: '',
  offset: 0,
  truncated: false,
  path: null,
  opened: false,
  missing: null,
  error: null,
  done: false
};

/** The outcome of one read. */
export type StepResult = 'more' | 'idle' | 'done';

/** Appends `chunk` to `text`, keeping at most `keep` characters. */
export function boundedAppend(
  text: string,
  chunk: string,
  keep: number
): { text: string; trimmed: boolean } {
  const all = text + chunk;
  if (all.length <= keep) {
    return { text: all, trimmed: false };
  }
  const cut = all.length - keep;
  // Start at a line if one begins soon after the cut: no half line on top.
  const newline = all.indexOf('\n', cut);
  const start = newline >= 0 && newline - cut < 1024 ? newline + 1 : cut;
  return { text: all.slice(start), trimmed: true };
}

export class OutputTail {
  constructor(options: OutputTail.IOptions) {
    this._read = options.read;
    this._jobId = options.jobId;
    this._stream = options.stream;
    this._keep = options.keepChars ?? TAIL_KEEP_CHARS;
    this._poll = new Poll({
      auto: false,
      factory: () => this._tick(),
      frequency: this._frequency(options.intervalMs ?? TAIL_RUNNING_MS),
      standby: () => (this._state.done || !this._active ? true : 'when-hidden'),
      name: `jupyterlab-hpc:slurm-output-${options.stream}`
    });
  }

  get stream(): OutputStream {
    return this._stream;
  }

  get state(): ITailState {
    return this._state;
  }

  get changed(): ISignal<this, ITailState> {
    return this._changed;
  }

  /** Whether the tail is on screen; reads stand by otherwise. */
  get active(): boolean {
    return this._active;
  }
  set active(active: boolean) {
    if (active === this._active) {
      return;
    }
    this._active = active;
    if (active && !this._state.done) {
      void this._poll.refresh();
    }
  }

  /**
   * Set when the job has ended: the next read that finds nothing new (or a
   * file that will never come) ends the tail.
   */
  get jobFinished(): boolean {
    return this._jobFinished;
  }
  set jobFinished(finished: boolean) {
    if (finished === this._jobFinished) {
      return;
    }
    this._jobFinished = finished;
    if (!finished && this._state.done) {
      // Requeued: the job writes again.
      this._set({ done: false });
    }
    if (this._active && !this._poll.isDisposed) {
      void this._poll.refresh();
    }
  }

  /** Milliseconds between reads. */
  set intervalMs(ms: number) {
    this._poll.frequency = this._frequency(ms);
  }

  /** Starts following (the first read happens at once when active). */
  start(): void {
    void this._poll.start();
  }

  /**
   * One read from the current offset. The first read of a file longer than
   * what is kept jumps to its end. Rejects for failures other than a file
   * that is not there (so the poll backs off).
   */
  async step(): Promise<StepResult> {
    if (this._state.done) {
      return 'done';
    }
    const offset = this._state.offset;
    let chunk;
    try {
      chunk = await this._read(this._jobId, this._stream, offset);
    } catch (error) {
      return this._failed(error);
    }
    if (this.isDisposed) {
      return 'done';
    }
    const size = chunk.size ?? chunk.nextOffset;
    // A long file read from its start: skip to the part that is kept.
    // (`keep` characters are at least `keep` bytes.)
    if (offset === 0 && !this._state.text && size - offset > this._keep * 2) {
      this._set({
        offset: size - this._keep,
        truncated: true,
        path: chunk.path,
        opened: true,
        missing: null,
        error: null
      });
      this._midLine = true;
      return 'more';
    }
    let incoming = chunk.text;
    if (this._midLine && incoming) {
      // Jumped into the middle of a line (or of a character): start at
      // the next line when there is one soon.
      const newline = incoming.indexOf('\n');
      if (newline >= 0 && newline < 1024) {
        incoming = incoming.slice(newline + 1);
      }
      this._midLine = false;
    }
    const { text, trimmed } = boundedAppend(
      this._state.text,
      incoming,
      this._keep
    );
    const finished = this._jobFinished && chunk.nextOffset >= size;
    this._set({
      text,
      offset: chunk.nextOffset,
      truncated: this._state.truncated || trimmed,
      path: chunk.path ?? this._state.path,
      opened: true,
      missing: null,
      error: null,
      done: finished && chunk.text === ''
    });
    if (this._state.done) {
      return 'done';
    }
    return chunk.nextOffset < size ? 'more' : 'idle';
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    Signal.clearData(this);
  }

  private _failed(error: unknown): StepResult {
    if (!(error instanceof HpcRequestError)) {
      throw error;
    }
    if (error.status === 404) {
      // Not written yet (pending, or the job never wrote): look again
      // later, unless the job ended or Slurm no longer knows it.
      const never =
        this._jobFinished ||
        error.code === 'NO_OUTPUT' ||
        error.code === 'JOB_NOT_FOUND';
      this._set({ missing: error.message, error: null, done: never });
      return never ? 'done' : 'idle';
    }
    this._set({ error: error.message });
    throw error;
  }

  private async _tick(): Promise<void> {
    for (let i = 0; i < CATCH_UP_READS; i++) {
      if ((await this.step()) !== 'more') {
        return;
      }
    }
  }

  private _frequency(ms: number) {
    return { interval: ms, backoff: true, max: 60_000 };
  }

  private _set(change: Partial<ITailState>): void {
    const next = { ...this._state, ...change };
    const keys = Object.keys(next) as (keyof ITailState)[];
    if (keys.every(key => next[key] === this._state[key])) {
      return;
    }
    this._state = next;
    this._changed.emit(next);
  }

  private _read: OutputReader;
  private _jobId: string;
  private _stream: OutputStream;
  private _keep: number;
  private _poll: Poll;
  private _active = false;
  private _jobFinished = false;
  private _midLine = false;
  private _state: ITailState = INITIAL;
  private _changed = new Signal<this, ITailState>(this);
}

export namespace OutputTail {
  export interface IOptions {
    read: OutputReader;
    jobId: string;
    stream: OutputStream;
    /** Characters kept (default `TAIL_KEEP_CHARS`). */
    keepChars?: number;
    /** Milliseconds between reads (default `TAIL_RUNNING_MS`). */
    intervalMs?: number;
  }
}
