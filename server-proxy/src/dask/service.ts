/**
 * The Dask feature's registry: clusters created here (local processes or
 * Slurm jobs, through an injected backend per kind) and clusters adopted by
 * scheduler file or address. Each cluster has a directory under a per-user
 * state directory; at start-up every record found there is reconciled
 * (watched again, or stopped, per `dask.onRestart`), so a crash of the
 * server never leaves a cluster nobody can see. See API.md, "Dask".
 */
import { writeFileSync } from 'node:fs';
import type { IHpcConfig } from '../config';
import { errors, HpcError } from '../errors';
import { Executor, SpawnError } from '../exec';
import { ClusterEntry, IClusterTimings } from './cluster';
import { LocalDaskBackend } from './local';
import {
  checkReachable,
  IAdoptRequest,
  locateScheduler,
  schedulerNote
} from './adopt';
import {
  ICreateRequest,
  checkAdapt,
  checkWorkers,
  normalizeSpec
} from './spec';
import {
  defaultStateDir,
  ensureStateDir,
  makeClusterDir,
  newClusterId,
  newRecord,
  readRecords,
  removeClusterDir,
  removeStaleSchedulerFile,
  writeRecord
} from './state';
import type {
  IAdapt,
  ICluster,
  IClusterPreview,
  IClusterRecord,
  IClusterSample,
  IDaskBackend
} from './types';

/** The backends by kind; `slurm` is absent where Slurm isn't wired in. */
export interface IDaskBackends {
  local: IDaskBackend;
  slurm?: IDaskBackend | null;
}

export interface IDaskServiceOptions {
  executor: Executor;
  config: IHpcConfig;
  /** Default: `{local: new LocalDaskBackend(executor, config.dask)}`. */
  backends?: Partial<IDaskBackends>;
  /** Overrides `dask.stateDir` and its default (tests). */
  stateDir?: string;
  timings?: Partial<IClusterTimings>;
  log?: (level: 'info' | 'warn', message: string) => void;
}

/** The body of `PATCH api/dask/clusters/{id}`. */
export type IPatchRequest = { workers: number } | { adapt: IAdapt | null };

export class DaskService {
  constructor(options: IDaskServiceOptions) {
    this._config = options.config;
    this._backends = {
      local:
        options.backends?.local ??
        new LocalDaskBackend(options.executor, options.config.dask),
      slurm: options.backends?.slurm ?? null
    };
    this._stateDir =
      options.stateDir ?? options.config.dask.stateDir ?? defaultStateDir();
    this._log = options.log ?? (() => undefined);
    this._timings = {
      pollMs: 2000,
      fastPollMs: 500,
      startGraceMs: 30_000,
      scaleGraceMs: 60_000,
      lostAfterPolls: 3,
      adaptCooldownMs: 10_000,
      adaptDownAfterMs: 30_000,
      jobsMs: Math.max(10, options.config.slurm.minPollSeconds) * 1000,
      ...options.timings
    };
  }

  get stateDir(): string {
    return this._stateDir;
  }

  /**
   * Checks the state directory and reconciles every record in it: a cluster
   * still alive is watched again (`onRestart: "adopt"`) or stopped
   * (`"cancel"`); a dead one has its stale scheduler file removed, anything
   * left of it stopped, and is dropped. External clusters are watched again.
   */
  async init(limitMs = 5000): Promise<void> {
    try {
      ensureStateDir(this._stateDir);
    } catch (e) {
      this._stateError = (e as Error).message;
      this._log('warn', this._stateError);
      return;
    }
    let found: ReturnType<typeof readRecords>;
    try {
      found = readRecords(this._stateDir);
    } catch (e) {
      // The server starts anyway: Slurm, the meter... don't need Dask.
      this._stateError = `The Dask state directory ${this._stateDir} cannot be read: ${(e as Error).message}`;
      this._log('warn', this._stateError);
      return;
    }
    for (const s of found.skipped) {
      this._log('warn', `Dask state: left ${s.dir} alone: ${s.reason}`);
    }
    // Bounded: a Slurm controller that doesn't answer must not hold up the
    // server's start; those clusters are listed once their check is done.
    const work = Promise.all(found.records.map(r => this._reconcile(r)));
    this._track(work);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      work,
      new Promise(r => (timer = setTimeout(r, limitMs)))
    ]);
    clearTimeout(timer);
  }

  list(): ICluster[] {
    return [...this._entries.values()]
      .filter(e => e.status !== 'stopped')
      .map(e => e.view())
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  get(id: string): ICluster {
    return this._entry(id).view();
  }

  metrics(id: string, seconds: number): IClusterSample[] {
    return this._entry(id).samples.since(seconds);
  }

  /** For the dashboard proxy: where cluster `id`'s dashboard listens. */
  dashboardTarget(id: string): { host: string; port: number } | null {
    return this._entries.get(id)?.dashboard ?? null;
  }

  /** The commands (job scripts) a create request would run. */
  preview(body: ICreateRequest): IClusterPreview {
    const id = newClusterId();
    const spec = normalizeSpec(
      body,
      this._config.dask,
      `dask-${id.slice(0, 6)}`
    );
    const backend = this._backend(body.backend);
    return backend.preview(
      newRecord(this._stateDir, id, spec.backend, spec.name, spec)
    );
  }

  /** Creates a cluster: answers at once ("starting"), starts it behind. */
  async create(body: ICreateRequest): Promise<ICluster> {
    const id = newClusterId();
    const spec = normalizeSpec(
      body,
      this._config.dask,
      `dask-${id.slice(0, 6)}`
    );
    const backend = this._backend(body.backend);
    this._checkState();
    const record = newRecord(this._stateDir, id, spec.backend, spec.name, spec);
    makeClusterDir(this._stateDir, id);
    writeRecord(record);
    const entry = this._add(record, backend);
    void entry
      .run(() => backend.start(record))
      .then(
        () => {
          this._save(record);
          entry.watch();
        },
        e => {
          this._save(record);
          void entry.fail(
            e instanceof SpawnError ? 'SPAWN_FAILED' : 'START_FAILED',
            e instanceof SpawnError
              ? `The Dask scheduler or worker command could not be started (${e.message}): check dask.python, dask.schedulerCommand and dask.workerCommand in the server's configuration.`
              : `The cluster could not be started: ${(e as Error).message}`
          );
        }
      );
    return entry.view();
  }

  /** Adopts a cluster started elsewhere: watched, never scaled or stopped. */
  async adopt(body: IAdoptRequest): Promise<ICluster> {
    this._checkState();
    const target = await locateScheduler(body);
    const twin = this.list().find(c => c.schedulerAddress === target.address);
    if (twin) {
      throw errors.conflict(
        `This scheduler (${target.address}) is already listed as cluster ${twin.id}.`,
        'ALREADY_LISTED'
      );
    }
    await checkReachable(target.dashboard);
    const id = newClusterId();
    makeClusterDir(this._stateDir, id);
    const { host, port } = target.dashboard;
    const name = body.name ?? `adopted ${host}:${port}`;
    const record = newRecord(this._stateDir, id, 'external', name, undefined);
    if (target.schedulerFile) {
      record.schedulerFile = target.schedulerFile;
    } else {
      writeFileSync(record.schedulerFile, schedulerNote(target), {
        mode: 0o600
      });
    }
    writeRecord(record);
    const entry = this._add(record, null);
    await entry.refresh();
    entry.watch();
    return entry.view();
  }

  /** Scales (`workers`) or sets adaptivity (`adapt`, null turns it off). */
  async patch(id: string, body: IPatchRequest): Promise<ICluster> {
    const entry = this._entry(id);
    if ('workers' in body) {
      checkWorkers(body.workers, this._config.dask.maxWorkers);
      try {
        await entry.scale(body.workers);
      } catch (e) {
        if (e instanceof HpcError) {
          throw e;
        }
        throw errors.commandFailed(
          `Scaling to ${body.workers} workers failed: ${(e as Error).message}`,
          'SCALE_FAILED'
        );
      }
    } else {
      if (body.adapt) {
        checkAdapt(body.adapt, this._config.dask.maxWorkers);
      }
      entry.setAdapt(body.adapt);
    }
    return entry.view();
  }

  /**
   * Shuts a cluster down (scheduler first, then every worker or job) and
   * forgets it; an external cluster is only forgotten.
   */
  async remove(id: string): Promise<void> {
    const entry = this._entry(id);
    let stopping = this._stopping.get(id);
    if (!stopping) {
      stopping = this._stop(entry).finally(() => this._stopping.delete(id));
      this._stopping.set(id, stopping);
    }
    await stopping;
  }

  /**
   * The server is closing: local clusters are stopped (they are children of
   * this session); Slurm clusters keep running and are reconciled at the
   * next start; external ones are left alone.
   */
  async shutdown(limitMs = 12_000): Promise<void> {
    this._closing = true;
    const stops: Promise<void>[] = [];
    for (const entry of this._entries.values()) {
      if (entry.record.backend === 'local' && entry.status !== 'stopped') {
        stops.push(this.remove(entry.id).catch(() => undefined));
      } else {
        entry.dispose();
      }
    }
    // Bounded (main.ts exits after 15 s): what is left then keeps its
    // record and is reconciled at the next start.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...stops, ...this._background]),
      new Promise(r => (timer = setTimeout(r, limitMs)))
    ]);
    clearTimeout(timer);
    this.dispose();
  }

  /** Stops watching; every process and job is left as it is. */
  dispose(): void {
    this._closing = true;
    for (const entry of this._entries.values()) {
      entry.dispose();
    }
  }

  private async _stop(entry: ClusterEntry): Promise<void> {
    try {
      await entry.stop();
    } catch (e) {
      await entry.fail(
        'STOP_FAILED',
        `The cluster could not be shut down completely: ${(e as Error).message}`
      );
      throw errors.commandFailed(
        `The cluster could not be shut down completely: ${(e as Error).message}. Try again.`,
        'STOP_FAILED'
      );
    }
    if (entry.record.backend !== 'external') {
      removeStaleSchedulerFile(entry.record);
    }
    removeClusterDir(entry.record);
    this._entries.delete(entry.id);
  }

  private async _reconcile(record: IClusterRecord): Promise<void> {
    if (record.backend === 'external') {
      this._add(record, null).watch();
      return;
    }
    const backend = this._backends[record.backend];
    if (!backend) {
      this._log(
        'warn',
        `Dask state: cluster ${record.id} runs on ${record.backend}, which this server has no backend for: left alone`
      );
      return;
    }
    let alive = false;
    try {
      alive = await backend.alive(record);
    } catch (e) {
      this._log('warn', `Dask state: cluster ${record.id}: ${e}; left alone`);
      return;
    }
    if (alive && this._config.dask.onRestart === 'adopt') {
      const entry = this._add(record, backend);
      entry.resumed();
      entry.watch();
      this._log('info', `Dask: watching cluster ${record.id} again`);
      return;
    }
    if (alive) {
      this._log(
        'info',
        `Dask: stopping cluster ${record.id} (dask.onRestart: cancel)`
      );
      this._add(record, backend); // listed as stopping meanwhile
      this._track(this.remove(record.id));
      return;
    }
    // Dead: its scheduler file is stale; whatever is left of it must go.
    removeStaleSchedulerFile(record);
    this._track(backend.stop(record).then(() => removeClusterDir(record)));
  }

  private _track(work: Promise<unknown>): void {
    const done = work.then(
      () => undefined,
      e => this._log('warn', `Dask state: ${e}`)
    );
    this._background.add(done);
    void done.finally(() => this._background.delete(done));
  }

  private _add(
    record: IClusterRecord,
    backend: IDaskBackend | null
  ): ClusterEntry {
    const entry = new ClusterEntry(record, {
      backend,
      maxWorkers: this._config.dask.maxWorkers,
      timings: this._timings,
      save: r => this._save(r),
      log: this._log
    });
    this._entries.set(record.id, entry);
    return entry;
  }

  private _save(record: IClusterRecord): void {
    try {
      writeRecord(record);
    } catch (e) {
      this._log(
        'warn',
        `Dask state: cannot write ${record.dir}/cluster.json: ${e}`
      );
    }
  }

  private _backend(kind: 'local' | 'slurm'): IDaskBackend {
    const backend = this._backends[kind];
    if (!backend) {
      throw errors.unavailable(
        'Dask clusters on Slurm are not available on this server (no Slurm backend is set up): start a local cluster, or ask your site to enable Slurm.',
        'DASK_UNAVAILABLE'
      );
    }
    return backend;
  }

  private _checkState(): void {
    if (this._closing) {
      throw errors.unavailable('The server is shutting down.', 'SHUTTING_DOWN');
    }
    if (this._stateError) {
      throw errors.unavailable(this._stateError, 'DASK_STATE_DIR');
    }
  }

  private _entry(id: string): ClusterEntry {
    const entry = this._entries.get(id);
    if (!entry || entry.status === 'stopped') {
      throw errors.notFound(
        `There is no Dask cluster ${id} (it may have been shut down): reload the list.`,
        'UNKNOWN_CLUSTER'
      );
    }
    return entry;
  }

  private _config: IHpcConfig;
  private _backends: { local: IDaskBackend; slurm: IDaskBackend | null };
  private _stateDir: string;
  private _stateError: string | null = null;
  private _log: (level: 'info' | 'warn', message: string) => void;
  private _timings: IClusterTimings;
  private _entries = new Map<string, ClusterEntry>();
  private _stopping = new Map<string, Promise<void>>();
  private _background = new Set<Promise<void>>();
  private _closing = false;
}
