/**
 * The Dask dashboard proxy against a real scheduler (Debian's distributed
 * 2022.12, no Bokeh) started here, through the real app built in-process (so
 * that the test can say where cluster ids lead): serve mode on TCP with a
 * token and on a unix socket, and front mode with a real Jupyter. Between the
 * proxy and the scheduler sits a counting TCP relay, which shows what reaches
 * the scheduler (and that nothing does when the proxy refuses).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import {
  IAuthenticator,
  JupyterAuth,
  SocketPeerAuth,
  TokenAuth
} from '../../src/auth';
import type { CapabilityService } from '../../src/capabilities';
import { parseConfig } from '../../src/config';
import { DashboardLookup } from '../../src/dask/dashboard';
import { frontServerFactory } from '../../src/front';
import { openWebSocket } from '../../src/__tests__/websocket';
import {
  alive,
  cleanup,
  descendants,
  freePort,
  http,
  IErrorJson,
  IRequest,
  makeTmp,
  trackGroup,
  waitFor,
  waitForHttp
} from './helpers';

const ID = 'a1b2c3d4e5f6';
const STARTING = 'f6e5d4c3b2a1';
const TOKEN = 'proxy-test-token-0123456789';
const JUPYTER_TOKEN = 'jupyter-test-token-0123456789';
/** The default routes plus the HTTP API (`POST /api/v1/retire_workers`). */
const ROUTES = JSON.stringify([
  'distributed.http.scheduler.prometheus',
  'distributed.http.scheduler.info',
  'distributed.http.scheduler.json',
  'distributed.http.health',
  'distributed.http.proxy',
  'distributed.http.statics',
  'distributed.http.scheduler.api'
]);

let tmp: string;
let scheduler: ChildProcess;
let schedulerAddress: string;
let dashboardPort: number;

/** A TCP relay to the scheduler's dashboard that keeps what clients sent. */
let relay: Server;
let relayPort: number;
const relayed: string[] = [];
const relayOpen = new Set<Socket>();

const lookup: DashboardLookup = id =>
  id === ID
    ? { host: '127.0.0.1', port: relayPort }
    : id === STARTING
      ? { unavailable: `Dask cluster ${id} has no dashboard yet: try again.` }
      : null;

/** No capability probes (sinfo, python): they are not what is tested here. */
const capabilities = {
  get: async () => ({})
} as unknown as CapabilityService;

async function startApp(
  auth: IAuthenticator,
  listen: { port: number } | { path: string }
): Promise<FastifyInstance> {
  const app = buildApp({
    config: parseConfig({}),
    auth,
    root: tmp,
    logLevel: false,
    capabilities,
    dashboardLookup: lookup
  });
  await app.listen(
    'path' in listen ? listen : { host: '127.0.0.1', port: listen.port }
  );
  return app;
}

function port(app: FastifyInstance): number {
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

beforeAll(async () => {
  tmp = makeTmp('hpc-dask-proxy-');
  const file = join(tmp, 's.json');
  scheduler = spawn(
    '/usr/bin/python3',
    [
      '-m',
      'distributed.cli.dask_scheduler',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--dashboard-address',
      '127.0.0.1:0',
      '--scheduler-file',
      file
    ],
    {
      cwd: tmp,
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, DASK_DISTRIBUTED__SCHEDULER__HTTP__ROUTES: ROUTES }
    }
  );
  trackGroup(scheduler.pid as number);
  // The file is written after the scheduler listens, not atomically.
  const ready = await waitFor(() => {
    try {
      const info = JSON.parse(readFileSync(file, 'utf8')) as {
        address: string;
        services: { dashboard: number };
      };
      schedulerAddress = info.address;
      dashboardPort = info.services.dashboard;
      return dashboardPort > 0;
    } catch {
      return false;
    }
  }, 40_000);
  expect(ready).toBe(true);

  relay = createServer(client => {
    relayOpen.add(client);
    client.once('close', () => relayOpen.delete(client));
    let sent = '';
    relayed.push(sent);
    const index = relayed.length - 1;
    const upstream = new Socket();
    upstream.connect(dashboardPort, '127.0.0.1');
    client.on('data', (chunk: Buffer) => {
      sent += chunk.toString('latin1');
      relayed[index] = sent;
    });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>(resolve =>
    relay.listen(0, '127.0.0.1', () => resolve())
  );
  relayPort = (relay.address() as { port: number }).port;
}, 60_000);

afterAll(async () => {
  await cleanup(); // SIGKILLs the scheduler's process group, even after a failure
  relayOpen.forEach(s => s.destroy()); // (none, unless a test failed)
  await new Promise(r => relay?.close(r));
  // Killed: reaped once Node sees it exit (until then it is a zombie that
  // `kill -0` still finds).
  if (scheduler.exitCode === null && scheduler.signalCode === null) {
    await Promise.race([
      new Promise(r => scheduler.once('exit', r)),
      new Promise(r => setTimeout(r, 10_000))
    ]);
  }
  expect(alive(scheduler.pid as number)).toBe(false);
});

describe('serve mode on TCP, with a token', () => {
  let app: FastifyInstance;
  let p: number;
  const auth = { authorization: `token ${TOKEN}` };

  beforeAll(async () => {
    app = await startApp(new TokenAuth(TOKEN), { port: 0 });
    p = port(app);
  });
  afterAll(async () => app?.close());

  const get = (path: string, headers: Record<string, string> = auth) =>
    http({ port: p, path, headers });

  it("answers GET json/counts.json with the scheduler's own answer", async () => {
    const direct = await http({
      port: dashboardPort,
      path: '/json/counts.json'
    });
    const res = await get(`/dask/${ID}/dashboard/json/counts.json`);
    expect(res.status).toBe(200);
    expect(res.headers.server).toMatch(/TornadoServer/);
    const counts = res.json<Record<string, number>>();
    expect(Object.keys(counts).sort()).toEqual(
      Object.keys(direct.json()).sort()
    );
    expect(counts.workers).toBe(0);
    expect(counts.clients).toBe(direct.json<Record<string, number>>().clients);
  });

  it('answers /health with the scheduler\'s "ok"', async () => {
    const res = await get(`/dask/${ID}/dashboard/health`);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
  });

  it("never shows the user's credentials to the scheduler", async () => {
    const before = relayed.length;
    const res = await get(`/dask/${ID}/dashboard/health?probe=1`, {
      ...auth,
      cookie: 'username-x=secret-cookie; _xsrf=2|aa|bb|1',
      'x-xsrftoken': 'secret-xsrf',
      'x-hpc-test': 'kept'
    });
    expect(res.status).toBe(200);
    const sent = relayed.slice(before).join('');
    expect(sent).toMatch(/^GET \/health\?probe=1 HTTP\/1\.1\r\n/);
    expect(sent).toMatch(/\r\nx-hpc-test: kept\r\n/i);
    expect(sent).toMatch(
      new RegExp(`\\r\\nhost: 127\\.0\\.0\\.1:${relayPort}\\r\\n`, 'i')
    );
    expect(sent).not.toContain(TOKEN);
    expect(sent).not.toMatch(/authorization|cookie|xsrf|secret/i);
  });

  it('refuses requests without the token with 401, and nothing reaches the scheduler', async () => {
    const before = relayed.length;
    for (const path of [
      `/dask/${ID}/dashboard/json/counts.json`,
      `/dask/${ID}/dashboard/health`
    ]) {
      const res = await get(path, {});
      expect(res.status).toBe(401);
      expect(res.json<IErrorJson>().error.code).toBe('UNAUTHENTICATED');
    }
    const wrong = await get(`/dask/${ID}/dashboard/health`, {
      authorization: 'token wrong'
    });
    expect(wrong.status).toBe(401);
    expect(relayed.length).toBe(before);
  });

  it('rewrites the /info redirect into the proxied prefix', async () => {
    const res = await get(`/dask/${ID}/dashboard/info`);
    expect(res.status).toBe(302);
    const base = `http://127.0.0.1:${p}/dask/${ID}/dashboard/info`;
    const target = new URL(res.headers.location as string, base);
    expect(target.pathname).toBe(
      `/dask/${ID}/dashboard/info/main/workers.html`
    );
    const page = await get(target.pathname);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`Scheduler ${schedulerAddress}`);
  });

  it("sends the bare prefix to its trailing slash, then to the scheduler's /", async () => {
    const bare = await get(`/dask/${ID}/dashboard?x=1`);
    expect(bare.status).toBe(302);
    const root = new URL(
      bare.headers.location as string,
      `http://127.0.0.1:${p}/dask/${ID}/dashboard?x=1`
    );
    expect(`${root.pathname}${root.search}`).toBe(`/dask/${ID}/dashboard/?x=1`);
    const res = await get(`/dask/${ID}/dashboard/`);
    // Without Bokeh the scheduler's / redirects to its "needs bokeh" status page.
    expect(res.status).toBe(302);
    expect(new URL(res.headers.location as string, root).pathname).toBe(
      `/dask/${ID}/dashboard/status`
    );
  });

  it('passes POST bodies through (retire_workers)', async () => {
    // The scheduler answers 500 when the body is missing: the 200 below
    // shows it read the body it was sent.
    const empty = await http({
      port: dashboardPort,
      method: 'POST',
      path: '/api/v1/retire_workers'
    });
    expect(empty.status).toBe(500);
    const res = await http({
      port: p,
      method: 'POST',
      path: `/dask/${ID}/dashboard/api/v1/retire_workers`,
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"n": 0}'
    });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({});
  });

  it('answers 400, 404 and 503 in words before anything is proxied', async () => {
    const before = relayed.length;
    const bad = await get('/dask/NOT-AN-ID/dashboard/health');
    expect(bad.status).toBe(400);
    expect(bad.json<IErrorJson>().error.code).toBe('INVALID_INPUT');
    const unknown = await get('/dask/0123456789ab/dashboard/health');
    expect(unknown.status).toBe(404);
    expect(unknown.json<IErrorJson>().error.code).toBe('UNKNOWN_CLUSTER');
    const starting = await get(`/dask/${STARTING}/dashboard/health`);
    expect(starting.status).toBe(503);
    expect(starting.json<IErrorJson>().error).toEqual({
      code: 'DASHBOARD_UNAVAILABLE',
      message: `Dask cluster ${STARTING} has no dashboard yet: try again.`
    });
    expect(relayed.length).toBe(before);
  });

  it('proxies the /eventstream WebSocket: ping → pong', async () => {
    const res = await openWebSocket({
      port: p,
      path: `/dask/${ID}/dashboard/eventstream`,
      headers: auth
    });
    expect(res.status).toBe(101);
    const ws = res.ws!;
    try {
      ws.send(JSON.stringify({ name: 'ping' }));
      const pong = JSON.parse(
        await ws.waitFor(m => JSON.parse(m).name === 'pong')
      ) as { name: string; timestamp: string };
      expect(Number.isNaN(Date.parse(pong.timestamp))).toBe(false);
    } finally {
      ws.close();
    }
    await ws.closed;
  });

  it('refuses the WebSocket without the token with 401, and nothing reaches the scheduler', async () => {
    const before = relayed.length;
    const res = await openWebSocket({
      port: p,
      path: `/dask/${ID}/dashboard/eventstream`
    });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.code).toBe('UNAUTHENTICATED');
    const unknown = await openWebSocket({
      port: p,
      path: '/dask/0123456789ab/dashboard/eventstream',
      headers: auth
    });
    expect(unknown.status).toBe(404);
    expect(relayed.length).toBe(before);
  });
});

describe('serve mode on a unix socket', () => {
  let app: FastifyInstance;
  let socketPath: string;

  beforeAll(async () => {
    socketPath = join(tmp, 'hpc.sock');
    app = await startApp(new SocketPeerAuth(), { path: socketPath });
  });
  afterAll(async () => app?.close());

  it('proxies HTTP and the WebSocket over the socket', async () => {
    const res = await http({
      socketPath,
      path: `/dask/${ID}/dashboard/json/counts.json`
    });
    expect(res.status).toBe(200);
    expect(res.json<Record<string, number>>().workers).toBe(0);
    const up = await openWebSocket({
      socketPath,
      path: `/dask/${ID}/dashboard/eventstream`
    });
    expect(up.status).toBe(101);
    up.ws!.send('{"name": "ping"}');
    await up.ws!.waitFor(m => JSON.parse(m).name === 'pong');
    up.ws!.close();
  });

  it('closes open dashboard WebSockets when the server closes', async () => {
    const up = await openWebSocket({
      socketPath,
      path: `/dask/${ID}/dashboard/eventstream`
    });
    expect(up.status).toBe(101);
    expect(relayOpen.size).toBe(1);
    const started = Date.now();
    await app.close();
    await up.ws!.closed;
    expect(Date.now() - started).toBeLessThan(5000);
    // ... and the scheduler's side with them.
    expect(await waitFor(() => relayOpen.size === 0, 5000)).toBe(true);
  });
});

describe('front mode with a real Jupyter', () => {
  let jupyter: ChildProcess;
  let app: FastifyInstance;
  let p: number;
  const auth = { authorization: `token ${JUPYTER_TOKEN}` };

  beforeAll(async () => {
    const jupyterPort = await freePort();
    jupyter = spawn(
      '/usr/bin/python3',
      [
        '-m',
        'jupyter_server',
        `--port=${jupyterPort}`,
        `--ServerApp.token=${JUPYTER_TOKEN}`,
        `--ServerApp.root_dir=${tmp}`,
        '--ServerApp.allow_root=True',
        '--ServerApp.open_browser=False',
        '--ServerApp.port_retries=0'
      ],
      { cwd: tmp, detached: true, stdio: 'ignore' }
    );
    trackGroup(jupyter.pid as number);
    const req: IRequest = { port: jupyterPort, path: '/api/status' };
    await waitForHttp(req, 50_000);
    const url = `http://127.0.0.1:${jupyterPort}/`;
    app = buildApp({
      config: parseConfig({}),
      auth: new JupyterAuth({ jupyterUrl: url }),
      basePath: '/hpc/',
      root: tmp,
      logLevel: false,
      capabilities,
      dashboardLookup: lookup,
      serverFactory: frontServerFactory(url, '/')
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    p = port(app);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    if (jupyter?.pid) {
      // Kernels run in sessions of their own: end them with Jupyter.
      const kids = descendants(jupyter.pid);
      process.kill(jupyter.pid, 'SIGTERM');
      await waitFor(() => !alive(jupyter.pid as number), 15_000);
      for (const pid of kids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone with Jupyter
        }
      }
    }
  }, 30_000);

  it("proxies the dashboard WebSocket under {base}hpc/ with Jupyter's token", async () => {
    const res = await openWebSocket({
      port: p,
      path: `/hpc/dask/${ID}/dashboard/eventstream`,
      headers: auth
    });
    expect(res.status).toBe(101);
    res.ws!.send('{"name": "ping"}');
    await res.ws!.waitFor(m => JSON.parse(m).name === 'pong');
    res.ws!.close();
    const refused = await openWebSocket({
      port: p,
      path: `/hpc/dask/${ID}/dashboard/eventstream`
    });
    expect(refused.status).toBe(401);
    const http200 = await http({
      port: p,
      path: `/hpc/dask/${ID}/dashboard/health`,
      headers: auth
    });
    expect(http200.status).toBe(200);
    expect(http200.body).toBe('ok');
  });

  it("still sends other WebSockets (a kernel's channels) to Jupyter", async () => {
    const started = await http({
      port: p,
      method: 'POST',
      path: '/api/kernels',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"name": "python3"}'
    });
    expect(started.status).toBe(201);
    const kernel = started.json<{ id: string }>().id;
    try {
      const res = await openWebSocket({
        port: p,
        path: `/api/kernels/${kernel}/channels`,
        headers: auth
      });
      expect(res.status).toBe(101);
      expect(res.headers.server).toMatch(/TornadoServer/);
      res.ws!.close();
      const other = await openWebSocket({
        port: p,
        path: '/hpc/api/version',
        headers: auth
      });
      expect(other.status).toBe(404);
    } finally {
      const gone = await http({
        port: p,
        method: 'DELETE',
        path: `/api/kernels/${kernel}`,
        headers: auth
      });
      expect(gone.status).toBe(204);
    }
  }, 60_000);
});
