/**
 * One cluster of the registry: its record, its status and what its scheduler
 * last said. A poll loop reads the scheduler file, then `/health`,
 * `/json/identity.json`, `/json/counts.json` (and `/individual-plots.json`
 * once, `/metrics` when it has the forgotten-tasks counter) and drives the
 * status: starting → running (see `_poll`), scaling → running, failed when
 * the scheduler never starts or is lost. Scaling, adapting and stopping are
 * serialised per cluster.
 */
import { errors } from '../errors';
import { AdaptPolicy } from './adapt';
import type {
  ClusterStatus,
  IAdapt,
  ICluster,
  IClusterError,
  IClusterJob,
  IClusterRecord,
  IClusterWorker,
  IDaskBackend
} from './types';
import {
  ICounts,
  ISchedulerInfo,
  MetricsRing,
  readSchedulerFile,
  SchedulerReader,
  tasksFrom,
  totals,
  workerIndex,
  workersFrom
} from './observe';
import { healthy, retireWorkers } from './scheduler-http';

/** Timings (tests shorten them). */
export interface IClusterTimings {
  /** Poll interval while running. */
  pollMs: number;
  /** Poll interval while starting, scaling or stopping. */
  fastPollMs: number;
  /** After the scheduler answers, running even if workers are missing. */
  startGraceMs: number;
  /** Scaling becomes running after this even if the count differs. */
  scaleGraceMs: number;
  /** Failed polls (with the scheduler gone) before SCHEDULER_LOST. */
  lostAfterPolls: number;
  /** Adapt: no new scaling before this since the last one. */
  adaptCooldownMs: number;
  /** Adapt: scale down only after the target stayed lower this long. */
  adaptDownAfterMs: number;
  /** Slurm job states are read at most this often. */
  jobsMs: number;
}

export interface IClusterContext {
  /** Null for an external (adopted) cluster. */
  backend: IDaskBackend | null;
  maxWorkers: number;
  timings: IClusterTimings;
  save(record: IClusterRecord): void;
  log(level: 'info' | 'warn', message: string): void;
}

export class ClusterEntry {
  constructor(
    readonly record: IClusterRecord,
    private readonly _ctx: IClusterContext,
    status: ClusterStatus = 'starting'
  ) {
    this._status = status;
    this._adaptPolicy = new AdaptPolicy(_ctx.timings);
  }

  get id(): string {
    return this.record.id;
  }

  get status(): ClusterStatus {
    return this._status;
  }

  /** Where the dashboard proxy should go, once known. */
  get dashboard(): { host: string; port: number } | null {
    return this._info?.dashboard ?? null;
  }

  get samples(): MetricsRing {
    return this._ring;
  }

  /** Runs `fn` in this cluster's queue (the backend's start). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return this._serial(fn);
  }

  /** One poll now (an adoption answers with what the scheduler says). */
  refresh(): Promise<void> {
    return this._poll();
  }

  /** Watched again after a restart: running from the first good poll. */
  resumed(): void {
    this._upSince = 0;
  }

  /** Starts the poll loop (idempotent). */
  watch(): void {
    if (!this._timer && !this._disposed) {
      this._schedule(0);
    }
  }

  /** Stops the poll loop; processes and jobs are left as they are. */
  dispose(): void {
    this._disposed = true;
    clearTimeout(this._timer);
    this._timer = undefined;
  }

  /** Marks the cluster failed (status, error with the log's last lines). */
  async fail(code: string, message: string): Promise<void> {
    if (this._status === 'failed' || this._status === 'stopped') {
      return;
    }
    this._status = 'failed';
    const error: IClusterError = { code, message };
    const backend = this._ctx.backend;
    if (backend) {
      const log = await backend.logTail(this.record, 20).catch(() => []);
      if (log.length) {
        error.log = log;
      }
    }
    this._error = error;
    this._ctx.log('warn', `cluster ${this.id} failed: ${code}: ${message}`);
    // Nothing may stay behind: workers or jobs of a lost scheduler too.
    if (backend) {
      void this._serial(() => backend.stop(this.record)).catch(e =>
        this._ctx.log('warn', `cluster ${this.id}: stop after failure: ${e}`)
      );
    }
  }

  /** Scales to `n` workers (manual scaling turns adapt off). */
  async scale(n: number): Promise<void> {
    this._checkScalable();
    this.record.adapt = null;
    await this._serial(() => this._scaleTo(n));
  }

  /** Turns adaptivity on (a range) or off (null). */
  setAdapt(adapt: IAdapt | null): void {
    this._checkScalable();
    this.record.adapt = adapt;
    this._adaptPolicy.reset();
    this._ctx.save(this.record);
  }

  /** Stops everything (backend clusters); resolves when all is gone. */
  async stop(): Promise<void> {
    const backend = this._ctx.backend;
    this._status = 'stopping';
    this._error = undefined;
    if (backend) {
      await this._serial(() => backend.stop(this.record));
    }
    this._status = 'stopped';
    this.dispose();
  }

  /** The API's view. */
  view(): ICluster {
    const r = this.record;
    const sums = totals(this._workers);
    const external = r.backend === 'external';
    return {
      id: r.id,
      name: r.name,
      backend: r.backend,
      status: this._status,
      schedulerAddress: this._info?.address ?? null,
      // An address-adopted cluster's file is our own note, not the user's.
      schedulerFile:
        external && r.schedulerFile.startsWith(`${r.dir}/`)
          ? null
          : r.schedulerFile,
      dashboardPath: this._info?.dashboard ? `dask/${r.id}/dashboard/` : null,
      plots: this._plots,
      workers: {
        requested: external ? this._workers.length : r.requested,
        connected: this._workers.length
      },
      adapt: r.adapt,
      ...sums,
      tasks: tasksFrom(this._counts),
      workerList: this._workers,
      ...(this._jobs ? { jobs: this._jobs } : {}),
      ...(r.spec ? { spec: r.spec } : {}),
      createdAt: r.createdAt,
      ...(this._error ? { error: this._error } : {})
    };
  }

  /** Runs `fn` after every earlier operation of this cluster. */
  private _serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this._queue.then(fn, fn);
    this._queue = run.then(
      () => undefined,
      () => undefined
    );
    return run;
  }

  private _checkScalable(): void {
    if (this.record.backend === 'external') {
      throw errors.conflict(
        'This cluster was started elsewhere and adopted: it can only be watched, not scaled. Scale it where it was started.',
        'EXTERNAL_CLUSTER'
      );
    }
    if (!['starting', 'running', 'scaling'].includes(this._status)) {
      throw errors.conflict(
        `The cluster is ${this._status}: only a starting or running cluster can be scaled. Start a new one.`,
        'CLUSTER_NOT_RUNNING'
      );
    }
  }

  private async _scaleTo(n: number): Promise<void> {
    const backend = this._ctx.backend;
    if (
      !backend ||
      !['starting', 'running', 'scaling'].includes(this._status)
    ) {
      return;
    }
    const current = this._workers;
    if (n < this.record.requested && this._info?.dashboard) {
      // Move their data first; the backend then ends their processes/jobs
      // (a nanny would restart a retired worker on 2022.12).
      const leaving = current.filter(
        w => (workerIndex(this.record, w.name) ?? -1) >= n
      );
      if (
        !(await retireWorkers(
          this._info.dashboard,
          leaving.map(w => w.address)
        ))
      ) {
        this._ctx.log(
          'warn',
          `cluster ${this.id}: retire_workers failed; stopping them anyway`
        );
      }
    }
    if (this._status !== 'starting') {
      this._status = 'scaling';
    }
    this._scaledAt = Date.now();
    try {
      await backend.scale(this.record, n, current);
    } finally {
      this.record.requested = n;
      this._ctx.save(this.record);
    }
  }

  private _schedule(ms: number): void {
    this._timer = setTimeout(() => {
      void this._poll()
        .catch(e =>
          this._ctx.log('warn', `cluster ${this.id}: poll failed: ${e}`)
        )
        .finally(() => {
          if (
            this._disposed ||
            this._status === 'failed' ||
            this._status === 'stopped'
          ) {
            this._timer = undefined;
            return;
          }
          const fast = this._status !== 'running';
          this._schedule(
            fast ? this._ctx.timings.fastPollMs : this._ctx.timings.pollMs
          );
        });
    }, ms);
    this._timer.unref?.();
  }

  /**
   * One look at the scheduler. Starting becomes running once the scheduler
   * answers and the requested workers have connected, or `startGraceMs`
   * after it first answered (workers that never come, Slurm jobs still
   * pending: the cluster is usable, and the counts show what is missing).
   */
  private async _poll(): Promise<void> {
    if (!['starting', 'running', 'scaling'].includes(this._status)) {
      return;
    }
    const t = this._ctx.timings;
    const now = Date.now();
    this._info ??= readSchedulerFile(this.record.schedulerFile);
    const dashboard = this._info?.dashboard ?? null;
    const up = dashboard !== null && (await healthy(dashboard));
    await this._readJobs(now);
    if (!up) {
      await this._notAnswering();
      return;
    }
    this._failures = 0;
    const read = await this._reader.read(dashboard);
    this._plots = read.plots;
    this._workers = workersFrom(read.identity, this.record);
    this._counts = read.counts;
    this._ring.record(now, this._workers, read.counts, read.finished);
    const connected = this._workers.length;
    const requested = this.record.requested;
    this._upSince ??= now;
    if (
      this._status === 'starting' &&
      (connected >= requested || now - this._upSince >= t.startGraceMs)
    ) {
      this._status = 'running';
    } else if (
      this._status === 'scaling' &&
      (connected === requested || now - this._scaledAt >= t.scaleGraceMs)
    ) {
      this._status = 'running';
    }
    if (this._status === 'running' && this.record.adapt) {
      await this._adapt(now, read.counts);
    }
  }

  /** The scheduler does not answer (yet, or any more). */
  private async _notAnswering(): Promise<void> {
    const backend = this._ctx.backend;
    if (this._status === 'starting' && backend) {
      if ((await this._alive(backend)) === false) {
        await this.fail(
          'SCHEDULER_FAILED',
          this._info
            ? 'The Dask scheduler stopped while starting: see the last lines of its log.'
            : 'The Dask scheduler exited before it started listening: see the last lines of its log.'
        );
      }
      return;
    }
    this._failures++;
    // Read the file again next time: a restarted scheduler has a new port.
    this._info = null;
    if (this._failures < this._ctx.timings.lostAfterPolls) {
      return;
    }
    if (!backend || (await this._alive(backend)) === false) {
      await this.fail(
        'SCHEDULER_LOST',
        backend
          ? 'The Dask scheduler is gone (it exited or was killed): its workers stop by themselves; start a new cluster.'
          : 'The adopted scheduler no longer answers: it was shut down or is unreachable. Remove it from the list.'
      );
    }
  }

  /**
   * `backend.alive`, at most every `jobsMs` except for local clusters (a
   * look at /proc; Slurm's asks squeue); null when not asked this time.
   */
  private async _alive(backend: IDaskBackend): Promise<boolean | null> {
    const now = Date.now();
    if (
      this.record.backend !== 'local' &&
      now - this._aliveAt < this._ctx.timings.jobsMs
    ) {
      return null;
    }
    this._aliveAt = now;
    return backend.alive(this.record);
  }

  private async _readJobs(now: number): Promise<void> {
    const backend = this._ctx.backend;
    if (!backend?.jobs || now - this._jobsAt < this._ctx.timings.jobsMs) {
      return;
    }
    this._jobsAt = now;
    try {
      this._jobs = await backend.jobs(this.record);
    } catch (e) {
      this._ctx.log('warn', `cluster ${this.id}: job states: ${e}`);
    }
  }

  /** Adaptivity: see adapt.ts. */
  private async _adapt(now: number, counts: ICounts): Promise<void> {
    const target = this._adaptPolicy.step({
      now,
      desired: counts.desired_workers,
      requested: this.record.requested,
      range: this.record.adapt as IAdapt,
      maxWorkers: this._ctx.maxWorkers,
      scaledAt: this._scaledAt
    });
    if (target !== null) {
      this._ctx.log(
        'info',
        `cluster ${this.id}: adapting ${this.record.requested} → ${target} workers`
      );
      await this._serial(() => this._scaleTo(target));
    }
  }

  private _status: ClusterStatus;
  private _error: IClusterError | undefined;
  private _info: ISchedulerInfo | null = null;
  private _plots: Record<string, string> = {};
  private _workers: IClusterWorker[] = [];
  private _counts: ICounts = {};
  private _jobs: IClusterJob[] | null = null;
  private _jobsAt = 0;
  private _aliveAt = 0;
  private _reader = new SchedulerReader();
  private _ring = new MetricsRing();
  private _adaptPolicy: AdaptPolicy;
  private _failures = 0;
  private _upSince: number | null = null;
  private _scaledAt = 0;
  private _queue: Promise<void> = Promise.resolve();
  private _timer: NodeJS.Timeout | undefined;
  private _disposed = false;
}
