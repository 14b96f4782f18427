/**
 * The HTTP application. `buildApp` wires routes, authentication and the error
 * handler and never listens (main.ts does), so tests drive it in-process with
 * `app.inject`.
 */
import type { Duplex } from 'node:stream';
import Fastify, {
  FastifyError,
  FastifyInstance,
  FastifyServerFactory,
  LogController
} from 'fastify';
import Ajv from 'ajv';
import type { IAuthenticator } from './auth';
import { CapabilityService } from './capabilities';
import type { IHpcConfig } from './config';
import { DashboardLookup, serviceDashboardLookup } from './dask/dashboard';
import { DashboardProxy } from './dask/proxy';
import { daskRoutes } from './dask/routes';
import { DaskService } from './dask/service';
import { errorBody, errors, HpcError } from './errors';
import { Executor } from './exec';
import { galleryRoutes } from './gallery/routes';
import { GalleryService } from './gallery/service';
import { ResourceService } from './resources/service';
import { resourceRoutes } from './resources/routes';
import { versionRoutes } from './routes/version';
import { SlurmDaskBackend } from './dask/slurm';
import { slurmRoutes } from './slurm/routes';
import { SlurmService } from './slurm/service';
import { refuseUpgrade, underBase } from './upgrade';

export interface IAppOptions {
  config: IHpcConfig;
  auth: IAuthenticator;
  /** Where the API lives: `/` behind jupyter-server-proxy, `{base}hpc/` in front mode. */
  basePath?: string;
  /** The user's notebook root: paths from clients are confined to it. */
  root: string;
  executor?: Executor;
  capabilities?: CapabilityService;
  /** pino level, or false for no logs (tests). */
  logLevel?: string | false;
  /** Front mode routes non-`hpc/` traffic to Jupyter through its own server. */
  serverFactory?: FastifyServerFactory;
  /** The resource meter (tests inject one); by default built from the config. */
  resources?: ResourceService;
  /** Root of the process tree the meter shows (default: the server's parent). */
  processRootPid?: number;
  /** The Dask registry (tests inject one); by default built from the config. */
  dask?: DaskService;
  /** Where each Dask cluster's dashboard listens (default: the registry's). */
  dashboardLookup?: DashboardLookup;
  /** The gallery (tests inject one); by default built from the config. */
  gallery?: GalleryService;
}

/** Services shared by every route. */
export interface IServices {
  config: IHpcConfig;
  root: string;
  executor: Executor;
  capabilities: CapabilityService;
  slurm: SlurmService;
  resources: ResourceService;
  dask: DaskService;
  gallery: GalleryService;
}

/** A validation failure in words (job ids get an example, not a regex). */
function describeValidation(error: FastifyError): string {
  const first = error.validation?.[0];
  if (first?.keyword === 'pattern') {
    const where = `${error.validationContext ?? ''}${first.instancePath}`;
    if (/jobId/i.test(where)) {
      return `${where} is not a Slurm job id (expected e.g. 12, 12_3, 12_[4-9%2] or 40+1)`;
    }
    return `${where} has characters that are not allowed here`;
  }
  return error.message;
}

/** `x` → `/x/`, `` → `/`. */
export function normalizeBasePath(base = '/'): string {
  const trimmed = base.replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}/` : '/';
}

export function buildApp(options: IAppOptions): FastifyInstance {
  const executor =
    options.executor ??
    new Executor({
      maxConcurrent: options.config.exec.maxConcurrent,
      defaultTimeoutMs: options.config.exec.timeoutSeconds * 1000
    });
  const services: IServices = {
    config: options.config,
    root: options.root,
    executor,
    capabilities:
      options.capabilities ??
      new CapabilityService({ executor, config: options.config }),
    slurm: new SlurmService(executor, options.config, options.root),
    resources:
      options.resources ??
      new ResourceService({
        config: options.config.resources,
        executor,
        rootPid: options.processRootPid,
        // Called only once the app exists (GPU start-up problems, once each).
        log: (level, message) =>
          app.log[level]({ feature: 'resources' }, message)
      }),
    dask:
      options.dask ??
      new DaskService({
        executor,
        config: options.config,
        // Without Slurm, sbatch "command not found" fails the cluster in
        // words (and the panel offers Slurm only when it is available).
        backends: {
          slurm: new SlurmDaskBackend(executor, options.config.dask)
        },
        log: (level, message) => app.log[level]({ feature: 'dask' }, message)
      }),
    gallery:
      options.gallery ??
      new GalleryService({
        executor,
        catalogues: options.config.gallery.catalogues,
        allowedProtocols: options.config.gallery.allowedProtocols,
        root: options.root,
        config: options.config.gallery
      })
  };
  const app = Fastify({
    logger:
      options.logLevel === false
        ? false
        : { level: options.logLevel ?? 'info', stream: process.stderr },
    // Per-request lines would log every poll; errors are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1 << 20,
    serverFactory: options.serverFactory,
    routerOptions: { ignoreTrailingSlash: true },
    // Refuse unknown fields (400) instead of silently dropping them.
    ajv: { customOptions: { removeAdditional: false } }
  });

  // Jupyter's ServerConnection labels even body-less requests as JSON: an
  // empty body is "no body", anything else must be valid JSON.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (_request, body, done) => {
      const text = String(body);
      if (!text.trim()) {
        done(null, undefined);
        return;
      }
      try {
        done(null, JSON.parse(text));
      } catch {
        done(
          errors.badRequest(
            'The request body is not valid JSON.',
            'INVALID_JSON'
          ),
          undefined
        );
      }
    }
  );

  // Bodies are validated without type coercion ("123" is not [ "123" ], 2 is
  // not "2"); query strings and path parameters are text and need it.
  const strictBodies = new Ajv({
    allErrors: false,
    removeAdditional: false,
    coerceTypes: false,
    useDefaults: true,
    strict: false
  });
  const coercing = new Ajv({
    allErrors: false,
    removeAdditional: false,
    coerceTypes: 'array',
    useDefaults: true,
    strict: false
  });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strictBodies : coercing).compile(schema)
  );

  app.addHook('onRequest', async request => {
    await options.auth.check({
      method: request.method,
      headers: request.headers
    });
  });
  // Jupyter's ServerConnection appends `?<timestamp>` (a cache buster) unless
  // told otherwise: tolerate it so that strict query schemas don't refuse it.
  app.addHook('preValidation', async request => {
    const query = request.query as Record<string, unknown> | undefined;
    for (const key of Object.keys(query ?? {})) {
      if (/^\d+$/.test(key) && query?.[key] === '') {
        delete query[key];
      }
    }
  });
  app.addHook('onSend', async (_request, reply) => {
    if (!reply.hasHeader('cache-control')) {
      reply.header('cache-control', 'no-store');
    }
  });

  app.setErrorHandler((error: FastifyError | HpcError, request, reply) => {
    if (error instanceof HpcError) {
      if (error.statusCode >= 500) {
        request.log.warn({ code: error.code }, error.message);
      }
      return reply.status(error.statusCode).send(errorBody(error));
    }
    if (error.validation) {
      const bad = errors.badRequest(
        `Invalid request: ${describeValidation(error)}`,
        'INVALID_INPUT'
      );
      return reply.status(400).send(errorBody(bad));
    }
    if (error.statusCode && error.statusCode < 500) {
      const e = new HpcError(
        error.statusCode,
        error.code || 'BAD_REQUEST',
        error.message
      );
      return reply.status(error.statusCode).send(errorBody(e));
    }
    request.log.error({ err: error }, 'unhandled error');
    const e = new HpcError(
      500,
      'INTERNAL',
      'Internal server error: see the server log.'
    );
    return reply.status(500).send(errorBody(e));
  });
  app.setNotFoundHandler((request, reply) => {
    const e = errors.notFound(
      `No such route: ${request.method} ${request.url.split('?')[0]}`
    );
    return reply.status(404).send(errorBody(e));
  });

  const base = normalizeBasePath(options.basePath);
  const prefix = base.replace(/\/$/, '');
  const dashboards = new DashboardProxy({
    lookup: options.dashboardLookup ?? serviceDashboardLookup(services.dask),
    auth: options.auth,
    basePath: base,
    log: (level, message) => app.log[level]({ feature: 'dask' }, message)
  });
  void app.register(versionRoutes(services), { prefix });
  void app.register(slurmRoutes(services), { prefix });
  void app.register(resourceRoutes(services), { prefix });
  void app.register(daskRoutes(services), { prefix });
  void app.register(galleryRoutes(services), { prefix });
  void app.register(dashboards.routes(), { prefix });
  // WebSockets under the API base (in front mode the rest are Jupyter's,
  // front.ts); serve mode, TCP or unix socket, has only ours.
  app.server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    if (!underBase(req.url, base) || dashboards.upgrade(req, socket, head)) {
      return;
    }
    refuseUpgrade(
      socket,
      errors.notFound(
        `No WebSocket at ${(req.url ?? '').split('?')[0]}: only Dask dashboards (dask/{id}/dashboard/...) have WebSockets here.`
      )
    );
  });
  // Open WebSockets would hold the server's close until they end.
  app.addHook('preClose', async () => dashboards.close());
  app.addHook('onClose', async () => {
    // Local clusters stop with the server; Slurm ones are reconciled at the
    // next start (dask/service.ts, shutdown).
    await services.dask.shutdown();
    // Copies in progress are cancelled and removed (never left half-done).
    await services.gallery.tasks.shutdown();
    services.resources.dispose();
    executor.dispose();
  });
  // Start detecting at once: the first page load should not wait for it.
  app.addHook('onReady', async () => {
    // Clusters left by an earlier server: watched again or stopped.
    await services.dask.init();
    // Copies a crashed server left half-done are removed.
    await services.gallery
      .start()
      .then(removed =>
        removed.forEach(path =>
          app.log.warn(
            { feature: 'gallery', path },
            'removed a copy interrupted by an earlier server'
          )
        )
      )
      .catch(err => app.log.warn({ err }, 'gallery start-up failed'));
    if (options.config.resources.idleStopSeconds === 0) {
      void services.resources.start(); // always on (resources.idleStopSeconds: 0)
    }
    void services.capabilities
      .get()
      .catch(err => app.log.warn({ err }, 'capability detection failed'));
  });
  return app;
}
