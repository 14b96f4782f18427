/**
 * The typed client of the Slurm routes (`hpc/api/slurm/...`): the only file
 * of the feature that knows their URLs.
 */
import type { IHpcServer } from '../tokens';
import type {
  IActionResult,
  IHistory,
  IJobDetail,
  IQueue,
  JobAction,
  QueueScope
} from './types';

/** The part of `IHpcServer` the client needs (easy to fake in tests). */
export type Requester = Pick<IHpcServer, 'request'>;

export class SlurmClient {
  constructor(server: Requester) {
    this._server = server;
  }

  /**
   * `GET slurm/jobs?scope=...`. The server answers from its shared poller
   * with an ETag; the browser revalidates (`cache: 'no-cache'`) and turns a
   * 304 into the cached body, so this always gets the whole queue.
   */
  queue(scope: QueueScope, cluster?: string | null): Promise<IQueue> {
    return this._server.request<IQueue>(
      `slurm/jobs?scope=${encodeURIComponent(scope)}${clusterQuery(cluster, '&')}`
    );
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
