/**
 * The one place where the server runs commands (DESIGN.md, "Rules the server
 * never breaks"): argument arrays and never a shell, an environment built from
 * an allow-list, a timeout that kills the whole process group, bounded output
 * and a concurrency limit. Everything else calls `Executor.run`.
 */
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/**
 * Variables passed through to commands. Everything else is dropped, which
 * strips `SQUEUE_*`, `SLURM_TIME_FORMAT`, `SLURM_CLUSTERS`, `SBATCH_*` and the
 * job-context `SLURM_*` of a Jupyter server that itself runs inside a job.
 * `SLURM_CONF` is kept: sites use it to point clients at their controller.
 */
const ALLOWED_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'SLURM_CONF'
];
const ALLOWED_ENV_PREFIXES = ['LC_'];

/** Builds a command environment from `source` keeping only allowed names. */
export function cleanEnv(
  source: NodeJS.ProcessEnv,
  extra: Record<string, string> = {}
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) {
      continue;
    }
    if (
      ALLOWED_ENV.includes(name) ||
      ALLOWED_ENV_PREFIXES.some(p => name.startsWith(p))
    ) {
      env[name] = value;
    }
  }
  return { ...env, ...extra };
}

/** Finds an executable the way `execvp` would, without running anything. */
export function which(
  command: string,
  path = process.env.PATH ?? ''
): string | null {
  const candidates = isAbsolute(command)
    ? [command]
    : command.includes('/')
      ? []
      : path
          .split(delimiter)
          .filter(Boolean)
          .map(dir => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here: try the next directory
    }
  }
  return null;
}

export interface IRunOptions {
  /** Kill the process group after this many milliseconds. */
  timeoutMs?: number;
  /** Keep at most this many bytes of each stream (the rest is drained). */
  maxOutputBytes?: number;
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  cwd?: string;
  /** Variables added to the allow-listed environment. */
  env?: Record<string, string>;
  /** Aborting kills the process group, like a timeout. */
  signal?: AbortSignal;
  /**
   * Called with stdout's text as it arrives (UTF-8 decoded across chunk
   * boundaries), before the command ends: a caller may start on the output
   * while the command still writes it. The result's `stdout` is unchanged.
   */
  onStdout?: (text: string) => void;
  /** The same for stderr (progress that commands like git write there). */
  onStderr?: (text: string) => void;
  /** Also keep stdout's bytes as they came (`stdoutBytes`): images, blobs. */
  binary?: boolean;
}

export interface IRunResult {
  command: string;
  args: string[];
  /** Exit code, or null when the process was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** stdout's raw bytes, only when the command ran with `binary: true`. */
  stdoutBytes?: Buffer;
  stderr: string;
  /** True when some output was dropped because of `maxOutputBytes`. */
  truncated: boolean;
  timedOut: boolean;
  durationMs: number;
}

export interface IStreamHandlers {
  /** Each complete line of stdout, without its newline. */
  onLine(line: string): void;
  /** Once, when the process has exited (or could not start: `error`). */
  onExit(exit: {
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
    error?: SpawnError;
  }): void;
}

export interface IStreamHandle {
  pid: number | undefined;
  /** Kills the process group (SIGKILL); `onExit` follows. */
  stop(): void;
}

export interface IDaemonOptions {
  /** Receives the daemon's stdout and stderr (appended; created 0600). */
  logFile: string;
  cwd?: string;
  /** Variables added to the allow-listed environment. */
  env?: Record<string, string>;
}

export interface IDaemon {
  /** Its pid, also its process group's id. */
  pid: number;
  /** Resolves when it exits (only while this server is its parent). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Raised when the command could not be started at all (ENOENT, EACCES). */
export class SpawnError extends Error {
  constructor(
    readonly command: string,
    readonly errno: string,
    message: string
  ) {
    super(message);
    this.name = 'SpawnError';
  }
}

export interface IExecutorOptions {
  maxConcurrent?: number;
  defaultTimeoutMs?: number;
  defaultMaxOutputBytes?: number;
  /** The environment the allow-list is applied to (default: process.env). */
  baseEnv?: NodeJS.ProcessEnv;
  /** Grace period between SIGTERM and SIGKILL of a timed-out group. */
  killGraceMs?: number;
}

/**
 * Runs commands with a concurrency limit. Every process is the leader of its
 * own process group so that a timeout (or `dispose`) kills its children too.
 */
export class Executor {
  constructor(options: IExecutorOptions = {}) {
    this._maxConcurrent = options.maxConcurrent ?? 8;
    this._defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
    this._defaultMaxOutputBytes = options.defaultMaxOutputBytes ?? 16 << 20;
    this._baseEnv = options.baseEnv ?? process.env;
    this._killGraceMs = options.killGraceMs ?? 2_000;
  }

  /** Commands running now. */
  get running(): number {
    return this._running;
  }

  /** Commands waiting for a slot. */
  get queued(): number {
    return this._queue.length;
  }

  /** The PATH commands are looked up in. */
  get path(): string {
    return this._baseEnv.PATH ?? '';
  }

  /** Resolves a command name against the commands' PATH. */
  which(command: string): string | null {
    return which(command, this.path);
  }

  /**
   * Runs `command` with `args` (never through a shell). Resolves with the exit
   * status whatever it is; rejects with `SpawnError` only when the command
   * could not be started.
   */
  async run(
    command: string,
    args: readonly string[],
    options: IRunOptions = {}
  ): Promise<IRunResult> {
    if (this._disposed) {
      throw new SpawnError(command, 'EDISPOSED', 'the server is shutting down');
    }
    await this._acquire();
    try {
      // dispose() releases the queue: a waiter must not start its command then.
      if (this._disposed) {
        throw new SpawnError(
          command,
          'EDISPOSED',
          'the server is shutting down'
        );
      }
      return await this._spawn(command, [...args], options);
    } finally {
      this._release();
    }
  }

  /**
   * Starts a long-lived command whose stdout is read line by line (e.g.
   * `nvidia-smi ... -lms 1000`). Same rules as `run`: no shell, the
   * allow-listed environment, its own process group (killed whole by `stop`,
   * by `dispose`, or when a line grows past `maxLineBytes`). It does not take
   * a `run` slot: it would hold one for ever.
   */
  stream(
    command: string,
    args: readonly string[],
    handlers: IStreamHandlers,
    options: { env?: Record<string, string>; maxLineBytes?: number } = {}
  ): IStreamHandle {
    if (this._disposed) {
      throw new SpawnError(command, 'EDISPOSED', 'the server is shutting down');
    }
    const maxLine = options.maxLineBytes ?? 1 << 20;
    const child = spawn(command, [...args], {
      shell: false,
      detached: true,
      env: cleanEnv(this._baseEnv, options.env),
      stdio: ['ignore', 'pipe', 'pipe']
    });
    const pid = child.pid;
    if (pid !== undefined) {
      this._pids.add(pid);
    }
    let closed = false;
    let partial = '';
    const err = new BoundedBuffer(64 << 10);
    const stop = (): void => {
      if (pid !== undefined && !closed) {
        killGroup(pid, 'SIGKILL');
      }
    };
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      if (partial.length > maxLine) {
        partial = '';
        stop();
      }
      for (const line of lines) {
        handlers.onLine(line.replace(/\r$/, ''));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (e: NodeJS.ErrnoException) => {
      closed = true;
      if (pid !== undefined) {
        this._pids.delete(pid);
      }
      handlers.onExit({
        code: null,
        signal: null,
        stderr: err.text(),
        error: new SpawnError(
          command,
          e.code ?? 'EUNKNOWN',
          e.code === 'ENOENT'
            ? `${command}: command not found`
            : `${command}: ${e.message}`
        )
      });
    });
    child.on('close', (code, signal) => {
      if (closed) {
        return;
      }
      closed = true;
      if (pid !== undefined) {
        this._pids.delete(pid);
      }
      if (partial) {
        handlers.onLine(partial);
      }
      handlers.onExit({ code, signal, stderr: err.text() });
    });
    return { pid, stop };
  }

  /**
   * Starts a long-lived daemon (a Dask scheduler or worker): no shell, the
   * allow-listed environment plus `env`, its own process group, stdout and
   * stderr appended to `logFile`, stdin closed. Unlike `run` and `stream`,
   * `dispose` does not kill it: daemons must outlive an orderly or crashed
   * server when the caller's policy says so, and the caller stops them
   * (`signalGroup`). Resolves once it runs; rejects with `SpawnError` when it
   * can't be started.
   */
  daemon(
    command: string,
    args: readonly string[],
    options: IDaemonOptions
  ): Promise<IDaemon> {
    if (this._disposed) {
      return Promise.reject(
        new SpawnError(command, 'EDISPOSED', 'the server is shutting down')
      );
    }
    let log: number;
    try {
      log = openSync(options.logFile, 'a', 0o600);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<IDaemon>((resolve, reject) => {
      let child;
      try {
        child = spawn(command, [...args], {
          shell: false,
          detached: true,
          cwd: options.cwd,
          env: cleanEnv(this._baseEnv, options.env),
          stdio: ['ignore', log, log]
        });
      } finally {
        closeSync(log); // the child holds its own copy
      }
      const exited = new Promise<{
        code: number | null;
        signal: NodeJS.Signals | null;
      }>(done => child.once('exit', (code, signal) => done({ code, signal })));
      child.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new SpawnError(
            command,
            e.code ?? 'EUNKNOWN',
            e.code === 'ENOENT'
              ? `${command}: command not found`
              : `${command}: ${e.message}`
          )
        )
      );
      child.once('spawn', () => {
        child.unref(); // the server may exit while it runs
        resolve({ pid: child.pid as number, exited });
      });
    });
  }

  /** Kills every running process group; later `run` calls fail. */
  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    for (const pid of this._pids) {
      killGroup(pid, 'SIGKILL');
    }
    for (const waiter of this._queue.splice(0)) {
      waiter();
    }
  }

  private _spawn(
    command: string,
    args: string[],
    options: IRunOptions
  ): Promise<IRunResult> {
    const started = Date.now();
    const limit = options.maxOutputBytes ?? this._defaultMaxOutputBytes;
    const timeoutMs = options.timeoutMs ?? this._defaultTimeoutMs;
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        shell: false,
        detached: true, // own process group: a timeout kills the whole tree
        cwd: options.cwd,
        env: cleanEnv(this._baseEnv, options.env),
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
      });
      const out = new BoundedBuffer(limit);
      const err = new BoundedBuffer(limit);
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;
      let closed = false;
      const kill = (): void => {
        // Not `exitCode`: a leader that exited may leave children in its
        // group holding the pipes open; until 'close' the group is ours.
        if (child.pid === undefined || closed) {
          return;
        }
        killGroup(child.pid, 'SIGTERM');
        killTimer = setTimeout(
          () => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'),
          this._killGraceMs
        );
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, timeoutMs);
      const onAbort = (): void => kill();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (child.pid !== undefined) {
        this._pids.add(child.pid);
      }
      const decoder = options.onStdout ? new StringDecoder('utf8') : null;
      child.stdout?.on('data', (chunk: Buffer) => {
        out.push(chunk);
        if (decoder && !out.truncated) {
          options.onStdout?.(decoder.write(chunk));
        }
      });
      const errDecoder = options.onStderr ? new StringDecoder('utf8') : null;
      child.stderr?.on('data', (chunk: Buffer) => {
        err.push(chunk);
        if (errDecoder) {
          options.onStderr?.(errDecoder.write(chunk));
        }
      });
      if (options.input !== undefined && child.stdin) {
        // A command that exits without reading its input closes the pipe.
        child.stdin.on('error', () => undefined);
        child.stdin.end(options.input);
      }
      const cleanup = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (child.pid !== undefined) {
          this._pids.delete(child.pid);
        }
      };
      child.on('error', (e: NodeJS.ErrnoException) => {
        cleanup();
        clearTimeout(killTimer);
        reject(
          new SpawnError(
            command,
            e.code ?? 'EUNKNOWN',
            e.code === 'ENOENT'
              ? `${command}: command not found`
              : `${command}: ${e.message}`
          )
        );
      });
      child.on('close', (code, signal) => {
        closed = true;
        if (decoder && !out.truncated) {
          const rest = decoder.end();
          if (rest) {
            options.onStdout?.(rest);
          }
        }
        cleanup();
        clearTimeout(killTimer);
        resolve({
          command,
          args,
          code,
          signal,
          stdout: out.text(),
          ...(options.binary ? { stdoutBytes: out.bytes() } : {}),
          stderr: err.text(),
          truncated: out.truncated || err.truncated,
          timedOut,
          durationMs: Date.now() - started
        });
      });
    });
  }

  private _acquire(): Promise<void> {
    if (this._running < this._maxConcurrent) {
      this._running++;
      return Promise.resolve();
    }
    return new Promise(resolve =>
      this._queue.push(() => {
        this._running++;
        resolve();
      })
    );
  }

  private _release(): void {
    this._running--;
    const next = this._queue.shift();
    if (next) {
      next();
    }
  }

  private _maxConcurrent: number;
  private _defaultTimeoutMs: number;
  private _defaultMaxOutputBytes: number;
  private _baseEnv: NodeJS.ProcessEnv;
  private _killGraceMs: number;
  private _running = 0;
  private _queue: Array<() => void> = [];
  private _pids = new Set<number>();
  private _disposed = false;
}

/** Signals a process group; the group may already be gone. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  signalGroup(pid, signal);
}

/**
 * Sends `signal` to the process group `pgid` (signal 0 only asks whether any
 * process of it is left). False when no process of the group exists.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) {
    return false; // -1 and -0 would mean every process / our own group
  }
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    // EPERM: it exists but is not ours (a reused id): not ours to signal.
    return (e as NodeJS.ErrnoException).code === 'EPERM' && signal === 0;
  }
}

/** Collects a stream up to a byte limit and drains (drops) the rest. */
class BoundedBuffer {
  constructor(private readonly _limit: number) {}

  truncated = false;

  push(chunk: Buffer): void {
    const room = this._limit - this._size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.truncated ||= kept.length < chunk.length;
    this._chunks.push(kept);
    this._size += kept.length;
  }

  text(): string {
    return this.bytes().toString('utf8');
  }

  bytes(): Buffer {
    return Buffer.concat(this._chunks);
  }

  private _chunks: Buffer[] = [];
  private _size = 0;
}

/** The last non-empty line of a command's stderr (else stdout), for messages. */
export function lastLine(
  result: Pick<IRunResult, 'stdout' | 'stderr'>
): string {
  const nonEmpty = (text: string): string[] =>
    text
      .split('\n')
      .map(l => l.trim())
      .filter(Boolean);
  const err = nonEmpty(result.stderr);
  return (err.length ? err : nonEmpty(result.stdout)).pop() ?? '';
}
