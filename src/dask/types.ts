/**
 * The Dask routes' wire shapes, as the server sends them: a copy of the
 * HTTP-facing part of `server-proxy/src/dask/types.ts` (the frontend is built
 * from `src/` alone). Keep the two in step.
 */

export type ClusterBackend = 'local' | 'slurm' | 'external';

export type ClusterStatus =
  'starting' | 'running' | 'scaling' | 'stopping' | 'stopped' | 'failed';

export interface IAdapt {
  minimum: number;
  maximum: number;
}

/** A create request after the server's validation (units normalised). */
export interface IClusterSpec {
  backend: 'local' | 'slurm';
  name: string;
  workers: number;
  threadsPerWorker: number;
  memoryPerWorkerBytes: number | null;
  walltimeSeconds: number | null;
  partition: string | null;
  account: string | null;
  adapt: IAdapt | null;
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

export interface IClusterWorker {
  name: string;
  address: string;
  nthreads: number;
  memoryLimitBytes: number | null;
  memoryBytes: number | null;
  cpuPercent: number | null;
  executing: number;
  jobId?: string;
}

export interface IClusterError {
  code: string;
  message: string;
  /** The last lines of the scheduler's (or a worker's) log. */
  log?: string[];
}

export interface ICluster {
  id: string;
  name: string;
  backend: ClusterBackend;
  status: ClusterStatus;
  schedulerAddress: string | null;
  schedulerFile: string | null;
  /** `dask/{id}/dashboard/` relative to the API base, null until known. */
  dashboardPath: string | null;
  /** Bokeh plots (`individual-plots.json`): label → route; `{}` without Bokeh. */
  plots: Record<string, string>;
  workers: { requested: number; connected: number };
  adapt: IAdapt | null;
  threads: number;
  memoryBytes: number;
  memoryUsedBytes: number;
  tasks: { processing: number; waiting: number; memory: number; erred: number };
  workerList: IClusterWorker[];
  jobs?: IClusterJob[];
  spec?: IClusterSpec;
  createdAt: string;
  error?: IClusterError;
}

export interface IClusterSample {
  /** Epoch milliseconds. */
  time: number;
  workers: number;
  threads: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  processing: number;
  queued: number;
  tasksPerSecond: number;
}

export interface IClusterPreview {
  scheduler: { argv: string[]; script?: string };
  worker: { argv: string[]; script?: string };
}

/** The body of `POST dask/clusters` (and of `.../preview`). */
export interface ICreateRequest {
  backend: 'local' | 'slurm';
  workers: number;
  threadsPerWorker?: number;
  memoryPerWorker?: string;
  walltime?: string;
  partition?: string;
  account?: string;
  name?: string;
  adapt?: IAdapt;
}

/** The body of `POST dask/clusters/adopt`. */
export type AdoptRequest = (
  { schedulerFile: string } | { address: string; dashboardPort?: number }
) & { name?: string };

/** A status in which the cluster is on its way somewhere (polled fast). */
export function isTransitional(status: ClusterStatus): boolean {
  return status === 'starting' || status === 'scaling' || status === 'stopping';
}
