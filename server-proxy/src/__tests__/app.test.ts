import type { FastifyInstance } from 'fastify';
import { userInfo } from 'os';
import { buildApp, normalizeBasePath } from '../app';
import type { IAuthenticator, IAuthRequest } from '../auth';
import type { CapabilityService, ICapabilities } from '../capabilities';
import { parseConfig } from '../config';
import { errors, HpcError } from '../errors';
import { API_VERSION, SERVER_NAME, SERVER_VERSION } from '../version';

const CAPS: ICapabilities = {
  slurm: {
    available: true,
    version: '22.05.8',
    clusters: ['testcluster'],
    accounting: true
  },
  gpu: { available: false, reason: 'nvidia-smi was not found' },
  dask: { available: true, python: '/usr/bin/python3', version: '2022.12.1' },
  gallery: { available: false, catalogues: 0, reason: 'none configured' },
  commands: { squeue: '/usr/bin/squeue' },
  checkedAt: '2026-01-01T00:00:00.000Z'
};

/** A capability service that counts its calls and may be told to fail. */
class FakeCapabilities {
  calls: boolean[] = [];
  failWith: unknown = null;

  async get(refresh = false): Promise<ICapabilities> {
    this.calls.push(refresh);
    if (this.failWith) {
      throw this.failWith;
    }
    return CAPS;
  }
}

/** Lets every request in, or refuses each with the error it was given. */
class FakeAuth implements IAuthenticator {
  seen: IAuthRequest[] = [];
  refuseWith: HpcError | null = null;

  async check(req: IAuthRequest): Promise<void> {
    this.seen.push(req);
    if (this.refuseWith) {
      throw this.refuseWith;
    }
  }
}

interface IErrorJson {
  error: { code: string; message: string };
}

describe('buildApp', () => {
  let app: FastifyInstance;
  let auth: FakeAuth;
  let caps: FakeCapabilities;

  async function start(basePath?: string): Promise<void> {
    await app?.close();
    auth = new FakeAuth();
    caps = new FakeCapabilities();
    app = buildApp({
      config: parseConfig({}),
      auth,
      basePath,
      root: '/tmp',
      capabilities: caps as unknown as CapabilityService,
      logLevel: false
    });
    await app.ready();
  }

  beforeEach(async () => {
    await start();
  });
  afterEach(async () => {
    await app.close();
  });

  function expectErrorShape(body: unknown, code: string): IErrorJson {
    expect(body).toEqual({
      error: { code, message: expect.any(String) }
    });
    const e = body as IErrorJson;
    expect(e.error.message.length).toBeGreaterThan(0);
    return e;
  }

  it('answers api/version with the capabilities', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/version' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      name: SERVER_NAME,
      version: SERVER_VERSION,
      apiVersion: API_VERSION,
      user: userInfo().username,
      capabilities: CAPS
    });
    expect(caps.calls).toContain(false);
  });

  it('refuses a Slurm cluster it does not know, before anything runs', async () => {
    for (const request of [
      { method: 'GET' as const, url: '/api/slurm/jobs?scope=all&cluster=c9' },
      { method: 'GET' as const, url: '/api/slurm/jobs/12?cluster=c9' },
      {
        method: 'POST' as const,
        url: '/api/slurm/jobs/actions',
        payload: { action: 'cancel', jobIds: ['12'], cluster: 'c9' }
      }
    ]) {
      const res = await app.inject(request);
      expect(res.statusCode).toBe(400);
      const e = expectErrorShape(res.json(), 'UNKNOWN_CLUSTER');
      expect(e.error.message).toBe(
        'Unknown Slurm cluster "c9": this server knows testcluster.'
      );
    }
  });

  it('refreshes on POST api/capabilities/refresh', async () => {
    caps.calls = [];
    const res = await app.inject({
      method: 'POST',
      url: '/api/capabilities/refresh'
    });
    expect(res.statusCode).toBe(200);
    expect(caps.calls).toEqual([true]);
  });

  it('sets cache-control: no-store on answers and errors', async () => {
    const ok = await app.inject({ method: 'GET', url: '/api/version' });
    expect(ok.headers['cache-control']).toBe('no-store');
    const missing = await app.inject({ method: 'GET', url: '/api/nothing' });
    expect(missing.headers['cache-control']).toBe('no-store');
  });

  it('refuses an unknown query key with 400 INVALID_INPUT', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/version?scope=all'
    });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.json(), 'INVALID_INPUT');
  });

  it("accepts Jupyter's cache-busting `?<timestamp>`", async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/version?1795446050669'
    });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { apiVersion: number }).apiVersion).toBe(API_VERSION);
  });

  it('does not take a digit key with a value for a cache buster', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/version?123=x' });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.json(), 'INVALID_INPUT');
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/slurm/nothing?x=1'
    });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const e = expectErrorShape(res.json(), 'NOT_FOUND');
    expect(e.error.message).toBe('No such route: GET /api/slurm/nothing');
  });

  it('answers a wrong method with a JSON 404', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/api/version' });
    expect(res.statusCode).toBe(404);
    expectErrorShape(res.json(), 'NOT_FOUND');
  });

  it('accepts an empty JSON body on POST', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/capabilities/refresh',
      headers: { 'content-type': 'application/json' },
      payload: ''
    });
    expect(res.statusCode).toBe(200);
  });

  it('accepts a whitespace-only JSON body', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/capabilities/refresh',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload: ' \n'
    });
    expect(res.statusCode).toBe(200);
  });

  it('refuses an invalid JSON body with 400', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/capabilities/refresh',
      headers: { 'content-type': 'application/json' },
      payload: '{"x": '
    });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.json(), 'INVALID_JSON');
    expect(caps.calls).not.toContain(true);
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/capabilities/refresh',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ x: 'a'.repeat(2 << 20) })
    });
    expect(res.statusCode).toBe(413);
    expect((res.json() as IErrorJson).error.code).toEqual(expect.any(String));
  });

  it('passes a 401 from the authenticator through before routing', async () => {
    auth.refuseWith = errors.unauthenticated('no token here');
    caps.calls = [];
    const res = await app.inject({ method: 'GET', url: '/api/version' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      error: { code: 'UNAUTHENTICATED', message: 'no token here' }
    });
    expect(caps.calls).toEqual([]);
    // Unknown routes are not disclosed to strangers either.
    const missing = await app.inject({ method: 'GET', url: '/api/secret' });
    expect(missing.statusCode).toBe(401);
  });

  it('passes a 403 from the authenticator through with its code', async () => {
    auth.refuseWith = errors.forbidden('no XSRF', 'XSRF');
    const res = await app.inject({
      method: 'POST',
      url: '/api/capabilities/refresh'
    });
    expect(res.statusCode).toBe(403);
    expectErrorShape(res.json(), 'XSRF');
  });

  it('shows the authenticator the method and headers', async () => {
    await app.inject({
      method: 'POST',
      url: '/api/capabilities/refresh',
      headers: { authorization: 'token abc', 'x-xsrftoken': 'x' }
    });
    const seen = auth.seen[auth.seen.length - 1];
    expect(seen.method).toBe('POST');
    expect(seen.headers.authorization).toBe('token abc');
    expect(seen.headers['x-xsrftoken']).toBe('x');
  });

  it('renders an HpcError from a service as its status and code', async () => {
    caps.failWith = errors.unavailable('Slurm is down', 'SLURM_UNAVAILABLE');
    const res = await app.inject({ method: 'GET', url: '/api/version' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      error: { code: 'SLURM_UNAVAILABLE', message: 'Slurm is down' }
    });
  });

  it('hides an unexpected exception behind 500 INTERNAL', async () => {
    const secret = new Error('db password is hunter2');
    caps.failWith = secret;
    const res = await app.inject({ method: 'GET', url: '/api/version' });
    expect(res.statusCode).toBe(500);
    const e = expectErrorShape(res.json(), 'INTERNAL');
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('stack');
    expect(res.body).not.toMatch(/\.ts:\d+/);
    expect(e.error.message).toMatch(/server log/);
  });

  it('serves under a base path and nowhere else', async () => {
    await start('/hpc/');
    const under = await app.inject({ method: 'GET', url: '/hpc/api/version' });
    expect(under.statusCode).toBe(200);
    const trailing = await app.inject({
      method: 'GET',
      url: '/hpc/api/version/'
    });
    expect(trailing.statusCode).toBe(200);
    const root = await app.inject({ method: 'GET', url: '/api/version' });
    expect(root.statusCode).toBe(404);
  });
});

describe('normalizeBasePath', () => {
  it.each([
    [undefined, '/'],
    ['', '/'],
    ['/', '/'],
    ['hpc', '/hpc/'],
    ['/user/alice/hpc/', '/user/alice/hpc/'],
    ['//x//', '/x/']
  ])('%j → %j', (input, expected) => {
    expect(normalizeBasePath(input)).toBe(expected);
  });
});
