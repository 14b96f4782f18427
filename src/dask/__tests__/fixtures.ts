/**
 * Clusters shaped like the server's (server-proxy/src/dask/types.ts), and a
 * Dask client over the fake HTTP seam that records each request's body.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { fakeHpcServer, IRequestSeen } from '../../__tests__/fakeServer';
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

export type { IRequestSeen };

export function fakeClient(
  handler: (req: IRequestSeen) => Response | Promise<Response>
): { client: DaskClient; requests: IRequestSeen[] } {
  const { server, requests } = fakeHpcServer(handler);
  return { client: new DaskClient(server), requests };
}
