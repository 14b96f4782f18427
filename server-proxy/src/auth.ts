/**
 * Who may use the server. Two schemes, one per deployment (DESIGN.md, "How the
 * server is reached"):
 * - `TokenAuth` for `serve` on TCP: `Authorization: token <T>`, compared in
 *   constant time;
 * - `JupyterAuth` for `front`: the request's own Jupyter credentials (Cookie,
 *   Authorization) are shown to the Jupyter server, whose verdict is cached
 *   briefly; cookie-authenticated mutating requests must also carry the XSRF
 *   token, exactly as Jupyter requires for its own API.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { request as httpRequest, IncomingHttpHeaders } from 'node:http';
import { errors, HpcError } from './errors';

export interface IAuthRequest {
  method: string;
  headers: IncomingHttpHeaders;
}

/** Checks a request; resolves when allowed, rejects with an `HpcError`. */
export interface IAuthenticator {
  check(req: IAuthRequest): Promise<void>;
  /**
   * True when browsers send the credentials by themselves (cookies), to
   * cross-site WebSockets too: upgrades must then come from our own origin.
   */
  readonly ambientCredentials?: boolean;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/** `Authorization: token T` (Jupyter's convention; `Bearer T` also accepted). */
export function tokenFromHeaders(headers: IncomingHttpHeaders): string | null {
  const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(
    header(headers, 'authorization')
  );
  return m ? m[1] : null;
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export class TokenAuth implements IAuthenticator {
  constructor(private readonly _token: string) {
    if (!_token) {
      throw new Error('TokenAuth needs a non-empty token');
    }
  }

  async check(req: IAuthRequest): Promise<void> {
    const given = tokenFromHeaders(req.headers);
    if (!given) {
      throw errors.unauthenticated(
        'This server needs a token: send the header "Authorization: token <token>".'
      );
    }
    if (!sameSecret(given, this._token)) {
      throw errors.unauthenticated('The token is not valid for this server.');
    }
  }
}

/** Anyone who can connect may use it (a 0600 unix socket already decided). */
export class SocketPeerAuth implements IAuthenticator {
  async check(): Promise<void> {
    return;
  }
}

/** Parses a Cookie header into name → value. */
export function parseCookies(cookieHeader: string): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of cookieHeader.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) {
      cookies.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
    }
  }
  return cookies;
}

/**
 * Tornado's XSRF cookie/header value → the raw token. Version 2 values are
 * `2|<mask hex>|<masked token hex>|<timestamp>` (token = mask XOR masked);
 * version 1 values are the token in hex. Tornado compares decoded tokens, so
 * two differently masked values of one token match.
 */
export function decodeXsrf(value: string): Buffer | null {
  let v = value.trim();
  if (v.startsWith('"') && v.endsWith('"')) {
    v = v.slice(1, -1);
  }
  if (!v) {
    return null;
  }
  if (v.startsWith('2|')) {
    const parts = v.split('|');
    if (parts.length !== 4) {
      return null;
    }
    const mask = Buffer.from(parts[1], 'hex');
    const masked = Buffer.from(parts[2], 'hex');
    // The mask is 4 bytes, applied cyclically (tornado's websocket mask).
    if (mask.length !== 4 || !masked.length) {
      return null;
    }
    return Buffer.from(masked.map((byte, i) => byte ^ mask[i % mask.length]));
  }
  return /^[0-9a-f]+$/i.test(v) && v.length % 2 === 0
    ? Buffer.from(v, 'hex')
    : Buffer.from(v, 'utf8');
}

/** True when the XSRF header matches the `_xsrf` cookie. */
export function xsrfMatches(headers: IncomingHttpHeaders): boolean {
  const cookie = parseCookies(header(headers, 'cookie')).get('_xsrf');
  const sent = header(headers, 'x-xsrftoken') || header(headers, 'x-csrftoken');
  if (!cookie || !sent) {
    return false;
  }
  const a = decodeXsrf(cookie);
  const b = decodeXsrf(sent);
  return !!a && !!b && a.length === b.length && timingSafeEqual(a, b);
}

export interface IJupyterAuthOptions {
  /** The Jupyter server, with its base URL, e.g. `http://127.0.0.1:8889/`. */
  jupyterUrl: string;
  /** How long an accepted credential is trusted before asking again. */
  okTtlMs?: number;
  /** How long a refusal is remembered (short: a user may just have logged in). */
  deniedTtlMs?: number;
  timeoutMs?: number;
  /** Connect to Jupyter through this unix socket instead of TCP. */
  socketPath?: string;
}

interface IVerdict {
  ok: boolean;
  status: number;
  until: number;
}

export class JupyterAuth implements IAuthenticator {
  readonly ambientCredentials = true;

  constructor(options: IJupyterAuthOptions) {
    this._statusUrl = new URL(
      'api/status',
      options.jupyterUrl.replace(/\/?$/, '/')
    );
    this._okTtlMs = options.okTtlMs ?? 30_000;
    this._deniedTtlMs = options.deniedTtlMs ?? 2_000;
    this._timeoutMs = options.timeoutMs ?? 10_000;
    this._socketPath = options.socketPath;
  }

  async check(req: IAuthRequest): Promise<void> {
    const cookie = header(req.headers, 'cookie');
    const authorization = header(req.headers, 'authorization');
    // Jupyter names its login cookie after the Host the browser used
    // (`username-127-0-0-1-8888`): the check must carry the same Host.
    const host = header(req.headers, 'host');
    if (!cookie && !authorization) {
      throw errors.unauthenticated(
        'Not logged in to Jupyter: open JupyterLab first, or send a Jupyter token.'
      );
    }
    const verdict = await this._verdict(cookie, authorization, host);
    if (!verdict.ok) {
      throw new HpcError(
        403,
        'FORBIDDEN',
        'Jupyter did not accept these credentials: log in to JupyterLab again.',
        { jupyterStatus: verdict.status }
      );
    }
    // Like Jupyter: token-authenticated requests are exempt from XSRF, cookie
    // ones must echo the _xsrf cookie in a header (which other sites can't).
    if (MUTATING.has(req.method.toUpperCase()) && !authorization) {
      if (!xsrfMatches(req.headers)) {
        throw errors.forbidden(
          "This request lacks a valid XSRF token (the '_xsrf' cookie echoed in an 'X-XSRFToken' header): reload JupyterLab and try again.",
          'XSRF'
        );
      }
    }
  }

  private _verdict(
    cookie: string,
    authorization: string,
    host: string
  ): Promise<IVerdict> {
    const key = createHash('sha256')
      .update(cookie)
      .update('\0')
      .update(authorization)
      .update('\0')
      .update(host)
      .digest('hex');
    const now = Date.now();
    const cached = this._cache.get(key);
    if (cached && cached.until > now) {
      return Promise.resolve(cached);
    }
    const pending = this._pending.get(key);
    if (pending) {
      return pending;
    }
    const p = this._ask(cookie, authorization, host)
      .then(status => {
        const ok = status === 200;
        const verdict = {
          ok,
          status,
          until: Date.now() + (ok ? this._okTtlMs : this._deniedTtlMs)
        };
        this._remember(key, verdict);
        return verdict;
      })
      .finally(() => this._pending.delete(key));
    this._pending.set(key, p);
    return p;
  }

  private _remember(key: string, verdict: IVerdict): void {
    if (this._cache.size >= 1000) {
      const oldest = this._cache.keys().next().value;
      if (oldest !== undefined) {
        this._cache.delete(oldest);
      }
    }
    this._cache.set(key, verdict);
  }

  /** Asks Jupyter's authenticated `api/status`; resolves with its status. */
  private _ask(
    cookie: string,
    authorization: string,
    host: string
  ): Promise<number> {
    const headers: Record<string, string> = {};
    if (cookie) {
      headers.cookie = cookie;
    }
    if (authorization) {
      headers.authorization = authorization;
    }
    return new Promise((resolve, reject) => {
      const r = httpRequest(
        {
          method: 'GET',
          socketPath: this._socketPath,
          hostname: this._socketPath ? undefined : this._statusUrl.hostname,
          port: this._socketPath ? undefined : this._statusUrl.port,
          path: this._statusUrl.pathname,
          headers: { ...headers, host: host || this._statusUrl.host },
          timeout: this._timeoutMs
        },
        res => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }
      );
      r.on('timeout', () => r.destroy(new Error('timed out')));
      r.on('error', e =>
        reject(
          errors.unavailable(
            `Cannot reach the Jupyter server to check credentials: ${e.message}`,
            'JUPYTER_UNAVAILABLE'
          )
        )
      );
      r.end();
    });
  }

  private _statusUrl: URL;
  private _okTtlMs: number;
  private _deniedTtlMs: number;
  private _timeoutMs: number;
  private _socketPath?: string;
  private _cache = new Map<string, IVerdict>();
  private _pending = new Map<string, Promise<IVerdict>>();
}
