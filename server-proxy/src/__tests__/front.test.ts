import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  createServer,
  IncomingHttpHeaders,
  request,
  Server,
  ServerResponse
} from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  expandCommand,
  freePort,
  frontServerFactory,
  isHpcPath,
  stopChild,
  waitForHttp
} from '../front';
import { alive, waitFor } from './helpers';

describe('isHpcPath', () => {
  it.each<[string | undefined, string, boolean]>([
    ['/hpc', '/', true],
    ['/hpc/', '/', true],
    ['/hpc/api/version', '/', true],
    ['/hpc/api/version?1795446050669', '/', true],
    ['/hpc?x=1', '/', true],
    ['/hpcx/api', '/', false],
    ['/hpc-other', '/', false],
    ['/api/status', '/', false],
    ['/lab/tree/hpc/x', '/', false],
    ['/?next=/hpc/api', '/', false],
    [undefined, '/', false],
    ['/user/alice/hpc/api/version', '/user/alice/', true],
    ['/user/alice/hpc', '/user/alice/', true],
    ['/hpc/api/version', '/user/alice/', false],
    ['/user/bob/hpc/api', '/user/alice/', false]
  ])('%j under base %j → %j', (url, base, expected) => {
    expect(isHpcPath(url, base)).toBe(expected);
  });
});

describe('expandCommand', () => {
  it('replaces every {port} and {base_url}, touching nothing else', () => {
    const argv = [
      '/usr/bin/python3',
      '-m',
      'jupyter_server',
      '--port={port}',
      '--ServerApp.base_url={base_url}',
      '--ServerApp.custom_display_url=http://h:{port}{base_url}lab',
      '$(echo {port})',
      '{other}'
    ];
    const out = expandCommand(argv, { port: 8123, baseUrl: '/user/alice/' });
    expect(out).toEqual([
      '/usr/bin/python3',
      '-m',
      'jupyter_server',
      '--port=8123',
      '--ServerApp.base_url=/user/alice/',
      '--ServerApp.custom_display_url=http://h:8123/user/alice/lab',
      '$(echo 8123)',
      '{other}'
    ]);
    expect(argv[3]).toBe('--port={port}');
  });

  it('does not treat $ patterns in the base URL as replacement syntax', () => {
    expect(
      expandCommand(['{base_url}'], { port: 1, baseUrl: "/$'x/" })
    ).toEqual(["/$'x/"]);
  });
});

describe('freePort', () => {
  it('gives a port that can be listened on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const s = createServer();
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', resolve);
    });
    await new Promise(r => s.close(r));
  });
});

interface IEcho {
  path: string;
  headers: IncomingHttpHeaders;
}

function listen(server: Server): Promise<number> {
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () =>
      resolve((server.address() as AddressInfo).port)
    )
  );
}

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {}
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path, headers }, res => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.on('error', reject);
    r.end();
  });
}

/** Sends a WebSocket-style upgrade; resolves with the status line's code. */
function upgrade(port: number, path: string): Promise<number | 'closed'> {
  return new Promise(resolve => {
    const r = request({
      host: '127.0.0.1',
      port,
      path,
      headers: { connection: 'Upgrade', upgrade: 'websocket' }
    });
    r.on('upgrade', (res, socket: Socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    r.on('response', res => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    r.on('error', () => resolve('closed'));
    r.end();
  });
}

describe('frontServerFactory', () => {
  let jupyter: Server;
  let front: Server;
  let frontPort: number;
  const upgrades: string[] = [];

  beforeAll(async () => {
    // A stand-in Jupyter that tells what it received.
    jupyter = createServer((req, res) => {
      const echo: IEcho = { path: req.url ?? '', headers: req.headers };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(echo));
    });
    jupyter.on('upgrade', (req, socket: Socket) => {
      upgrades.push(req.url ?? '');
      socket.end(
        'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'
      );
    });
    const jupyterPort = await listen(jupyter);
    const factory = frontServerFactory(
      `http://127.0.0.1:${jupyterPort}/user/alice/`,
      '/user/alice/'
    );
    front = factory((_req, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hpc');
    });
    frontPort = await listen(front);
  });
  afterAll(async () => {
    await new Promise(r => front.close(r));
    await new Promise(r => jupyter.close(r));
  });

  it('answers hpc/ itself', async () => {
    const res = await get(frontPort, '/user/alice/hpc/api/version');
    expect(res).toEqual({ status: 200, body: 'hpc' });
  });

  it("proxies the rest to Jupyter, keeping the browser's Host", async () => {
    const res = await get(frontPort, '/user/alice/api/status?x=1', {
      host: 'jupyter.example.org:8443',
      cookie: 'a=b'
    });
    expect(res.status).toBe(200);
    const echo = JSON.parse(res.body) as IEcho;
    expect(echo.path).toBe('/user/alice/api/status?x=1');
    expect(echo.headers.host).toBe('jupyter.example.org:8443');
    expect(echo.headers.cookie).toBe('a=b');
    expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('proxies WebSocket upgrades to Jupyter and refuses them under hpc/', async () => {
    expect(await upgrade(frontPort, '/user/alice/api/kernels/k/channels')).toBe(
      101
    );
    expect(upgrades).toContain('/user/alice/api/kernels/k/channels');
    expect(await upgrade(frontPort, '/user/alice/hpc/ws')).toBe('closed');
    expect(upgrades).not.toContain('/user/alice/hpc/ws');
  });

  it('answers 502 when Jupyter is gone', async () => {
    const port = await freePort();
    const lonely = frontServerFactory(
      `http://127.0.0.1:${port}/`,
      '/'
    )((_req, res) => res.end('hpc'));
    const lonelyPort = await listen(lonely);
    try {
      const res = await get(lonelyPort, '/lab');
      expect(res.status).toBe(502);
      expect(res.body).toMatch(/not reachable/);
    } finally {
      await new Promise(r => lonely.close(r));
    }
  });
});

describe('waitForHttp', () => {
  it('resolves once the URL answers', async () => {
    const s = createServer((_req, res) => res.end('ok'));
    const port = await listen(s);
    try {
      await expect(
        waitForHttp(`http://127.0.0.1:${port}/api/status`, { timeoutMs: 2000 })
      ).resolves.toBeUndefined();
    } finally {
      await new Promise(r => s.close(r));
    }
  });

  it('gives up after its timeout, saying why', async () => {
    const port = await freePort();
    await expect(
      waitForHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 300 })
    ).rejects.toThrow(/did not answer at http:\/\/127\.0\.0\.1:\d+\//);
  });

  it('stops waiting when the child exits', async () => {
    const child = spawn('/bin/sh', ['-c', 'exit 3']);
    await new Promise(r => child.once('exit', r));
    const port = await freePort();
    await expect(
      waitForHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 10_000, child })
    ).rejects.toThrow(/exited with status 3/);
  });
});

describe('stopChild', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hpc-front-test-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function started(pidFile: string): Promise<number> {
    for (let i = 0; i < 250 && !existsSync(pidFile); i++) {
      await new Promise(r => setTimeout(r, 20));
    }
    for (let i = 0; i < 50; i++) {
      const text = readFileSync(pidFile, 'utf8').trim();
      if (text) {
        return Number(text);
      }
      await new Promise(r => setTimeout(r, 20));
    }
    throw new Error('no pid written');
  }

  it('stops the child with SIGTERM and resolves when it is gone', async () => {
    const child = spawn('/bin/sleep', ['60'], {
      detached: true,
      stdio: 'ignore'
    });
    const pid = child.pid as number;
    try {
      await stopChild(child, 5000);
      expect(child.signalCode).toBe('SIGTERM');
      expect(await waitFor(() => !alive(pid))).toBe(true);
    } finally {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // stopped, as expected
      }
    }
  });

  it('kills a child that ignores SIGTERM after the grace period', async () => {
    const pidFile = join(dir, 'pid');
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        `trap '' TERM; echo $$ > '${pidFile}'; while :; do sleep 0.05; done`
      ],
      { detached: true, stdio: 'ignore' }
    );
    await started(pidFile);
    const t0 = Date.now();
    await stopChild(child, 300);
    expect(child.signalCode).toBe('SIGKILL');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('returns at once for a child that already exited', async () => {
    const child = spawn('/bin/true', [], { detached: true });
    await new Promise(r => child.once('exit', r));
    await expect(stopChild(child, 10)).resolves.toBeUndefined();
  });
});
