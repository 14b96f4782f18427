/**
 * A fake HTTP seam for unit tests: `ServerConnection` settings whose `fetch`
 * answers from a table of handlers and records every request.
 */
import { ServerConnection } from '@jupyterlab/services';
import { HpcServer } from '../core/model';

export interface IRecorded {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export type Handler = (req: IRecorded) => Response | Promise<Response>;

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' }
  });
}

export function fakeSettings(handler: Handler): {
  settings: ServerConnection.ISettings;
  requests: IRecorded[];
} {
  const requests: IRecorded[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request =
      input instanceof Request ? input : new Request(String(input), init);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => (headers[key] = value));
    const recorded = { method: request.method, url: request.url, headers };
    requests.push(recorded);
    return handler(recorded);
  };
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/user/alice/',
    fetch: fetch as typeof window.fetch
  });
  return { settings, requests };
}

/** A version answer as the real server gives it. */
export function versionInfo(overrides: Record<string, unknown> = {}) {
  return {
    name: 'jupyterlab-hpc',
    version: '0.1.0',
    apiVersion: 1,
    capabilities: {
      slurm: {
        available: true,
        version: '22.05.8',
        clusters: ['testcluster'],
        accounting: true
      },
      gpu: {
        available: false,
        reason: 'nvidia-smi was not found: no NVIDIA driver on this machine'
      },
      dask: {
        available: true,
        python: '/usr/bin/python3',
        version: '2022.12.1'
      },
      gallery: {
        available: false,
        catalogues: 0,
        reason: 'No gallery catalogue is configured (gallery.catalogues)'
      },
      commands: { squeue: '/usr/bin/squeue', 'nvidia-smi': null },
      checkedAt: '2026-11-23T14:58:09.894Z'
    },
    ...overrides
  };
}

/** A request as a fake server saw it, body included. */
export interface IRequestSeen {
  method: string;
  url: string;
  body: string;
}

/**
 * An `HpcServer` whose HTTP is `handler`, recording every request with its
 * body: what a feature's API client is built on in unit tests.
 */
export function fakeHpcServer(
  handler: (req: IRequestSeen) => Response | Promise<Response>
): { server: HpcServer; requests: IRequestSeen[] } {
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
  return { server: new HpcServer(settings), requests };
}
