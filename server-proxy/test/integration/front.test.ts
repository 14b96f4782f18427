/**
 * `front` with a real Jupyter (Debian's jupyter_server 1.23) started as its
 * child: hpc/ requests authenticated with Jupyter's own token or login
 * cookie (+ XSRF on mutating requests), the rest proxied to Jupyter, and
 * both stopped together on SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import {
  alive,
  cleanup,
  freePort,
  http,
  IErrorJson,
  IProc,
  IResponse,
  IVersion,
  makeTmp,
  startProxy,
  trackGroup,
  waitFor
} from './helpers';

const SECRET = randomBytes(16).toString('hex');

/** Pids whose parent is `ppid` and whose command line contains `word`. */
function childrenOf(ppid: number, word: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (Number(fields[1]) === ppid && cmdline.split('\0').includes(word)) {
        pids.push(Number(name));
      }
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** `Set-Cookie` headers → name → value (attributes dropped). */
function setCookies(res: IResponse): Map<string, string> {
  const jar = new Map<string, string>();
  for (const line of res.headers['set-cookie'] ?? []) {
    const pair = line.split(';')[0];
    const i = pair.indexOf('=');
    jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
  }
  return jar;
}

function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

let front: IProc;
let port: number;
let jupyterPort: number;
let jupyterPid: number;

beforeAll(async () => {
  const root = makeTmp();
  port = await freePort();
  front = startProxy([
    'front',
    '--port',
    String(port),
    '--log-level',
    'warn',
    '--',
    '/usr/bin/python3',
    '-m',
    'jupyter_server',
    '--port={port}',
    `--ServerApp.token=${SECRET}`,
    `--ServerApp.root_dir=${root}`,
    '--ServerApp.allow_root=True',
    '--ServerApp.open_browser=False',
    '--ServerApp.port_retries=0'
  ]);
  const [, jp] = await front.waitForStderr(
    /front listening on http:\/\/127\.0\.0\.1:\d+\/ \(Jupyter at http:\/\/127\.0\.0\.1:(\d+)\/\)/,
    50_000
  );
  jupyterPort = Number(jp);
  // (The capability probes may be running beside it.)
  const kids = childrenOf(front.pid, 'jupyter_server');
  // Jupyter leads its own process group: kill it too if a test fails.
  kids.forEach(trackGroup);
  expect(kids).toHaveLength(1);
  jupyterPid = kids[0];
}, 60_000);

afterAll(cleanup);

describe('front with a real Jupyter', () => {
  it('refuses hpc/ without credentials with 401', async () => {
    const res = await http({ port, path: '/hpc/api/version' });
    expect(res.status).toBe(401);
    expect(res.json<IErrorJson>().error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a token Jupyter does not accept with 403', async () => {
    const res = await http({
      port,
      path: '/hpc/api/version',
      headers: { authorization: 'token wrong' }
    });
    expect(res.status).toBe(403);
    expect(res.json<IErrorJson>().error.code).toBe('FORBIDDEN');
  });

  it("accepts Jupyter's token", async () => {
    const res = await http({
      port,
      path: '/hpc/api/version',
      headers: { authorization: `token ${SECRET}` }
    });
    expect(res.status).toBe(200);
    const body = res.json<IVersion>();
    expect(body.apiVersion).toBe(1);
    expect(body.capabilities.slurm.available).toBe(true);
  });

  it('proxies everything else to Jupyter itself', async () => {
    const res = await http({
      port,
      path: '/api/status',
      headers: { authorization: `token ${SECRET}` }
    });
    expect(res.status).toBe(200);
    expect(res.headers.server).toMatch(/TornadoServer/);
    const status = res.json<{ started: string; kernels: number }>();
    expect(typeof status.started).toBe('string');
    expect(status.kernels).toBe(0);
    const refused = await http({ port, path: '/api/status' });
    expect(refused.status).toBe(403);
    expect(refused.headers.server).toMatch(/TornadoServer/);
  });

  describe('with the cookies of a browser login', () => {
    const jar = new Map<string, string>();
    let loginCookie = '';

    beforeAll(async () => {
      // What a browser does: open the URL Jupyter printed, follow redirects.
      let path = `/?token=${SECRET}`;
      for (let hop = 0; hop < 5 && path; hop++) {
        const res = await http({
          port,
          path,
          headers: { cookie: cookieHeader(jar) }
        });
        setCookies(res).forEach((v, k) => jar.set(k, v));
        const location = res.headers.location;
        path =
          res.status >= 300 && res.status < 400 && location
            ? new URL(location, `http://127.0.0.1:${port}/`).pathname
            : '';
      }
      loginCookie = `username-127-0-0-1-${port}`;
    });

    it('gets the login and _xsrf cookies from Jupyter through the front', () => {
      expect([...jar.keys()]).toEqual(
        expect.arrayContaining([loginCookie, '_xsrf'])
      );
      expect(jar.get('_xsrf')).toMatch(/^2\|[0-9a-f]{8}\|[0-9a-f]+\|\d+$/);
    });

    it('accepts GET hpc/ with the cookies alone', async () => {
      const res = await http({
        port,
        path: '/hpc/api/version',
        headers: { cookie: cookieHeader(jar) }
      });
      expect(res.status).toBe(200);
      expect(res.json<IVersion>().apiVersion).toBe(1);
    });

    it('refuses a cookie-authenticated POST without X-XSRFToken', async () => {
      const res = await http({
        port,
        method: 'POST',
        path: '/hpc/api/capabilities/refresh',
        headers: { cookie: cookieHeader(jar) }
      });
      expect(res.status).toBe(403);
      expect(res.json<IErrorJson>().error.code).toBe('XSRF');
    });

    it('refuses an X-XSRFToken that is not the cookie', async () => {
      const xsrf = jar.get('_xsrf') as string;
      const [v, mask, masked, ts] = xsrf.split('|');
      const flipped = masked.replace(/^./, c => (c === '0' ? '1' : '0'));
      const res = await http({
        port,
        method: 'POST',
        path: '/hpc/api/capabilities/refresh',
        headers: {
          cookie: cookieHeader(jar),
          'x-xsrftoken': [v, mask, flipped, ts].join('|')
        }
      });
      expect(res.status).toBe(403);
      expect(res.json<IErrorJson>().error.code).toBe('XSRF');
    });

    it('accepts the POST with X-XSRFToken = the _xsrf cookie', async () => {
      const res = await http({
        port,
        method: 'POST',
        path: '/hpc/api/capabilities/refresh',
        headers: {
          cookie: cookieHeader(jar),
          'x-xsrftoken': jar.get('_xsrf') as string,
          'content-type': 'application/json'
        }
      });
      expect(res.status).toBe(200);
      expect(res.json<IVersion>().capabilities.slurm.available).toBe(true);
    });

    it('refuses a garbage login cookie with 403', async () => {
      const forged = new Map(jar);
      forged.set(loginCookie, '"2|1:0|10:1795448113|garbage"');
      const res = await http({
        port,
        path: '/hpc/api/version',
        headers: { cookie: cookieHeader(forged) }
      });
      expect(res.status).toBe(403);
      expect(res.json<IErrorJson>().error.code).toBe('FORBIDDEN');
    });
  });

  it('stops Jupyter with itself on SIGTERM and exits 0', async () => {
    expect(alive(jupyterPid)).toBe(true);
    process.kill(front.pid, 'SIGTERM');
    const exit = await front.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await waitFor(() => !alive(jupyterPid), 15_000)).toBe(true);
    await expect(
      http({ port: jupyterPort, path: '/api/status', timeoutMs: 2000 })
    ).rejects.toThrow(/ECONNREFUSED/);
    await expect(
      http({ port, path: '/hpc/api/version', timeoutMs: 2000 })
    ).rejects.toThrow(/ECONNREFUSED/);
  }, 30_000);
});
