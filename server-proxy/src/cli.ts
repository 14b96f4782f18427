/**
 * Command-line parsing (pure: no I/O), kept apart from main.ts so that every
 * refusal is tested.
 */
import { parseArgs } from 'node:util';

export const USAGE = `Usage:
  hpc-proxy serve [--host 127.0.0.1] [--port N | --socket PATH] [--token T | --token-file F]
                  [--base-path /] [--config FILE] [--root DIR] [--log-level info]
  hpc-proxy front --port N [--host 127.0.0.1] [--base-path /]
                  [--jupyter-url URL | -- <jupyter server command, with {port} and {base_url}>]
                  [--config FILE] [--root DIR] [--log-level info]
  hpc-proxy --version | --help

serve: the API alone, behind jupyter-server-proxy. On a unix socket (created
  mode 0600) or on TCP with a token; without --token/--token-file a token is
  generated and written to a 0600 file named on stderr.
front: listens on --port, answers {base}hpc/... itself (checking the request's
  Jupyter credentials with the Jupyter server) and proxies everything else to
  Jupyter: the one at --jupyter-url, or the command after "--", started on a
  free port substituted for {port}.`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface ICommon {
  config?: string;
  root: string;
  basePath: string;
  logLevel: string;
}

export interface IServeArgs extends ICommon {
  mode: 'serve';
  host: string;
  port?: number;
  socket?: string;
  token?: string;
  tokenFile?: string;
}

export interface IFrontArgs extends ICommon {
  mode: 'front';
  host: string;
  port: number;
  jupyterUrl?: string;
  jupyterCommand?: string[];
}

export type CliArgs =
  IServeArgs | IFrontArgs | { mode: 'help' } | { mode: 'version' };

const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent'
];

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new UsageError(
      `${flag} must be a port number (0-65535), not "${value}"`
    );
  }
  return Number(value);
}

export function parseCli(argv: string[], cwd: string): CliArgs {
  const dashdash = argv.indexOf('--');
  const own = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
  const rest = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  let parsed;
  try {
    parsed = parseArgs({
      args: own,
      allowPositionals: true,
      strict: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        socket: { type: 'string' },
        token: { type: 'string' },
        'token-file': { type: 'string' },
        'base-path': { type: 'string' },
        config: { type: 'string' },
        root: { type: 'string' },
        'jupyter-url': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' }
      }
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    return { mode: 'help' };
  }
  if (values.version) {
    return { mode: 'version' };
  }
  const [mode, ...extra] = positionals;
  if (mode !== 'serve' && mode !== 'front') {
    throw new UsageError(
      mode
        ? `unknown command "${mode}" (expected serve or front)`
        : 'missing command: serve or front'
    );
  }
  if (extra.length) {
    throw new UsageError(`unexpected argument "${extra[0]}"`);
  }
  const logLevel = values['log-level'] ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const common: ICommon = {
    config: values.config,
    root: values.root ?? cwd,
    basePath: values['base-path'] ?? '/',
    logLevel
  };
  if (mode === 'serve') {
    if (rest.length || values['jupyter-url']) {
      throw new UsageError(
        'serve does not start or proxy Jupyter: use front for that'
      );
    }
    if (values.port !== undefined && values.socket !== undefined) {
      throw new UsageError('--port and --socket are mutually exclusive');
    }
    if (values.token !== undefined && values['token-file'] !== undefined) {
      throw new UsageError('--token and --token-file are mutually exclusive');
    }
    if (values.token === '') {
      throw new UsageError('--token must not be empty');
    }
    return {
      mode,
      ...common,
      host: values.host ?? '127.0.0.1',
      port:
        values.socket === undefined
          ? (port(values.port, '--port') ?? 0)
          : undefined,
      socket: values.socket,
      token: values.token,
      tokenFile: values['token-file']
    };
  }
  const frontPort = port(values.port, '--port');
  if (frontPort === undefined) {
    throw new UsageError('front needs --port');
  }
  if (
    values.socket !== undefined ||
    values.token !== undefined ||
    values['token-file'] !== undefined
  ) {
    throw new UsageError(
      'front checks Jupyter credentials: --socket and --token are for serve'
    );
  }
  if (!!values['jupyter-url'] === !!rest.length) {
    throw new UsageError(
      'front needs either --jupyter-url URL or "-- <jupyter server command>"'
    );
  }
  if (values['jupyter-url']) {
    let url: URL;
    try {
      url = new URL(values['jupyter-url']);
    } catch {
      throw new UsageError(
        `--jupyter-url is not a URL: "${values['jupyter-url']}"`
      );
    }
    if (url.protocol !== 'http:') {
      throw new UsageError('--jupyter-url must be an http:// URL');
    }
  } else if (!rest.some(a => a.includes('{port}'))) {
    throw new UsageError(
      'the Jupyter command must contain {port}, where front puts the port it picked'
    );
  }
  return {
    mode,
    ...common,
    host: values.host ?? '127.0.0.1',
    port: frontPort,
    jupyterUrl: values['jupyter-url'],
    jupyterCommand: rest.length ? rest : undefined
  };
}
