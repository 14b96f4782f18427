/**
 * The typed client of the Slurm routes (`hpc/api/slurm/...`): the only file
 * of the feature that knows their URLs.
 */
import type { IHpcServer } from '../tokens';
import type {
  IActionResult,
  IHistory,
  IJob,
  IJobDetail,
  IQueue,
  JobAction,
  QueueScope
} from './types';

type Value = string | number | null;

/**
 * The compact answer of `GET slurm/jobs` (server-proxy/API.md): one row of
 * values per job under one list of field names, the running clocks apart.
 */
export interface IQueueRows extends Omit<IQueue, 'jobs'> {
  fields: string[];
  rows: Value[][];
  timeUsedSec: number[];
  cluster?: string;
}

/** Fields a job lacks when `null` (not an array task, not a het job). */
const OPTIONAL = new Set([
  'arrayJobId',
  'arrayTaskId',
  'hetJobId',
  'hetJobOffset'
]);

/**
 * The jobs of a compact queue answer, as `IJob` objects. An answer that
 * already holds `jobs` (the uncompressed form test servers send) is kept.
 */
export function decodeQueue(answer: IQueueRows | IQueue): IQueue {
  if (!('rows' in answer)) {
    return answer;
  }
  const { fields, rows, timeUsedSec, cluster, ...rest } = answer;
  const jobs = new Array<IJob>(rows.length);
  const optional = fields.map(field => OPTIONAL.has(field));
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const job: Record<string, Value> = {};
    for (let k = 0; k < fields.length; k++) {
      if (row[k] !== null || !optional[k]) {
        job[fields[k]] = row[k];
      }
    }
    job.timeUsedSec = timeUsedSec[i] ?? 0;
    if (cluster) {
      job.cluster = cluster;
    }
    jobs[i] = job as unknown as IJob;
  }
  return { ...rest, jobs };
}

/** The part of `IHpcServer` the client needs (easy to fake in tests). */
export type Requester = Pick<IHpcServer, 'request'>;

export class SlurmClient {
  constructor(server: Requester) {
    this._server = server;
  }

  /**
   * `GET slurm/jobs?scope=...`. The server answers from its shared poller
   * with an ETag; the browser revalidates (`cache: 'no-cache'`) and turns a
   * 304 into the cached body, so this always gets the whole queue, whose
   * rows it turns into jobs.
   */
  async queue(scope: QueueScope, cluster?: string | null): Promise<IQueue> {
    const answer = await this._server.request<IQueueRows | IQueue>(
      `slurm/jobs?scope=${encodeURIComponent(scope)}${clusterQuery(cluster, '&')}`
    );
    return decodeQueue(answer);
  }

  /** `POST slurm/jobs/actions`: one result per id, in Slurm's own words. */
  async act(
    action: JobAction,
    jobIds: string[],
    cluster?: string | null
  ): Promise<IActionResult[]> {
    const body = await this._server.request<{ results: IActionResult[] }>(
      'slurm/jobs/actions',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(
          cluster ? { action, jobIds, cluster } : { action, jobIds }
        )
      }
    );
    return body.results;
  }

  /** `GET slurm/jobs/{jobId}`: every field of `scontrol show job`. */
  job(jobId: string, cluster?: string | null): Promise<IJobDetail> {
    return this._server.request<IJobDetail>(
      `slurm/jobs/${encodeURIComponent(jobId)}${clusterQuery(cluster, '?')}`
    );
  }

  /** `GET slurm/history?days=N`: finished jobs, newest first. */
  history(days: number): Promise<IHistory> {
    return this._server.request<IHistory>(`slurm/history?days=${days}`);
  }

  private _server: Requester;
}

/** `&cluster=NAME` (or with `?`) for a named cluster, "" for the default. */
function clusterQuery(cluster: string | null | undefined, sep: string) {
  return cluster ? `${sep}cluster=${encodeURIComponent(cluster)}` : '';
}
