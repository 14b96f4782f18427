/**
 * The Dask dashboard proxy: `* dask/{id}/dashboard/...` under the API base is
 * the scheduler's own HTTP server (JSON routes, `/info` pages, Bokeh plots)
 * with the prefix stripped, HTTP and WebSocket (`/eventstream`, Bokeh's
 * `<plot>/ws` with its `bokeh` subprotocol). Requests are authenticated like
 * every other route; the user's credentials never reach the scheduler, whose
 * HTTP server has no authentication of its own (dask-anchors.md §7.3, §8).
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import httpProxy from 'http-proxy';
import type { IAuthenticator } from '../auth';
import { errorBody, errors, HpcError } from '../errors';
import { refuseUpgrade } from '../upgrade';
import type { ICluster } from './types';

/** Cluster ids, as the server generates them. */
export const CLUSTER_ID_RE = /^[a-z0-9]{8,32}$/;

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

export interface IDashboardProxyOptions {
  lookup: DashboardLookup;
  /** The same authenticator as the HTTP routes (WebSocket upgrades). */
  auth: IAuthenticator;
  /** The normalised API base (`/`, `/hpc/`, `{base}hpc/`). */
  basePath: string;
  /** Seconds of silence from the scheduler before an HTTP request fails (502). */
  timeoutSeconds?: number;
  log?: (level: 'warn' | 'error', message: string) => void;
}

interface IContext {
  rest: string;
  target: IDashboardTarget;
}

export class DashboardProxy {
  constructor(options: IDashboardProxyOptions) {
    this._options = options;
    this._proxy = httpProxy.createProxyServer({
      changeOrigin: true,
      proxyTimeout: (options.timeoutSeconds ?? 120) * 1000
    });
    this._proxy.on('proxyRes', (proxyRes, req) => {
      const context = this._contexts.get(req);
      const location = proxyRes.headers.location;
      if (context && location) {
        proxyRes.headers.location = rewriteLocation(
          location,
          context.rest,
          context.target
        );
      }
      // The dashboard is served on the Jupyter origin: it sets no cookies there.
      delete proxyRes.headers['set-cookie'];
    });
    // The scheduler's side of a WebSocket ends with the browser's, however
    // that ends (http-proxy's pipe only passes on a clean end).
    this._proxy.on('proxyReqWs', (proxyReq, _req, socket) => {
      proxyReq.on('socket', upstream => {
        socket.once('close', () => upstream.destroy());
      });
    });
    this._proxy.on('error', (err, req, res) => {
      const context = this._contexts.get(req);
      const where = context
        ? `http://${context.target.host}:${context.target.port}`
        : 'its address';
      const e = errors.commandFailed(
        `The Dask dashboard at ${where} did not answer (${err.message}): is the scheduler still running? Check the cluster's status.`,
        'DASHBOARD_UNREACHABLE'
      );
      this._options.log?.('warn', e.message);
      if (res instanceof ServerResponse) {
        if (!res.headersSent) {
          res.writeHead(502, {
            'content-type': 'application/json; charset=utf-8',
            'cache-control': 'no-store'
          });
          res.end(JSON.stringify(errorBody(e)));
        } else {
          res.destroy();
        }
      } else {
        refuseUpgrade(res as Duplex, e);
      }
    });
  }

  /**
   * The HTTP routes, every method; register with the API prefix. The body is
   * not parsed or read here: it streams to the scheduler as it comes.
   */
  routes(): FastifyPluginAsync {
    return async app => {
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('*', (_request, _payload, done) => done(null));
      const schema = {
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: CLUSTER_ID_RE.source } }
        }
      };
      const handler = async (
        request: FastifyRequest,
        reply: FastifyReply
      ): Promise<FastifyReply | void> => {
        const parsed = parseDashboardUrl(
          request.raw.url,
          this._options.basePath
        );
        if (!parsed) {
          throw errors.notFound(
            `No such route: ${request.raw.method} ${(request.raw.url ?? '').split('?')[0]}`
          );
        }
        const target = await this._target(parsed.id);
        if (parsed.rest === '' && /^(GET|HEAD)$/.test(request.method)) {
          // The scheduler's relative links and redirects need the slash.
          return reply
            .status(302)
            .header('location', `dashboard/${parsed.query}`)
            .send();
        }
        reply.hijack();
        this._forward(request.raw, parsed, target);
        this._proxy.web(request.raw, reply.raw, {
          target: { protocol: 'http:', host: target.host, port: target.port }
        });
      };
      app.all('/dask/:id/dashboard', { schema }, handler);
      app.all('/dask/:id/dashboard/*', { schema }, handler);
    };
  }

  /**
   * A server `upgrade` listener's part: true when `req` is a dashboard
   * WebSocket (then this socket is ours: proxied or answered with an error),
   * false for any other path.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const parsed = parseDashboardUrl(req.url, this._options.basePath);
    if (!parsed) {
      return false;
    }
    // No frames before the answer; the proxy's pipe resumes it.
    socket.pause();
    socket.on('error', () => socket.destroy());
    this._sockets.add(socket);
    socket.once('close', () => this._sockets.delete(socket));
    this._upgrade(req, socket, head, parsed).catch((e: unknown) => {
      if (!(e instanceof HpcError)) {
        this._options.log?.('error', `dashboard WebSocket: ${String(e)}`);
      }
      refuseUpgrade(
        socket,
        e instanceof HpcError
          ? e
          : new HpcError(
              500,
              'INTERNAL',
              'Internal server error: see the server log.'
            )
      );
    });
    return true;
  }

  /** Ends every proxied WebSocket (the server is closing). */
  close(): void {
    for (const socket of this._sockets) {
      socket.destroy();
    }
    this._sockets.clear();
    this._proxy.close();
  }

  private async _upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    parsed: IDashboardUrl
  ): Promise<void> {
    await this._options.auth.check({
      method: req.method ?? 'GET',
      headers: req.headers
    });
    // Browsers send cookies with cross-site WebSockets too: like Jupyter's
    // own, ours must come from a page of the same site.
    if (this._options.auth.ambientCredentials && !sameOrigin(req.headers)) {
      throw errors.forbidden(
        `A WebSocket from ${req.headers.origin} to this server is not allowed: open the dashboard from JupyterLab.`,
        'ORIGIN'
      );
    }
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      throw errors.badRequest(
        'Only WebSocket upgrades are proxied to the Dask dashboard.',
        'INVALID_INPUT'
      );
    }
    const target = await this._target(parsed.id);
    if (socket.destroyed) {
      return;
    }
    this._forward(req, parsed, target);
    // The scheduler's own origin check (Tornado's, Bokeh's) would compare the
    // browser's Origin with its own address; ours above is the one that counts.
    delete req.headers.origin;
    this._proxy.ws(req, socket, head, {
      target: { protocol: 'http:', host: target.host, port: target.port }
    });
  }

  /** Validates the id and resolves its dashboard: 400, 404 or 503 otherwise. */
  private async _target(id: string): Promise<IDashboardTarget> {
    if (!CLUSTER_ID_RE.test(id)) {
      throw errors.badRequest(
        `"${id.slice(0, 64)}" is not a Dask cluster id (8 to 32 lowercase letters and digits, as in the cluster list).`,
        'INVALID_INPUT'
      );
    }
    const found = await this._options.lookup(id);
    if (!found) {
      throw errors.notFound(
        `There is no Dask cluster ${id} (it may have been shut down): reload the cluster list.`,
        'UNKNOWN_CLUSTER'
      );
    }
    if ('unavailable' in found) {
      throw errors.unavailable(found.unavailable, 'DASHBOARD_UNAVAILABLE');
    }
    return found;
  }

  /** Points `req` at the scheduler's path, without the user's credentials. */
  private _forward(
    req: IncomingMessage,
    parsed: IDashboardUrl,
    target: IDashboardTarget
  ): void {
    this._contexts.set(req, { rest: parsed.rest, target });
    stripCredentials(req.headers);
    req.url = upstreamPath(parsed);
  }

  private _options: IDashboardProxyOptions;
  private _proxy: httpProxy;
  private _contexts = new WeakMap<IncomingMessage, IContext>();
  private _sockets = new Set<Duplex>();
}
