/**
 * Front mode: one public port that answers `{base}hpc/...` itself and proxies
 * everything else (HTTP and WebSocket) to the Jupyter server, which it may
 * start as a child process. Used by the demo, the UI tests and JupyterHub's
 * `Spawner.cmd` wrapper.
 */
import { ChildProcess, spawn } from 'node:child_process';
import {
  createServer,
  IncomingMessage,
  Server,
  ServerResponse
} from 'node:http';
import { AddressInfo, createServer as createNetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** True when `url` is under `{base}hpc/` (or is `{base}hpc` itself). */
export function isHpcPath(url: string | undefined, basePath: string): boolean {
  const path = (url ?? '/').split('?')[0];
  const hpc = `${basePath}hpc`;
  return path === hpc || path.startsWith(`${hpc}/`);
}

/**
 * A Fastify `serverFactory`: `hpc/` requests go to Fastify's handler, the
 * rest to Jupyter; WebSocket upgrades (kernels, terminals) go to Jupyter,
 * except under `hpc/`, left to the app's own `upgrade` listener (app.ts).
 */
export function frontServerFactory(jupyterUrl: string, basePath: string) {
  const target = new URL(jupyterUrl);
  const proxy = httpProxy.createProxyServer({
    target: `${target.protocol}//${target.host}`,
    ws: true,
    xfwd: true,
    // Keep the browser's Host so Jupyter's Origin/Host checks see one site.
    changeOrigin: false
  });
  proxy.on('error', (err, _req, res) => {
    if (res instanceof ServerResponse) {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      }
      res.end(`The Jupyter server is not reachable: ${err.message}\n`);
    } else {
      (res as Duplex).destroy();
    }
  });
  return (handler: Handler): Server => {
    const server = createServer((req, res) => {
      if (isHpcPath(req.url, basePath)) {
        handler(req, res);
      } else {
        proxy.web(req, res);
      }
    });
    server.on(
      'upgrade',
      (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (!isHpcPath(req.url, basePath)) {
          proxy.ws(req, socket, head);
        } else if (server.listenerCount('upgrade') === 1) {
          // hpc/ WebSockets are the app's (its own listener, app.ts); none here.
          socket.destroy();
        }
      }
    );
    server.on('close', () => proxy.close());
    return server;
  };
}

/** A TCP port nobody listens on right now (for the Jupyter child). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Replaces `{port}` and `{base_url}` in the Jupyter command line. */
export function expandCommand(
  argv: string[],
  values: { port: number; baseUrl: string }
): string[] {
  // Replacer functions: a `$&` or `$'` in the base URL stays literal.
  return argv.map(arg =>
    arg
      .replace(/\{port\}/g, () => String(values.port))
      .replace(/\{base_url\}/g, () => values.baseUrl)
  );
}

/** Resolves once `url` answers with a status below 500. */
export async function waitForHttp(
  url: string,
  options: { timeoutMs: number; child?: ChildProcess }
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (options.child && options.child.exitCode !== null) {
      throw new Error(
        `the Jupyter server exited with status ${options.child.exitCode}`
      );
    }
    try {
      const res = await fetch(url, { redirect: 'manual' });
      await res.arrayBuffer();
      if (res.status < 500) {
        return;
      }
      last = `status ${res.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`the Jupyter server did not answer at ${url} (${last})`);
}

/**
 * Starts the Jupyter command, output inherited. It stays in our process group
 * so that whoever kills the group (a terminal's Ctrl-C, a test runner) stops
 * it too; `stopChild` handles the orderly case.
 */
export function startJupyter(argv: string[]): ChildProcess {
  const [command, ...args] = argv;
  return spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
}

/** SIGTERM the child, then SIGKILL after `graceMs`; resolves on exit. */
export function stopChild(
  child: ChildProcess,
  graceMs = 10_000
): Promise<void> {
  if (
    child.exitCode !== null ||
    child.signalCode !== null ||
    child.pid === undefined
  ) {
    return Promise.resolve();
  }
  const pid = child.pid;
  return new Promise(resolve => {
    const timer = setTimeout(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      // Jupyter shuts its kernels down on SIGTERM (SIGINT would ask to confirm).
      process.kill(pid, 'SIGTERM');
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}
