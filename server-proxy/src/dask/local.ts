/**
 * The local backend: a Dask scheduler and its workers as daemons on this
 * machine (Executor.daemon: no shell, allow-listed environment, each its own
 * process group, output to a log in the cluster's directory). They are not
 * the server's to kill when it exits: the service decides (dask-anchors §7.1).
 */
import { mkdirSync, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import type { IHpcConfig } from '../config';
import { Executor, signalGroup } from '../exec';
import type {
  IClusterPreview,
  IClusterRecord,
  IClusterWorker,
  IDaskBackend
} from './types';
import { daskMemory } from './units';
import { ownGroup, processesWith, runsWith, stopGroups, until } from './procs';

/** The scheduler's HTTP routes: the defaults plus the API (retire_workers). */
export const SCHEDULER_HTTP_ROUTES = [
  'distributed.http.scheduler.prometheus',
  'distributed.http.scheduler.info',
  'distributed.http.scheduler.json',
  'distributed.http.health',
  'distributed.http.proxy',
  'distributed.http.statics',
  'distributed.http.scheduler.api'
];

/** The environment of schedulers and workers (added to the allow-list). */
export function daskEnv(): Record<string, string> {
  return {
    DASK_DISTRIBUTED__SCHEDULER__HTTP__ROUTES: JSON.stringify(
      SCHEDULER_HTTP_ROUTES
    )
  };
}

/** `host:port` for Dask's address options (IPv6 in brackets). */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface ILocalOptions {
  /** Between SIGTERM and SIGKILL of a group, and to wait for the scheduler. */
  graceMs?: number;
}

export class LocalDaskBackend implements IDaskBackend {
  constructor(
    private readonly _executor: Executor,
    private readonly _config: IHpcConfig['dask'],
    options: ILocalOptions = {}
  ) {
    this._graceMs = options.graceMs ?? 10_000;
  }

  /** The scheduler's argv. */
  schedulerArgv(record: IClusterRecord): string[] {
    const host = this._config.host;
    return [
      ...(this._config.schedulerCommand ?? [
        this._config.python,
        '-m',
        'distributed.cli.dask_scheduler'
      ]),
      '--host',
      host,
      '--port',
      '0',
      '--dashboard-address',
      hostPort(host, 0),
      '--scheduler-file',
      record.schedulerFile,
      '--pid-file',
      join(record.dir, 'scheduler.pid')
    ];
  }

  /** Worker `n`'s argv (named `<id>-w<n>`). */
  workerArgv(record: IClusterRecord, n: number): string[] {
    const spec = record.spec;
    const host = this._config.host;
    return [
      ...(this._config.workerCommand ?? [
        this._config.python,
        '-m',
        'distributed.cli.dask_worker'
      ]),
      '--scheduler-file',
      record.schedulerFile,
      '--name',
      `${record.id}-w${n}`,
      '--nthreads',
      String(spec?.threadsPerWorker ?? 1),
      ...(spec?.memoryPerWorkerBytes
        ? ['--memory-limit', daskMemory(spec.memoryPerWorkerBytes)]
        : []),
      '--nanny',
      '--death-timeout',
      String(this._config.deathTimeoutSeconds),
      '--local-directory',
      join(record.dir, 'workers'),
      '--host',
      host,
      '--dashboard-address',
      hostPort(host, 0)
    ];
  }

  preview(record: IClusterRecord): IClusterPreview {
    return {
      scheduler: { argv: this.schedulerArgv(record) },
      worker: { argv: this.workerArgv(record, 0) }
    };
  }

  async start(record: IClusterRecord): Promise<void> {
    mkdirSync(join(record.dir, 'workers'), { recursive: true, mode: 0o700 });
    const [command, ...args] = this.schedulerArgv(record);
    const scheduler = await this._executor.daemon(command, args, {
      logFile: join(record.dir, 'scheduler.log'),
      cwd: record.dir,
      env: daskEnv()
    });
    record.schedulerPid = scheduler.pid;
    record.workerPids = [];
    // Workers wait for the scheduler file themselves (bounded by
    // --death-timeout): starting them now saves the scheduler's start-up.
    await this._grow(record, record.requested);
  }

  async scale(
    record: IClusterRecord,
    n: number,
    _current: IClusterWorker[]
  ): Promise<void> {
    const pids = record.workerPids ?? [];
    // A worker whose whole group died (its nanny killed too) is replaced.
    for (let i = 0; i < Math.min(n, pids.length); i++) {
      if (!ownGroup(pids[i], record.schedulerFile)) {
        pids[i] = await this._spawnWorker(record, i);
      }
    }
    if (n > pids.length) {
      await this._grow(record, n);
      return;
    }
    // The newest first: worker i is `<id>-w<i>`, the service retired those.
    const leaving = pids.splice(n);
    record.workerPids = pids;
    await stopGroups(leaving, record.schedulerFile, this._graceMs);
  }

  async stop(record: IClusterRecord): Promise<void> {
    const marker = record.schedulerFile;
    const scheduler = record.schedulerPid;
    if (scheduler && ownGroup(scheduler, marker)) {
      // A closing scheduler closes its workers too (dask-anchors §7.4).
      signalGroup(scheduler, 'SIGTERM');
      await until(() => !ownGroup(scheduler, marker), this._graceMs);
    }
    await stopGroups(
      [...(scheduler ? [scheduler] : []), ...(record.workerPids ?? [])],
      marker,
      this._graceMs
    );
    // A worker whose pid was never recorded (a crash between spawn and
    // write): found by its command line.
    const strays = processesWith(marker);
    for (const pid of strays) {
      signalGroup(pid, 'SIGKILL');
      try {
        process.kill(pid, 'SIGKILL'); // not a group leader
      } catch {
        // gone with its group
      }
    }
    if (!(await until(() => !processesWith(marker).length, this._graceMs))) {
      throw new Error(
        `processes of cluster ${record.id} are still running after SIGKILL`
      );
    }
  }

  async alive(record: IClusterRecord): Promise<boolean> {
    return runsWith(record.schedulerPid, record.schedulerFile);
  }

  async logTail(record: IClusterRecord, lines: number): Promise<string[]> {
    return tailFile(join(record.dir, 'scheduler.log'), lines);
  }

  /** Starts workers `record.workerPids.length .. n-1`. */
  private async _grow(record: IClusterRecord, n: number): Promise<void> {
    const pids = record.workerPids ?? [];
    record.workerPids = pids;
    for (let i = pids.length; i < n; i++) {
      pids.push(await this._spawnWorker(record, i));
    }
  }

  private async _spawnWorker(
    record: IClusterRecord,
    i: number
  ): Promise<number> {
    const [command, ...args] = this.workerArgv(record, i);
    const worker = await this._executor.daemon(command, args, {
      logFile: join(record.dir, `worker-${i}.log`),
      cwd: record.dir,
      env: daskEnv()
    });
    return worker.pid;
  }

  private _graceMs: number;
}

/** The last `lines` non-empty lines of a file (its last 64 KiB), or []. */
export function tailFile(path: string, lines: number): string[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 << 10);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer
      .toString('utf8')
      .split('\n')
      .map(l => l.trimEnd())
      .filter(Boolean)
      .slice(-lines);
  } finally {
    closeSync(fd);
  }
}
