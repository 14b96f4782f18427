/**
 * The shapes of the Slurm API (`hpc/api/slurm/...`, server-proxy/API.md).
 */

/** One row of the queue (`squeue`); `jobId` is the unique numeric key. */
export interface IJob {
  /** Unique numeric JobID, as a string ("10" for array task 2_0). */
  jobId: string;
  /** What Slurm users call the job: "12", "12_3", "12_[4-9%2]", "40+1". */
  displayId: string;
  arrayJobId?: string;
  /** "3", or "4-9%2" for the pending rest of an array. */
  arrayTaskId?: string;
  hetJobId?: string;
  hetJobOffset?: string;
  name: string;
  user: string;
  account: string;
  partition: string;
  qos: string;
  /** PENDING, RUNNING, COMPLETING, SUSPENDED, ... */
  state: string;
  /** Why it pends ("Priority", "JobHeldUser"), or "None". */
  reason: string;
  nodes: number;
  cpus: number;
  tres: string;
  /** Nodes it runs on ("" while pending). */
  nodeList: string;
  /** ISO times (the cluster's local time, no zone), null when unset. */
  submitTime: string | null;
  startTime: string | null;
  endTime: string | null;
  timeUsedSec: number;
  /** null = UNLIMITED. */
  timeLimitSec: number | null;
  priority: number | null;
  workDir: string;
  cluster?: string;
}

/** `GET slurm/jobs?scope=mine|all[&cluster=NAME]`. */
export interface IQueue {
  jobs: IJob[];
  /** When squeue last answered (ISO). */
  fetchedAt: string | null;
  /** True when the last refresh failed and `jobs` is the last good list. */
  stale: boolean;
  /** Why the last refresh failed. */
  error?: { code: string; message: string };
  /** The server's polling interval for this queue. */
  pollSeconds: number;
}

export type JobAction = 'cancel' | 'hold' | 'release' | 'requeue';

/** One per id of `POST slurm/jobs/actions`. */
export interface IActionResult {
  jobId: string;
  ok: boolean;
  /** Slurm's own message (e.g. "Access/permission denied"). */
  message?: string;
}

/** `GET slurm/jobs/{jobId}`: `scontrol show job -o`, every field. */
export interface IJobDetail {
  jobId: string;
  fields: Record<string, string>;
  state: string;
  reason: string | null;
  workDir: string | null;
  /** Expanded paths of the output files. */
  stdout: string | null;
  stderr: string | null;
  /**
   * The same paths relative to the Jupyter root ("/"-separated, "" for the
   * root itself), null when outside it. Absent from older servers.
   */
  workDirPath?: string | null;
  stdOutPath?: string | null;
  stdErrPath?: string | null;
  /** Every record when the id names several (an array, a het job). */
  records?: Record<string, string>[];
}

/** Whose jobs the queue shows: the user's own, or everyone's. */
export type QueueScope = 'mine' | 'all';

/** A finished (or current) job from `GET slurm/history`. */
export interface IHistoryJob {
  jobId: string;
  name: string;
  user: string;
  partition: string;
  state: string;
  /** "exit:signal", e.g. "0:0", "3:0". */
  exitCode: string;
  submitTime: string | null;
  startTime: string | null;
  endTime: string | null;
  elapsedSec: number;
}

/** `GET slurm/history?days=N`. */
export interface IHistory {
  jobs: IHistoryJob[];
  source: 'sacct' | 'jobcomp';
}
