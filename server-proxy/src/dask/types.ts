/**
 * The Dask cluster feature's shared shapes: what the HTTP API returns
 * (`ICluster`), what a create request asks for (`IClusterSpec`), what is kept
 * on disk per cluster (`IClusterRecord`) and what a backend (local processes
 * or Slurm jobs) must do (`IDaskBackend`). The service owns the registry, the
 * state directory, the scheduler watcher and adaptivity; backends only start,
 * scale and stop processes or jobs.
 */

export type ClusterBackend = 'local' | 'slurm' | 'external';

export type ClusterStatus =
  'starting' | 'running' | 'scaling' | 'stopping' | 'stopped' | 'failed';

/** A create request after validation (units normalised). */
export interface IClusterSpec {
  backend: 'local' | 'slurm';
  name: string;
  /** Workers to start with (0 allowed with `adapt`). */
  workers: number;
  threadsPerWorker: number;
  /** Per worker, bytes (Dask's --memory-limit; Slurm's --mem is derived). */
  memoryPerWorkerBytes: number | null;
  /** Slurm only: seconds of walltime per job. */
  walltimeSeconds: number | null;
  partition: string | null;
  account: string | null;
  adapt: IAdapt | null;
}

export interface IAdapt {
  minimum: number;
  maximum: number;
}

/** One Slurm job of a cluster, as squeue last saw it. */
export interface IClusterJob {
  jobId: string;
  role: 'scheduler' | 'worker';
  /** Slurm's state (PENDING, RUNNING, ...) or GONE once it left the queue. */
  state: string;
  /** Slurm's reason while PENDING (Priority, Resources, ...). */
  reason?: string;
  /** The Dask worker this job runs, once it has connected. */
  workerName?: string;
}

/** One connected worker, from the scheduler's /json/identity.json. */
export interface IClusterWorker {
  name: string;
  address: string;
  nthreads: number;
  memoryLimitBytes: number | null;
  memoryBytes: number | null;
  cpuPercent: number | null;
  executing: number;
  /** The Slurm job running it (slurm backend). */
  jobId?: string;
}

export interface IClusterError {
  /** e.g. SCHEDULER_FAILED, SPAWN_FAILED, SBATCH_FAILED, SCHEDULER_LOST. */
  code: string;
  /** A sentence saying what went wrong and what to do. */
  message: string;
  /** The last lines of the scheduler's (or a worker's) log, when useful. */
  log?: string[];
}

/** What the HTTP API returns for a cluster. */
export interface ICluster {
  id: string;
  name: string;
  backend: ClusterBackend;
  status: ClusterStatus;
  /** `tcp://host:port` once the scheduler file is there, else null. */
  schedulerAddress: string | null;
  /** Absolute path of the scheduler file (for `Client(scheduler_file=...)`). */
  schedulerFile: string | null;
  /** `dask/{id}/dashboard/` relative to the API base, null until known. */
  dashboardPath: string | null;
  /** Bokeh plots (`individual-plots.json`), `{}` when Bokeh is absent. */
  plots: Record<string, string>;
  workers: { requested: number; connected: number };
  adapt: IAdapt | null;
  /** Total threads and memory limit of the connected workers. */
  threads: number;
  memoryBytes: number;
  /** Memory the workers use now. */
  memoryUsedBytes: number;
  tasks: { processing: number; waiting: number; memory: number; erred: number };
  workerList: IClusterWorker[];
  /** Slurm backend: the scheduler job and the worker jobs. */
  jobs?: IClusterJob[];
  /** The request it was started with (absent for adopted clusters). */
  spec?: IClusterSpec;
  createdAt: string;
  error?: IClusterError;
}

/** One metrics sample for the charts (taken while the scheduler is up). */
export interface IClusterSample {
  /** Epoch milliseconds. */
  time: number;
  workers: number;
  threads: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  /** Tasks being computed now. */
  processing: number;
  /** Tasks waiting for dependencies or a worker. */
  queued: number;
  /** Tasks finished per second since the previous sample. */
  tasksPerSecond: number;
}

/**
 * What is kept on disk (`<stateDir>/<id>/cluster.json`): enough to find the
 * cluster's processes or jobs again after the server was killed.
 */
export interface IClusterRecord {
  version: 1;
  id: string;
  name: string;
  backend: ClusterBackend;
  spec?: IClusterSpec;
  /** Its own directory (scheduler file, logs, local directories). */
  dir: string;
  schedulerFile: string;
  /** Local backend: pids (each a process-group leader). */
  schedulerPid?: number;
  workerPids?: number[];
  /** Slurm backend: job ids. */
  schedulerJobId?: string;
  workerJobIds?: string[];
  requested: number;
  adapt: IAdapt | null;
  createdAt: string;
  /** The user's uid that started it (a shared state dir is refused). */
  uid: number;
}

/** The generated commands / job scripts, shown to the user before starting. */
export interface IClusterPreview {
  scheduler: { argv: string[]; script?: string };
  worker: { argv: string[]; script?: string };
}

/**
 * A way of running a cluster's scheduler and workers. Methods update the
 * record they are given (pids, job ids); the service writes it to disk.
 */
export interface IDaskBackend {
  /** The exact commands (and for Slurm the job scripts) `start` would use. */
  preview(record: IClusterRecord): IClusterPreview;
  /** Starts the scheduler and `record.requested` workers. */
  start(record: IClusterRecord): Promise<void>;
  /**
   * Starts workers up to `n` or stops the newest down to `n` (the service has
   * already asked the scheduler to retire those, moving their data, when the
   * scheduler's HTTP API allows); their processes/jobs must end either way.
   */
  scale(
    record: IClusterRecord,
    n: number,
    current: IClusterWorker[]
  ): Promise<void>;
  /** Scheduler first, then every worker and job; resolves when all are gone. */
  stop(record: IClusterRecord): Promise<void>;
  /** After a restart: true when the scheduler process/job still exists. */
  alive(record: IClusterRecord): Promise<boolean>;
  /** Slurm: the jobs' states (one squeue for all the cluster's jobs). */
  jobs?(record: IClusterRecord): Promise<IClusterJob[]>;
  /** The last lines of the scheduler's log (for errors). */
  logTail(record: IClusterRecord, lines: number): Promise<string[]>;
}
