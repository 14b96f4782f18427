/**
 * The only code that talks HTTP to the server: every feature's `api.ts` calls
 * `requestAPI`, which goes through `ServerConnection` (so JupyterHub prefixes,
 * tokens and XSRF work) to `{baseUrl}hpc/api/...`.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** A failed call, carrying the server's own error code and message. */
export class HpcRequestError extends Error {
  constructor(
    /** HTTP status, or 0 when the server could not be reached at all. */
    readonly status: number,
    /** The server's error code (`SLURM_UNAVAILABLE`, ...) or `NETWORK`. */
    readonly code: string,
    message: string
  ) {
    super(message);
    this.name = 'HpcRequestError';
  }
}

/**
 * The URL of a path under the server's base (`{baseUrl}hpc/...`), e.g. a
 * proxied Dask dashboard's `dask/{id}/dashboard/`.
 */
export function hpcUrl(
  settings: ServerConnection.ISettings,
  path: string
): string {
  return URLExt.join(settings.baseUrl, 'hpc', path);
}

/** The URL of an API path, e.g. `apiUrl(settings, 'version')`. */
export function apiUrl(
  settings: ServerConnection.ISettings,
  path: string
): string {
  return hpcUrl(settings, URLExt.join('api', path));
}

interface IErrorBody {
  error?: { code?: string; message?: string };
}

/**
 * Calls `hpc/api/{path}` and parses the JSON answer (undefined for 204).
 * Rejects with `HpcRequestError` holding the server's message.
 */
export async function requestAPI<T>(
  settings: ServerConnection.ISettings,
  path: string,
  init: RequestInit = {}
): Promise<T> {
  const url = apiUrl(settings, path);
  // 'no-cache' (always revalidate) instead of Jupyter's default 'no-store',
  // which appends a cache-busting `?<timestamp>` and defeats ETag/304.
  const withCache: RequestInit = { cache: 'no-cache', ...init };
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, withCache, settings);
  } catch (error) {
    throw new HpcRequestError(
      0,
      'NETWORK',
      `The server could not be reached: ${(error as Error).message}`
    );
  }
  const text = await response.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!response.ok) {
    const body = (data ?? {}) as IErrorBody;
    const message =
      body.error?.message ??
      `${response.status} ${response.statusText || 'error'} from ${url}`;
    throw new HpcRequestError(
      response.status,
      body.error?.code ?? `HTTP_${response.status}`,
      message
    );
  }
  if (text && data === undefined) {
    throw new HpcRequestError(
      response.status,
      'BAD_RESPONSE',
      `The server's answer to ${url} is not JSON: is something else mounted at hpc/?`
    );
  }
  return data as T;
}
