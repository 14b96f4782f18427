/**
 * The Dask dashboard proxy: `* dask/{id}/dashboard/...` under the API base is
 * the scheduler's own HTTP server (JSON routes, `/info` pages, Bokeh plots)
 * with the prefix stripped, HTTP and WebSocket (`/eventstream`, Bokeh's
 * `<plot>/ws` with its `bokeh` subprotocol). Requests are authenticated like
 * every other route; the user's credentials never reach the scheduler, whose
 * HTTP server has no authentication of its own (dask-anchors.md §7.3, §8).
 */
import type { IncomingMessage } from 'node:http';
import { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import httpProxy from 'http-proxy';
import type { IAuthenticator } from '../auth';
import { errorBody, errors, HpcError } from '../errors';
import { refuseUpgrade } from '../upgrade';
import {
  CLUSTER_ID_RE,
  DashboardLookup,
  IDashboardTarget,
  IDashboardUrl,
  parseDashboardUrl,
  rewriteLocation,
  sameOrigin,
  stripCredentials,
  upstreamPath
} from './dashboard';

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
