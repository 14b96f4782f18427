/**
 * Clusters shaped like the server's (server-proxy/src/dask/types.ts), and a
 * Dask client over the fake HTTP seam that records each request's body.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { ServerConnection } from '@jupyterlab/services';
import { HpcServer } from '../../core/model';
import { DaskClient } from '../api';
import type { ICluster } from '../types';

export const trans = nullTranslator.load('jupyterlab_hpc');

export function cluster(overrides: Partial<ICluster> = {}): ICluster {
  return {
    id: 'a1b2c3d4e5f6',
    name: 'analysis',
    backend: 'local',
    status: 'running',
    schedulerAddress: 'tcp://127.0.0.1:40123',
    schedulerFile:
      '/home/alice/.local/share/jupyter/jupyterlab-hpc/dask/a1b2c3d4e5f6/scheduler.json',
    dashboardPath: 'dask/a1b2c3d4e5f6/dashboard/',
    plots: {},
    workers: { requested: 2, connected: 2 },
    adapt: null,
    threads: 4,
    memoryBytes: 4 * 1024 ** 3,
    memoryUsedBytes: 1024 ** 3,
    tasks: { processing: 0, waiting: 0, memory: 0, erred: 0 },
    workerList: [],
    createdAt: new Date(Date.now() - 90_000).toISOString(),
    ...overrides
  };
}

export interface IRequestSeen {
  method: string;
  url: string;
  body: string;
}

export function fakeClient(
  handler: (req: IRequestSeen) => Response | Promise<Response>
): { client: DaskClient; requests: IRequestSeen[] } {
  const requests: IRequestSeen[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request =
      input instanceof Request ? input : new Request(String(input), init);
    const seen = {
      method: request.method,
      url: request.url,
      body: await request.text()
    };
    requests.push(seen);
    return handler(seen);
  };
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/user/alice/',
    fetch: fetch as typeof window.fetch
  });
  return { client: new DaskClient(new HpcServer(settings)), requests };
}
