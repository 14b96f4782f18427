import { createHash } from 'node:crypto';
import {
  createServer,
  IncomingHttpHeaders,
  request,
  Server,
  ServerResponse
} from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app';
import type { IAuthenticator, IAuthRequest } from '../../auth';
import type { CapabilityService } from '../../capabilities';
import { parseConfig } from '../../config';
import { errors, HpcError } from '../../errors';
import { frontServerFactory } from '../../front';
import {
  encodeFrame,
  FrameReader,
  openWebSocket
} from '../../__tests__/websocket';
import {
  DashboardLookup,
  IDashboardSource,
  parseDashboardUrl,
  rewriteLocation,
  sameOrigin,
  serviceDashboardLookup,
  stripCredentials,
  upstreamPath
} from '../dashboard';
import type { ICluster } from '../types';

const ID = 'abc123def456';

describe('parseDashboardUrl', () => {
  it.each<[string, string, object | null]>([
    [`/dask/${ID}/dashboard`, '/', { id: ID, rest: '', query: '' }],
    [`/dask/${ID}/dashboard/`, '/', { id: ID, rest: '/', query: '' }],
    [
      `/dask/${ID}/dashboard/json/counts.json?a=1&b=/x`,
      '/',
      { id: ID, rest: '/json/counts.json', query: '?a=1&b=/x' }
    ],
    [`/dask/${ID}/dashboard?x`, '/', { id: ID, rest: '', query: '?x' }],
    [
      `/user/al/hpc/dask/${ID}/dashboard/status/ws`,
      '/user/al/hpc/',
      { id: ID, rest: '/status/ws', query: '' }
    ],
    [
      `/dask/NOT-valid/dashboard/x`,
      '/',
      { id: 'NOT-valid', rest: '/x', query: '' }
    ],
    [`/hpc/dask/${ID}/dashboard/x`, '/', null],
    [`/dask/${ID}/dashboard/x`, '/hpc/', null],
    [`/dask/${ID}/dashboardx`, '/', null],
    [`/dask/${ID}/other`, '/', null],
    [`/dask//dashboard/x`, '/', null],
    ['/dask/a/b/dashboard', '/', null],
    [`/api/dask/clusters/${ID}`, '/', null],
    ['/?next=/dask/x/dashboard', '/', null]
  ])('%j under %j', (url, base, expected) => {
    expect(parseDashboardUrl(url, base)).toEqual(expected);
  });

  it('gives the scheduler the rest (at least /) and the query as sent', () => {
    const parse = (url: string) =>
      upstreamPath(parseDashboardUrl(url, '/hpc/')!);
    expect(parse(`/hpc/dask/${ID}/dashboard`)).toBe('/');
    expect(parse(`/hpc/dask/${ID}/dashboard?x=%2F`)).toBe('/?x=%2F');
    expect(
      parse(`/hpc/dask/${ID}/dashboard/info/worker/tcp%3A%2F%2Fh.html`)
    ).toBe('/info/worker/tcp%3A%2F%2Fh.html');
  });
});

describe('rewriteLocation', () => {
  const target = { host: '127.0.0.1', port: 8787 };
  const prefix = `/user/al/hpc/dask/${ID}/dashboard`;

  /** Where a browser at `prefix + rest` goes with the rewritten Location. */
  function follow(location: string, rest: string): string {
    const url = new URL(
      rewriteLocation(location, rest, target),
      `https://hub.example.org${prefix}${rest}`
    );
    return `${url.pathname}${url.search}`;
  }

  it.each([
    ['/info', '/info/main/workers.html'],
    ['/', '/status'],
    ['/a/b/c', '/x?y=1'],
    ['/a/b/c/', '/'],
    ['', '/status']
  ])(
    'keeps an absolute path into the prefix (request %j → %j)',
    (rest, location) => {
      expect(follow(location, rest)).toBe(`${prefix}${location}`);
    }
  );

  it("maps the scheduler's own absolute URLs into the prefix", () => {
    expect(follow('http://127.0.0.1:8787/status?x=1', '/info')).toBe(
      `${prefix}/status?x=1`
    );
  });

  it('leaves relative locations alone, except from the bare prefix', () => {
    expect(rewriteLocation('info/main/workers.html', '/info', target)).toBe(
      'info/main/workers.html'
    );
    expect(follow('status', '')).toBe(`${prefix}/status`);
  });

  it('leaves other sites alone', () => {
    for (const location of [
      'http://127.0.0.1:9999/status',
      'https://example.org/x',
      '//example.org/x',
      'mailto:a@b'
    ]) {
      expect(rewriteLocation(location, '/info', target)).toBe(location);
    }
  });

  it('never makes a path look like a scheme', () => {
    expect(rewriteLocation('/a:b', '/x', target)).toBe('./a:b');
  });
});

describe('stripCredentials', () => {
  it("drops the user's credentials and the XSRF token, nothing else", () => {
    const headers: IncomingHttpHeaders = {
      authorization: 'token t',
      'proxy-authorization': 'Basic x',
      cookie: 'a=b',
      'x-xsrftoken': 'x',
      'x-csrftoken': 'y',
      'x-xsrf-token': 'z',
      'sec-websocket-protocol': 'bokeh, abc',
      'content-type': 'application/json',
      accept: '*/*'
    };
    stripCredentials(headers);
    expect(headers).toEqual({
      'sec-websocket-protocol': 'bokeh, abc',
      'content-type': 'application/json',
      accept: '*/*'
    });
  });
});

describe('sameOrigin', () => {
  it.each<[IncomingHttpHeaders, boolean]>([
    [{ host: 'hub.example.org' }, true],
    [{ host: 'hub.example.org', origin: 'https://hub.example.org' }, true],
    [{ host: 'localhost:8888', origin: 'http://LOCALHOST:8888' }, true],
    [{ host: 'localhost:8888', origin: 'http://localhost:8889' }, false],
    [{ host: 'hub.example.org', origin: 'https://evil.example.org' }, false],
    [{ host: 'hub.example.org', origin: 'null' }, false],
    [{ origin: 'https://hub.example.org' }, false]
  ])('%j → %j', (headers, expected) => {
    expect(sameOrigin(headers)).toBe(expected);
  });
});

describe('serviceDashboardLookup', () => {
  const clusters: Record<string, Partial<ICluster>> = {
    running: { status: 'running' },
    starting: { status: 'starting' },
    failed: {
      status: 'failed',
      error: { code: 'SCHEDULER_FAILED', message: 'The scheduler exited.' }
    }
  };
  const source: IDashboardSource = {
    dashboardTarget: id =>
      id === 'running' ? { host: '10.0.0.2', port: 8787 } : null,
    get: id => {
      if (!clusters[id]) {
        throw errors.notFound('no such cluster', 'UNKNOWN_CLUSTER');
      }
      return clusters[id] as ICluster;
    }
  };
  const lookup = serviceDashboardLookup(source);

  it('gives the target of a running cluster', () => {
    expect(lookup('running')).toEqual({ host: '10.0.0.2', port: 8787 });
  });

  it('knows nothing of unknown clusters (404)', () => {
    expect(lookup('nothing')).toBeNull();
  });

  it('says why a known cluster has no dashboard (503)', () => {
    expect(lookup('starting')).toEqual({
      unavailable: expect.stringMatching(/no dashboard yet \(it is starting\)/)
    });
    expect(lookup('failed')).toEqual({
      unavailable: expect.stringContaining('The scheduler exited.')
    });
  });

  it('lets other failures through', () => {
    const broken = serviceDashboardLookup({
      ...source,
      get: () => {
        throw new Error('disk on fire');
      }
    });
    expect(() => broken('running')).toThrow('disk on fire');
  });
});

// ---------------------------------------------------------------------------
// Through the app, listening, with a stand-in scheduler at the HTTP seam.

interface ISeen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Lets every request in, or refuses each with the error it was given. */
class FakeAuth implements IAuthenticator {
  constructor(readonly ambientCredentials = false) {}
  seen: IAuthRequest[] = [];
  refuseWith: HpcError | null = null;

  async check(req: IAuthRequest): Promise<void> {
    this.seen.push({ method: req.method, headers: { ...req.headers } });
    if (this.refuseWith) {
      throw this.refuseWith;
    }
  }
}

function listen(server: Server): Promise<number> {
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () =>
      resolve((server.address() as AddressInfo).port)
    )
  );
}

interface IRes {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(
  port: number,
  path: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
  } = {}
): Promise<IRes> {
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false
      },
      res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
        );
      }
    );
    r.on('error', reject);
    r.end(options.body);
  });
}

describe('the dashboard routes', () => {
  let scheduler: Server;
  let schedulerPort: number;
  const seen: ISeen[] = [];
  const upgrades: IncomingHttpHeaders[] = [];
  const wsSockets = new Set<Socket>();
  /** Releases the second half of `/slow`. */
  let release: () => void = () => undefined;

  let app: FastifyInstance;
  let port: number;
  let auth: FakeAuth;
  let lookups: string[];
  let lookup: DashboardLookup;

  beforeAll(async () => {
    scheduler = createServer((req, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks)
        });
        if (req.url === '/info') {
          res.writeHead(302, {
            location: '/info/main/workers.html',
            'set-cookie': 'dask=1; Path=/'
          });
          res.end();
        } else if (req.url === '/slow') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('first;');
          release = () => res.end('second');
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              method: req.method,
              bytes: Buffer.concat(chunks).length
            })
          );
        }
      });
    });
    // A WebSocket end: echoes text frames upper-cased, keeps the subprotocol.
    scheduler.on('upgrade', (req, socket: Socket) => {
      upgrades.push(req.headers);
      wsSockets.add(socket);
      socket.on('end', () => socket.end());
      const accept = createHash('sha1')
        .update(
          `${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`
        )
        .digest('base64');
      const protocol = req.headers['sec-websocket-protocol']?.split(',')[0];
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\n` +
          (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : '') +
          '\r\n'
      );
      socket.write(encodeFrame(1, Buffer.from(`hello ${req.url}`), false));
      const reader = new FrameReader();
      socket.on('data', (chunk: Buffer) => {
        for (const f of reader.push(chunk)) {
          if (f.opcode === 1) {
            socket.write(
              encodeFrame(
                1,
                Buffer.from(f.payload.toString().toUpperCase()),
                false
              )
            );
          } else if (f.opcode === 8) {
            socket.end();
          }
        }
      });
      socket.on('error', () => undefined);
    });
    schedulerPort = await listen(scheduler);
  });
  afterAll(async () => {
    wsSockets.forEach(s => s.destroy());
    scheduler.closeAllConnections();
    await new Promise(r => scheduler.close(r));
  });

  async function start(
    options: { basePath?: string; ambient?: boolean } = {}
  ): Promise<void> {
    auth = new FakeAuth(options.ambient);
    lookups = [];
    lookup = id => {
      lookups.push(id);
      if (id === ID) {
        return { host: '127.0.0.1', port: schedulerPort };
      }
      return id === 'starting1'
        ? { unavailable: 'Still starting: wait.' }
        : null;
    };
    app = buildApp({
      config: parseConfig({}),
      auth,
      basePath: options.basePath,
      root: '/tmp',
      logLevel: false,
      capabilities: { get: async () => ({}) } as unknown as CapabilityService,
      dashboardLookup: id => lookup(id)
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  }

  beforeEach(async () => {
    seen.length = 0;
    upgrades.length = 0;
    await start({ basePath: '/hpc/' });
  });
  afterEach(async () => {
    await app.close();
  });

  it('proxies with the prefix stripped and the query kept, credentials left behind', async () => {
    const res = await send(
      port,
      `/hpc/dask/${ID}/dashboard/json/counts.json?a=1&b=%2F`,
      {
        headers: {
          authorization: 'token secret',
          cookie: 'login=secret',
          'x-xsrftoken': 'secret',
          'x-kept': 'yes'
        }
      }
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ method: 'GET', bytes: 0 });
    expect(seen).toHaveLength(1);
    expect(seen[0].url).toBe('/json/counts.json?a=1&b=%2F');
    expect(seen[0].headers['x-kept']).toBe('yes');
    expect(seen[0].headers.host).toBe(`127.0.0.1:${schedulerPort}`);
    expect(JSON.stringify(seen[0].headers)).not.toMatch(/secret/);
    // The app's authenticator saw them, though.
    expect(auth.seen[0].headers.authorization).toBe('token secret');
  });

  it('streams request bodies as they are, past the API body limit and parsers', async () => {
    const big = Buffer.alloc(3 << 20, 'x'); // the API refuses bodies over 1 MiB
    const res = await send(
      port,
      `/hpc/dask/${ID}/dashboard/api/v1/retire_workers`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: big
      }
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ method: 'POST', bytes: big.length });
    expect(seen[0].body.equals(big)).toBe(true);
    const odd = await send(port, `/hpc/dask/${ID}/dashboard/x`, {
      method: 'PUT',
      headers: { 'transfer-encoding': 'chunked' },
      body: '{not json'
    });
    expect(odd.status).toBe(200);
    expect(seen[1].body.toString()).toBe('{not json');
    for (const method of ['DELETE', 'PATCH', 'OPTIONS', 'HEAD']) {
      const res = await send(port, `/hpc/dask/${ID}/dashboard/m`, { method });
      expect(res.status).toBe(200);
    }
    expect(seen.map(s => s.method)).toEqual([
      'POST',
      'PUT',
      'DELETE',
      'PATCH',
      'OPTIONS',
      'HEAD'
    ]);
  });

  it('streams responses without waiting for their end', async () => {
    const first = await new Promise<string>((resolve, reject) => {
      const r = request(
        {
          host: '127.0.0.1',
          port,
          path: `/hpc/dask/${ID}/dashboard/slow`,
          agent: false
        },
        res => {
          res.setEncoding('utf8');
          let body = '';
          res.on('data', (c: string) => {
            body += c;
            if (body === 'first;') {
              resolve(body); // the scheduler has not finished yet
              release();
            }
          });
          res.on('end', () => expect(body).toBe('first;second'));
        }
      );
      r.on('error', reject);
      r.end();
    });
    expect(first).toBe('first;');
  });

  it('keeps redirects inside the prefix and drops cookies', async () => {
    const res = await send(port, `/hpc/dask/${ID}/dashboard/info`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('./info/main/workers.html');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('redirects the bare prefix (GET) to its trailing slash', async () => {
    const res = await send(port, `/hpc/dask/${ID}/dashboard?q=1`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('dashboard/?q=1');
    expect(seen).toHaveLength(0);
  });

  it.each<[string, number, string]>([
    ['/hpc/dask/ABC123DEF456/dashboard/x', 400, 'INVALID_INPUT'],
    ['/hpc/dask/short/dashboard/x', 400, 'INVALID_INPUT'],
    ['/hpc/dask/000000000000/dashboard/x', 404, 'UNKNOWN_CLUSTER'],
    ['/hpc/dask/starting1/dashboard/', 503, 'DASHBOARD_UNAVAILABLE']
  ])('%s → %d %s', async (path, status, code) => {
    const res = await send(port, path);
    expect(res.status).toBe(status);
    const body = JSON.parse(res.body) as {
      error: { code: string; message: string };
    };
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(/\w+ \w+/);
    expect(seen).toHaveLength(0);
  });

  it('answers 502 in words when the scheduler is gone', async () => {
    const dead = createServer();
    const deadPort = await listen(dead);
    await new Promise(r => dead.close(r));
    lookup = () => ({ host: '127.0.0.1', port: deadPort });
    const res = await send(port, `/hpc/dask/${ID}/dashboard/health`);
    expect(res.status).toBe(502);
    const body = JSON.parse(res.body) as {
      error: { code: string; message: string };
    };
    expect(body.error.code).toBe('DASHBOARD_UNREACHABLE');
    expect(body.error.message).toContain(`http://127.0.0.1:${deadPort}`);
  });

  it('lets nothing through when the authenticator refuses', async () => {
    auth.refuseWith = errors.unauthenticated('Log in first.');
    const res = await send(port, `/hpc/dask/${ID}/dashboard/health`, {
      method: 'POST',
      body: 'x'
    });
    expect(res.status).toBe(401);
    expect(seen).toHaveLength(0);
    expect(lookups).toHaveLength(0);
  });

  it('serves under the plain base in serve mode', async () => {
    await app.close();
    await start();
    const res = await send(port, `/dask/${ID}/dashboard/health`);
    expect(res.status).toBe(200);
    expect(seen[0].url).toBe('/health');
    expect((await send(port, `/hpc/dask/${ID}/dashboard/health`)).status).toBe(
      404
    );
  });

  describe('WebSockets', () => {
    it('proxies the upgrade, keeping the subprotocol and dropping credentials', async () => {
      const res = await openWebSocket({
        port,
        path: `/hpc/dask/${ID}/dashboard/status/ws?bokeh-session-id=1`,
        protocols: ['bokeh', 'token.abc'],
        headers: { authorization: 'token secret', cookie: 'login=secret' }
      });
      expect(res.status).toBe(101);
      expect(res.headers['sec-websocket-protocol']).toBe('bokeh');
      const ws = res.ws!;
      await ws.waitFor(m => m === 'hello /status/ws?bokeh-session-id=1');
      ws.send('ping');
      await ws.waitFor(m => m === 'PING');
      ws.close();
      await ws.closed;
      expect(upgrades).toHaveLength(1);
      expect(upgrades[0]['sec-websocket-protocol']).toBe('bokeh, token.abc');
      expect(JSON.stringify(upgrades[0])).not.toMatch(/secret/);
      expect(auth.seen[0].headers.authorization).toBe('token secret');
      expect(auth.seen[0].method).toBe('GET');
    });

    it('answers a refusal on the socket, in the API error shape', async () => {
      auth.refuseWith = errors.unauthenticated('Log in first.');
      const res = await openWebSocket({
        port,
        path: `/hpc/dask/${ID}/dashboard/eventstream`
      });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toEqual({
        error: { code: 'UNAUTHENTICATED', message: 'Log in first.' }
      });
      expect(upgrades).toHaveLength(0);
      expect(lookups).toHaveLength(0);
    });

    it.each<[string, number]>([
      ['/hpc/dask/NOPE/dashboard/eventstream', 400],
      ['/hpc/dask/000000000000/dashboard/eventstream', 404],
      ['/hpc/dask/starting1/dashboard/eventstream', 503],
      ['/hpc/api/version', 404],
      ['/hpc', 404]
    ])('%s → %d', async (path, status) => {
      const res = await openWebSocket({ port, path });
      expect(res.status).toBe(status);
      expect(JSON.parse(res.body).error.message.length).toBeGreaterThan(10);
      expect(upgrades).toHaveLength(0);
    });

    it('refuses cross-site upgrades where browsers send credentials themselves', async () => {
      await app.close();
      await start({ basePath: '/hpc/', ambient: true });
      const path = `/hpc/dask/${ID}/dashboard/eventstream`;
      const evil = await openWebSocket({
        port,
        path,
        headers: { origin: 'https://evil.example.org' }
      });
      expect(evil.status).toBe(403);
      expect(upgrades).toHaveLength(0);
      const own = await openWebSocket({
        port,
        path,
        headers: { origin: `http://127.0.0.1:${port}` }
      });
      expect(own.status).toBe(101);
      own.ws!.close();
      // The scheduler's own origin check is not asked (its address differs).
      expect(upgrades[0].origin).toBeUndefined();
    });

    it('closes proxied WebSockets when the app closes', async () => {
      const res = await openWebSocket({
        port,
        path: `/hpc/dask/${ID}/dashboard/eventstream`
      });
      expect(res.status).toBe(101);
      await app.close();
      await res.ws!.closed;
    });
  });

  describe('in front mode', () => {
    let jupyter: Server;
    const jupyterUpgrades: string[] = [];

    beforeEach(async () => {
      await app.close();
      jupyter = createServer((_req, res) => res.end('jupyter'));
      jupyter.on('upgrade', (req, socket: Socket) => {
        jupyterUpgrades.push(req.url ?? '');
        socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      });
      const jupyterPort = await listen(jupyter);
      auth = new FakeAuth();
      app = buildApp({
        config: parseConfig({}),
        auth,
        basePath: '/user/al/hpc/',
        root: '/tmp',
        logLevel: false,
        capabilities: { get: async () => ({}) } as unknown as CapabilityService,
        dashboardLookup: id => lookup(id),
        serverFactory: frontServerFactory(
          `http://127.0.0.1:${jupyterPort}/user/al/`,
          '/user/al/'
        )
      });
      await app.listen({ host: '127.0.0.1', port: 0 });
      port = (app.server.address() as AddressInfo).port;
    });
    afterEach(async () => {
      jupyter.closeAllConnections();
      await new Promise(r => jupyter.close(r));
    });

    it('sends dashboard WebSockets to the scheduler and the rest to Jupyter', async () => {
      const dash = await openWebSocket({
        port,
        path: `/user/al/hpc/dask/${ID}/dashboard/eventstream`
      });
      expect(dash.status).toBe(101);
      await dash.ws!.waitFor(m => m === 'hello /eventstream');
      dash.ws!.close();
      const kernel = await openWebSocket({
        port,
        path: '/user/al/api/kernels/k1/channels'
      });
      expect(kernel.status).toBe(400); // Jupyter's own answer
      expect(jupyterUpgrades).toEqual(['/user/al/api/kernels/k1/channels']);
      const other = await openWebSocket({ port, path: '/user/al/hpc/api/x' });
      expect(other.status).toBe(404);
      expect(jupyterUpgrades).toHaveLength(1);
      const http = await send(port, `/user/al/hpc/dask/${ID}/dashboard/health`);
      expect(http.status).toBe(200);
      expect(seen.map(s => s.url)).toEqual(['/health']);
    });
  });
});
