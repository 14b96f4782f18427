/**
 * The submit routes over the fake HTTP seam (`ServerConnection`'s fetch):
 * answers by "METHOD path" (path after `hpc/api/`), recording each request
 * with its parsed body.
 */
import { ServerConnection } from '@jupyterlab/services';
import { HpcServer } from '../../../core/model';
import { SubmitClient } from '../api';
import type { IPartition, IProfile } from '../api';

export interface ISeen {
  route: string;
  body: any;
}

export type Routes = Record<
  string,
  (body: any) => Response | Promise<Response>
>;

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' }
  });
}

export function fakeSubmitClient(routes: Routes) {
  const seen: ISeen[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request =
      input instanceof Request ? input : new Request(String(input), init);
    const path = new URL(request.url).pathname.replace(/^.*\/hpc\/api\//, '');
    const route = `${request.method} ${path}`;
    const text = await request.text();
    const body = text ? JSON.parse(text) : undefined;
    seen.push({ route, body });
    const handler = routes[route];
    return handler
      ? handler(body)
      : json(404, { error: { code: 'NOT_FOUND', message: route } });
  };
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/user/alice/',
    fetch: fetch as typeof window.fetch
  });
  const server = new HpcServer(settings);
  return { client: new SubmitClient(server), server, seen };
}

export const PROFILES: IProfile[] = [
  {
    name: 'Debug short',
    description: 'Five minutes on the debug partition',
    partition: 'debug',
    time: '00:05:00'
  },
  { name: 'GPU', partition: 'gpu', gpus: 1 }
];

export const PARTITIONS: IPartition[] = [
  {
    name: 'debug',
    isDefault: true,
    available: true,
    nodes: { allocated: 0, idle: 1, other: 0, total: 1 },
    cpus: { allocated: 2, idle: 6, other: 0, total: 8 },
    gres: null,
    maxTimeSec: 3600
  },
  {
    name: 'gpu',
    isDefault: false,
    available: true,
    nodes: { allocated: 0, idle: 1, other: 0, total: 1 },
    cpus: { allocated: 0, idle: 8, other: 0, total: 8 },
    gres: 'gpu:fake:4',
    maxTimeSec: null
  }
];

/** The routes of a healthy server; preview echoes what it was sent. */
export function healthyRoutes(overrides: Routes = {}): Routes {
  return {
    'GET slurm/profiles': () => json(200, { profiles: PROFILES }),
    'GET slurm/partitions': () => json(200, { partitions: PARTITIONS }),
    'POST slurm/jobs/preview': body =>
      json(200, {
        script: body.script,
        argv: [
          'sbatch',
          '--parsable',
          `--chdir=/home/alice/${body.cwd}`,
          ...Object.entries(body.options ?? {}).map(([k, v]) => `--${k}=${v}`)
        ]
      }),
    'POST slurm/jobs': () => json(201, { jobId: '42', warnings: [] }),
    ...overrides
  };
}
