/**
 * Queue rows and answers shaped like the real server's, for the tests.
 */
import { ServerConnection } from '@jupyterlab/services';
import { HpcServer } from '../../core/model';
import { SlurmClient } from '../api';
import type { IJob, IQueue } from '../types';

export function job(overrides: Partial<IJob> = {}): IJob {
  const jobId = overrides.jobId ?? '12';
  return {
    jobId,
    displayId: jobId,
    name: 'train',
    user: 'alice',
    account: 'physics',
    partition: 'debug',
    qos: 'normal',
    state: 'RUNNING',
    reason: 'None',
    nodes: 1,
    cpus: 4,
    tres: 'cpu=4,mem=4G,node=1',
    nodeList: 'localhost',
    submitTime: '2026-11-23T14:00:00',
    startTime: '2026-11-23T14:00:05',
    endTime: null,
    timeUsedSec: 65,
    timeLimitSec: 3600,
    priority: 4294901759,
    workDir: '/home/alice',
    ...overrides
  };
}

export function pending(overrides: Partial<IJob> = {}): IJob {
  return job({
    state: 'PENDING',
    reason: 'Priority',
    nodeList: '',
    startTime: null,
    timeUsedSec: 0,
    ...overrides
  });
}

export function queue(jobs: IJob[], overrides: Partial<IQueue> = {}): IQueue {
  return {
    jobs,
    fetchedAt: '2026-11-23T15:00:00.000Z',
    stale: false,
    pollSeconds: 30,
    ...overrides
  };
}

/** `n` jobs numbered 1..n, every fifth one pending. */
export function manyJobs(n: number): IJob[] {
  const jobs: IJob[] = [];
  for (let i = 1; i <= n; i++) {
    const id = String(i);
    jobs.push(
      i % 5 === 0
        ? pending({ jobId: id, name: `job${i}` })
        : job({ jobId: id, name: `job${i}` })
    );
  }
  return jobs;
}

export interface IRequestSeen {
  method: string;
  url: string;
  contentType: string | null;
  body: string;
}

/**
 * A Slurm client over the fake HTTP seam (`ServerConnection`'s fetch),
 * recording each request with its body.
 */
export function fakeClient(
  handler: (req: IRequestSeen) => Response | Promise<Response>
) {
  const requests: IRequestSeen[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request =
      input instanceof Request ? input : new Request(String(input), init);
    const seen = {
      method: request.method,
      url: request.url,
      contentType: request.headers.get('content-type'),
      body: await request.text()
    };
    requests.push(seen);
    return handler(seen);
  };
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/user/alice/',
    fetch: fetch as typeof window.fetch
  });
  return { client: new SlurmClient(new HpcServer(settings)), requests };
}
