/**
 * `hpc-proxy`: parses the command line, loads the config, listens, and shuts
 * down gracefully (in-flight requests finish, commands and the Jupyter child
 * are stopped, the socket file is removed).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  lstatSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildApp, normalizeBasePath } from './app';
import { IAuthenticator, JupyterAuth, SocketPeerAuth, TokenAuth } from './auth';
import {
  CliArgs,
  IFrontArgs,
  IServeArgs,
  parseCli,
  USAGE,
  UsageError
} from './cli';
import { ConfigError, IHpcConfig, loadConfig } from './config';
import {
  expandCommand,
  freePort,
  frontServerFactory,
  startJupyter,
  stopChild,
  waitForHttp
} from './front';
import { SERVER_VERSION } from './version';

/** Exit codes: 2 = bad usage or config, 1 = failed to start. */
function fail(message: string, code: number): never {
  process.stderr.write(`hpc-proxy: ${message}\n`);
  process.exit(code);
}

/** Is something listening on this unix socket? (A stale file is not.) */
function socketInUse(path: string): Promise<boolean> {
  return new Promise(resolvePromise => {
    const c = connect(path);
    c.once('connect', () => {
      c.destroy();
      resolvePromise(true);
    });
    c.once('error', () => resolvePromise(false));
  });
}

async function prepareSocket(path: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return; // nothing there
  }
  if (!stat.isSocket()) {
    fail(`${path} exists and is not a socket: refusing to replace it`, 1);
  }
  if (await socketInUse(path)) {
    fail(`another server is already listening on ${path}`, 1);
  }
  unlinkSync(path);
}

/** Writes a generated token to a new 0600 file and returns its path. */
function writeTokenFile(token: string, port: number): string {
  const dir = process.env.XDG_RUNTIME_DIR || tmpdir();
  const file = join(dir, `hpc-proxy-${port}-${process.pid}.token`);
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, `${token}\n`);
  } finally {
    closeSync(fd);
  }
  return file;
}

function serveAuth(args: IServeArgs): {
  auth: IAuthenticator;
  generated?: string;
} {
  if (args.socket && !args.token && !args.tokenFile) {
    return { auth: new SocketPeerAuth() };
  }
  if (args.tokenFile) {
    let token: string;
    try {
      token = readFileSync(args.tokenFile, 'utf8').trim();
    } catch (e) {
      fail(`cannot read --token-file: ${(e as Error).message}`, 2);
    }
    if (!token) {
      fail(`--token-file ${args.tokenFile} is empty`, 2);
    }
    return { auth: new TokenAuth(token) };
  }
  if (args.token) {
    return { auth: new TokenAuth(args.token) };
  }
  const generated = randomBytes(24).toString('hex');
  return { auth: new TokenAuth(generated), generated };
}

async function serve(
  args: IServeArgs,
  config: IHpcConfig
): Promise<() => Promise<void>> {
  const { auth, generated } = serveAuth(args);
  const app = buildApp({
    config,
    auth,
    basePath: args.basePath,
    root: args.root,
    logLevel: args.logLevel
  });
  if (args.socket) {
    const socket = resolve(args.socket);
    await prepareSocket(socket);
    // The socket is born 0600: no window in which another user could connect.
    const old = process.umask(0o177);
    try {
      await app.listen({ path: socket });
    } finally {
      process.umask(old);
    }
    chmodSync(socket, 0o600);
    app.log.info({ socket }, 'listening on unix socket');
    return async () => {
      await app.close();
      try {
        unlinkSync(socket);
      } catch {
        // already removed
      }
    };
  }
  await app.listen({ host: args.host, port: args.port ?? 0 });
  const address = app.server.address();
  const port =
    typeof address === 'object' && address ? address.port : (args.port ?? 0);
  app.log.info({ host: args.host, port }, 'listening');
  if (generated) {
    const file = writeTokenFile(generated, port);
    process.stderr.write(
      `hpc-proxy: listening on http://${args.host}:${port}/ ; token written to ${file}\n`
    );
    return async () => {
      await app.close();
      try {
        unlinkSync(file);
      } catch {
        // already removed
      }
    };
  }
  return async () => app.close();
}

async function front(
  args: IFrontArgs,
  config: IHpcConfig
): Promise<() => Promise<void>> {
  const basePath = normalizeBasePath(args.basePath);
  let child: ChildProcess | undefined;
  let jupyterUrl = args.jupyterUrl;
  if (args.jupyterCommand) {
    const port = await freePort();
    jupyterUrl = `http://127.0.0.1:${port}${basePath}`;
    child = startJupyter(
      expandCommand(args.jupyterCommand, { port, baseUrl: basePath })
    );
    child.once('exit', (code, signal) => {
      process.stderr.write(
        `hpc-proxy: the Jupyter server exited (${signal ?? code}); stopping\n`
      );
      process.kill(process.pid, 'SIGTERM');
    });
  }
  const url = jupyterUrl as string;
  try {
    // Listen only once Jupyter answers, so nobody (e.g. JupyterHub's spawner
    // poll) ever sees a 502 from us during start-up.
    await waitForHttp(new URL('api/status', url.replace(/\/?$/, '/')).href, {
      timeoutMs: 120_000,
      child
    });
  } catch (e) {
    if (child) {
      await stopChild(child);
    }
    fail((e as Error).message, 1);
  }
  const app = buildApp({
    config,
    auth: new JupyterAuth({ jupyterUrl: url }),
    basePath: `${basePath}hpc/`,
    root: args.root,
    logLevel: args.logLevel,
    serverFactory: frontServerFactory(url, basePath),
    // The meter's process tree: the Jupyter we started, else ourselves.
    processRootPid: child?.pid ?? process.pid
  });
  await app.listen({ host: args.host, port: args.port });
  const address = app.server.address();
  const port =
    typeof address === 'object' && address ? address.port : args.port;
  app.log.info({ host: args.host, port, jupyter: url }, 'front listening');
  process.stderr.write(
    `hpc-proxy: front listening on http://${args.host}:${port}${basePath} (Jupyter at ${url})\n`
  );
  return async () => {
    child?.removeAllListeners('exit');
    await Promise.all([
      app.close(),
      child ? stopChild(child) : Promise.resolve()
    ]);
  };
}

export async function main(argv: string[]): Promise<void> {
  let args: CliArgs;
  try {
    args = parseCli(argv, process.cwd());
  } catch (e) {
    if (e instanceof UsageError) {
      fail(`${e.message}\n\n${USAGE}`, 2);
    }
    throw e;
  }
  if (args.mode === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (args.mode === 'version') {
    process.stdout.write(`${SERVER_VERSION}\n`);
    return;
  }
  let config: IHpcConfig;
  try {
    config = loadConfig(args.config);
  } catch (e) {
    if (e instanceof ConfigError) {
      fail(e.message, 2);
    }
    throw e;
  }
  const stop =
    args.mode === 'serve'
      ? await serve(args, config)
      : await front(args, config);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    process.stderr.write(`hpc-proxy: ${signal}: shutting down\n`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1)
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => shutdown(signal));
  }
}
