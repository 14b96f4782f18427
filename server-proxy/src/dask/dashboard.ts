/**
 * The Dask dashboard proxy's pure parts: how a cluster id leads to its
 * dashboard (`DashboardLookup`), how request paths split, which headers stay
 * behind and how the scheduler's redirects are kept inside the prefix.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { HpcError } from '../errors';
import type { ICluster } from './types';
import { CLUSTER_ID_PATTERN } from './state';

/** Cluster ids, as the server generates them. */
export const CLUSTER_ID_RE = new RegExp(CLUSTER_ID_PATTERN);

/** Where a cluster's dashboard listens (plain HTTP). */
export interface IDashboardTarget {
  host: string;
  port: number;
}

/** A known cluster without a dashboard to show (yet, or any more). */
export interface IDashboardUnavailable {
  /** A sentence for the 503: what is going on and what to do. */
  unavailable: string;
}

/**
 * Finds cluster `id`'s dashboard: its address, why there is none (503), or
 * null for a cluster nobody knows (404).
 */
export type DashboardLookup = (
  id: string
) =>
  | IDashboardTarget
  | IDashboardUnavailable
  | null
  | Promise<IDashboardTarget | IDashboardUnavailable | null>;

/** The lookup of a server without Dask clusters: every id is unknown. */
export const noDashboards: DashboardLookup = () => null;

/** What the proxy needs of the Dask service (dask/service.ts). */
export interface IDashboardSource {
  dashboardTarget(id: string): IDashboardTarget | null;
  /** The cluster; throws a 404 `HpcError` for an unknown (or stopped) one. */
  get(id: string): ICluster;
}

/** A lookup over the Dask service: 404 unknown, 503 until the dashboard is known. */
export function serviceDashboardLookup(
  source: IDashboardSource
): DashboardLookup {
  return id => {
    let cluster: ICluster;
    try {
      cluster = source.get(id);
    } catch (e) {
      if (e instanceof HpcError && e.statusCode === 404) {
        return null;
      }
      throw e;
    }
    if (cluster.status === 'failed') {
      return {
        unavailable: `Dask cluster ${id} failed, so it has no dashboard: ${cluster.error?.message ?? 'see its error in the cluster list.'}`
      };
    }
    return (
      source.dashboardTarget(id) ?? {
        unavailable: `Dask cluster ${id} has no dashboard yet (it is ${cluster.status}): try again once its scheduler runs.`
      }
    );
  };
}

/** A request path under `{base}dask/{id}/dashboard`, split. */
export interface IDashboardUrl {
  /** The id as it appears in the path (not validated yet). */
  id: string;
  /** The path after `dashboard` (`''` for the bare prefix, else starts with `/`). */
  rest: string;
  /** `?...` or `''`, as sent. */
  query: string;
}

/**
 * Splits `{base}dask/{id}/dashboard[/rest][?query]`; null for any other URL.
 * `base` is the normalised API base (`/`, `/hpc/`, `/user/a/hpc/`).
 */
export function parseDashboardUrl(
  url: string | undefined,
  base: string
): IDashboardUrl | null {
  if (!url) {
    return null;
  }
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q);
  const head = `${base}dask/`;
  if (!path.startsWith(head)) {
    return null;
  }
  const m = /^([^/]*)\/dashboard(\/.*)?$/.exec(path.slice(head.length));
  if (!m || !m[1]) {
    return null;
  }
  return { id: m[1], rest: m[2] ?? '', query };
}

/** The path asked of the scheduler: the rest (at least `/`) and the query. */
export function upstreamPath(parsed: IDashboardUrl): string {
  return `${parsed.rest || '/'}${parsed.query}`;
}

/**
 * Headers the scheduler must never see: the user's Jupyter or server
 * credentials and the XSRF token. Deletes them from `headers`.
 */
export function stripCredentials(headers: IncomingHttpHeaders): void {
  for (const name of [
    'authorization',
    'proxy-authorization',
    'cookie',
    'x-xsrftoken',
    'x-csrftoken',
    'x-xsrf-token'
  ]) {
    delete headers[name];
  }
}

/**
 * A redirect's `Location` from the scheduler, made to point into the proxied
 * prefix. Absolute paths (`/info/main/workers.html`) and absolute URLs of the
 * scheduler itself become paths relative to the request (`rest`), so they
 * stay right whatever prefix sits in front of us (front mode's base URL,
 * jupyter-server-proxy's `/user/x/hpc/`); other locations are left alone.
 */
export function rewriteLocation(
  location: string,
  rest: string,
  target: IDashboardTarget
): string {
  let path: string;
  if (location.startsWith('/') && !location.startsWith('//')) {
    path = location;
  } else {
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      // Relative: already right, except from `.../dashboard` itself.
      return rest === '' ? `dashboard/${location}` : location;
    }
    const own = new URL(`http://${target.host}:${target.port}/`);
    if (
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.host !== own.host
    ) {
      return location;
    }
    path = `${url.pathname}${url.search}${url.hash}`;
  }
  if (rest === '') {
    // The request was `.../dashboard` itself: relative to `.../{id}/`.
    return `dashboard${path}`;
  }
  const ups = rest.split('/').length - 2;
  return `${ups > 0 ? '../'.repeat(ups) : './'}${path.slice(1)}`;
}

/** True when a WebSocket's `Origin` names the host it was sent to (or is absent). */
export function sameOrigin(headers: IncomingHttpHeaders): boolean {
  const origin = headers.origin;
  if (origin === undefined) {
    return true;
  }
  try {
    return (
      new URL(origin).host.toLowerCase() === (headers.host ?? '').toLowerCase()
    );
  } catch {
    return false; // "null" (sandboxed or file: pages) and garbage
  }
}
