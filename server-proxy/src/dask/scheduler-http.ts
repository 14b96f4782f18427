/**
 * Talking to a Dask scheduler's HTTP server (its dashboard port): the JSON
 * endpoints the service polls and the API route that retires workers
 * (dask-anchors §7.3). This is the HTTP seam the unit tests replace with a
 * fake scheduler server. No CORS, no auth there: only the server talks to it.
 */
import { request } from 'node:http';

export interface IEndpoint {
  host: string;
  port: number;
}

/** `tcp://10.0.0.5:8786`, `tls://[::1]:8786` → host and port; null if not. */
export function parseAddress(address: string): IEndpoint | null {
  const m =
    /^(?:tcp|tls):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(
      address
    );
  if (!m) {
    return null;
  }
  const port = Number(m[2]);
  if (port < 1 || port > 65535) {
    return null;
  }
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

export interface IHttpAnswer {
  status: number;
  body: string;
}

/** One request, bounded in time and size; rejects when nothing answers. */
export function schedulerRequest(
  target: IEndpoint,
  path: string,
  options: { method?: string; body?: unknown; timeoutMs?: number } = {}
): Promise<IHttpAnswer> {
  const payload =
    options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.host,
        port: target.port,
        path,
        method: options.method ?? 'GET',
        agent: false,
        timeout: options.timeoutMs ?? 5000,
        headers: payload
          ? {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload)
            }
          : {}
      },
      res => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > 16 << 20) {
            req.destroy(new Error(`${path}: answer larger than 16 MiB`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8')
          })
        );
        res.on('error', reject);
      }
    );
    req.on('timeout', () =>
      req.destroy(new Error(`${path}: no answer within the time limit`))
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** GET a JSON document; rejects on a non-200 or unparsable answer. */
export async function getJson<T>(
  target: IEndpoint,
  path: string,
  timeoutMs?: number
): Promise<T> {
  const answer = await schedulerRequest(target, path, { timeoutMs });
  if (answer.status !== 200) {
    throw new Error(`${path} answered ${answer.status}`);
  }
  return JSON.parse(answer.body) as T;
}

/** True when `/health` answers 200 `ok`. */
export async function healthy(
  target: IEndpoint,
  timeoutMs = 3000
): Promise<boolean> {
  try {
    const answer = await schedulerRequest(target, '/health', { timeoutMs });
    return answer.status === 200 && answer.body.trim() === 'ok';
  } catch {
    return false;
  }
}

/**
 * Asks the scheduler to retire these workers (their data moves first). Its
 * `api` route must be on (local and Slurm clusters start with it); resolves
 * false when it isn't or the call fails.
 */
export async function retireWorkers(
  target: IEndpoint,
  addresses: string[],
  timeoutMs = 60_000
): Promise<boolean> {
  if (!addresses.length) {
    return true;
  }
  try {
    const answer = await schedulerRequest(target, '/api/v1/retire_workers', {
      method: 'POST',
      body: { workers: addresses },
      timeoutMs
    });
    return answer.status === 200;
  } catch {
    return false;
  }
}

/** `dask_scheduler_tasks_forgotten_total` from `/metrics`, or null. */
export function forgottenTotal(metrics: string): number | null {
  const m =
    /^dask_scheduler_tasks_forgotten_total(?:\{[^}]*\})?\s+([0-9.eE+-]+)\s*$/m.exec(
      metrics
    );
  return m ? Number(m[1]) : null;
}
