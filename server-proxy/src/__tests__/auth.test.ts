import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  decodeXsrf,
  JupyterAuth,
  parseCookies,
  SocketPeerAuth,
  tokenFromHeaders,
  TokenAuth,
  xsrfMatches
} from '../auth';
import { HpcError } from '../errors';

async function rejection(p: Promise<unknown>): Promise<HpcError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HpcError);
    return e as HpcError;
  }
  throw new Error('expected a rejection');
}

describe('TokenAuth', () => {
  const auth = new TokenAuth('s3cret-token');
  const req = (headers: IncomingHttpHeaders) => ({ method: 'GET', headers });

  it('refuses a request without a token with 401', async () => {
    const e = await rejection(auth.check(req({})));
    expect(e.statusCode).toBe(401);
    expect(e.code).toBe('UNAUTHENTICATED');
    expect(e.message).toMatch(/Authorization: token/);
  });

  it('refuses a wrong token with 401', async () => {
    const e = await rejection(
      auth.check(req({ authorization: 'token s3cret-tokem' }))
    );
    expect(e.statusCode).toBe(401);
    expect(e.message).toMatch(/not valid/);
  });

  it('refuses a prefix of the token', async () => {
    const e = await rejection(
      auth.check(req({ authorization: 'token s3cret' }))
    );
    expect(e.statusCode).toBe(401);
  });

  it('refuses the token in another scheme', async () => {
    const e = await rejection(
      auth.check(req({ authorization: 'Basic s3cret-token' }))
    );
    expect(e.statusCode).toBe(401);
  });

  it('accepts `Authorization: token T` and `Bearer T`', async () => {
    await expect(
      auth.check(req({ authorization: 'token s3cret-token' }))
    ).resolves.toBeUndefined();
    await expect(
      auth.check(req({ authorization: 'Bearer s3cret-token' }))
    ).resolves.toBeUndefined();
  });

  it('refuses to be built without a token', () => {
    expect(() => new TokenAuth('')).toThrow(/non-empty token/);
  });
});

describe('tokenFromHeaders', () => {
  it.each<[string | undefined, string | null]>([
    ['token abc', 'abc'],
    ['Token abc', 'abc'],
    ['bearer abc ', 'abc'],
    ['token', null],
    ['token a b', null],
    ['abc', null],
    [undefined, null]
  ])('%j → %j', (value, expected) => {
    expect(
      tokenFromHeaders(value === undefined ? {} : { authorization: value })
    ).toBe(expected);
  });
});

describe('SocketPeerAuth', () => {
  it('lets anyone who could connect in', async () => {
    await expect(new SocketPeerAuth().check()).resolves.toBeUndefined();
  });
});

describe('parseCookies', () => {
  it('splits a Cookie header, keeping "=" inside values', () => {
    const cookies = parseCookies(
      'username-127-0-0-1-8888="2|1:0|10:17|a=="; _xsrf=2|aa|bb|1; bad'
    );
    expect(cookies.get('username-127-0-0-1-8888')).toBe('"2|1:0|10:17|a=="');
    expect(cookies.get('_xsrf')).toBe('2|aa|bb|1');
    expect(cookies.size).toBe(2);
  });
});

// A value that tornado 6.2 (jupyter_server 1.23) set as the _xsrf cookie.
const REAL_XSRF = '2|2b7b46cf|3e41e556fe2f1ca446e12ff184937608|1795447381';
// The same token masked by tornado's own code with the mask 0badf00d
// (tornado.util._websocket_mask), and the token tornado decodes from both.
const REAL_XSRF_REMASKED =
  '2|0badf00d|1e975394def9aa6666379933a445c0ca|1795447381';
const REAL_TOKEN_HEX = '153aa399d5545a6b6d9a693eafe830c7';

/** Masks a raw token the way tornado does for a version 2 XSRF value. */
function mask(token: Buffer, maskHex: string, timestamp = 1795447381): string {
  const m = Buffer.from(maskHex, 'hex');
  const masked = Buffer.from(token.map((b, i) => b ^ m[i % 4]));
  return `2|${maskHex}|${masked.toString('hex')}|${timestamp}`;
}

describe('decodeXsrf', () => {
  it('decodes a real tornado version 2 value', () => {
    const token = decodeXsrf(REAL_XSRF);
    expect(token?.toString('hex')).toBe(REAL_TOKEN_HEX);
  });

  it('gives one token for two differently masked values of it', () => {
    const a = decodeXsrf(REAL_XSRF);
    const b = decodeXsrf(REAL_XSRF_REMASKED);
    expect(a).not.toBeNull();
    expect(b?.equals(a as Buffer)).toBe(true);
    const c = decodeXsrf(mask(a as Buffer, 'deadbeef', 1));
    expect(c?.equals(a as Buffer)).toBe(true);
  });

  it('accepts the quoted form of a cookie value', () => {
    expect(decodeXsrf(`"${REAL_XSRF}"`)?.toString('hex')).toBe(REAL_TOKEN_HEX);
  });

  it('decodes version 1 (hex) values', () => {
    expect(decodeXsrf(REAL_TOKEN_HEX)?.toString('hex')).toBe(REAL_TOKEN_HEX);
  });

  it.each([
    '',
    '""',
    '2|abc|def',
    '2|zz|00|1',
    '2||00112233|1',
    '2|00112233||1'
  ])('refuses the malformed value %j', value => {
    expect(decodeXsrf(value)).toBeNull();
  });
});

describe('xsrfMatches', () => {
  const token = decodeXsrf(REAL_XSRF) as Buffer;
  const other = Buffer.from(token.map(b => b ^ 0xff));

  it('matches the cookie with a differently masked header', () => {
    expect(
      xsrfMatches({
        cookie: `a=b; _xsrf=${REAL_XSRF}`,
        'x-xsrftoken': REAL_XSRF_REMASKED
      })
    ).toBe(true);
  });

  it('accepts the X-CSRFToken spelling too', () => {
    expect(
      xsrfMatches({ cookie: `_xsrf=${REAL_XSRF}`, 'x-csrftoken': REAL_XSRF })
    ).toBe(true);
  });

  it('refuses a header carrying another token', () => {
    expect(
      xsrfMatches({
        cookie: `_xsrf=${REAL_XSRF}`,
        'x-xsrftoken': mask(other, '2b7b46cf')
      })
    ).toBe(false);
  });

  it('refuses a token of another length', () => {
    expect(
      xsrfMatches({
        cookie: `_xsrf=${REAL_XSRF}`,
        'x-xsrftoken': mask(token.subarray(0, 8), '2b7b46cf')
      })
    ).toBe(false);
  });

  it('needs both the cookie and the header', () => {
    expect(xsrfMatches({ cookie: `_xsrf=${REAL_XSRF}` })).toBe(false);
    expect(xsrfMatches({ 'x-xsrftoken': REAL_XSRF })).toBe(false);
    expect(
      xsrfMatches({ cookie: `other=${REAL_XSRF}`, 'x-xsrftoken': REAL_XSRF })
    ).toBe(false);
  });
});

describe('JupyterAuth', () => {
  // A stand-in Jupyter: api/status is 200 for the good credentials only.
  let server: Server;
  let url: string;
  let asked: IncomingHttpHeaders[];
  const GOOD_COOKIE = 'username-127-0-0-1-8888="good"';

  beforeAll(async () => {
    server = createServer((req, res) => {
      asked.push(req.headers);
      const ok =
        req.url === '/base/api/status' &&
        (req.headers.authorization === 'token good' ||
          (req.headers.cookie ?? '').includes(GOOD_COOKIE));
      res.writeHead(ok ? 200 : 403, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/base`;
  });
  beforeEach(() => {
    asked = [];
  });
  afterAll(async () => {
    await new Promise(r => server.close(r));
  });

  it('refuses a request without credentials with 401, asking no one', async () => {
    const auth = new JupyterAuth({ jupyterUrl: url });
    const e = await rejection(auth.check({ method: 'GET', headers: {} }));
    expect(e.statusCode).toBe(401);
    expect(asked).toHaveLength(0);
  });

  it('refuses credentials that Jupyter refuses with 403', async () => {
    const auth = new JupyterAuth({ jupyterUrl: url });
    const e = await rejection(
      auth.check({ method: 'GET', headers: { authorization: 'token bad' } })
    );
    expect(e.statusCode).toBe(403);
    expect(e.extra).toEqual({ jupyterStatus: 403 });
    expect(asked[0].authorization).toBe('token bad');
  });

  it('accepts a token Jupyter accepts and caches the verdict', async () => {
    const auth = new JupyterAuth({ jupyterUrl: url });
    const req = { method: 'POST', headers: { authorization: 'token good' } };
    await expect(auth.check(req)).resolves.toBeUndefined();
    await expect(auth.check(req)).resolves.toBeUndefined();
    expect(asked).toHaveLength(1);
  });

  it('shows Jupyter the Host the browser used (it names the login cookie)', async () => {
    const auth = new JupyterAuth({ jupyterUrl: url });
    await auth.check({
      method: 'GET',
      headers: { cookie: GOOD_COOKIE, host: '127.0.0.1:8888' }
    });
    expect(asked[0].host).toBe('127.0.0.1:8888');
    expect(asked[0].cookie).toBe(GOOD_COOKIE);
  });

  it('asks once for concurrent checks of one credential', async () => {
    const auth = new JupyterAuth({ jupyterUrl: url });
    const req = { method: 'GET', headers: { cookie: GOOD_COOKIE } };
    await Promise.all([auth.check(req), auth.check(req), auth.check(req)]);
    expect(asked).toHaveLength(1);
  });

  it('needs the XSRF header on cookie-authenticated mutating requests', async () => {
    const auth = new JupyterAuth({ jupyterUrl: url });
    const cookie = `${GOOD_COOKIE}; _xsrf=${REAL_XSRF}`;
    const e = await rejection(
      auth.check({ method: 'POST', headers: { cookie } })
    );
    expect(e.statusCode).toBe(403);
    expect(e.code).toBe('XSRF');
    await expect(
      auth.check({
        method: 'delete',
        headers: { cookie, 'x-xsrftoken': REAL_XSRF_REMASKED }
      })
    ).resolves.toBeUndefined();
    await expect(
      auth.check({ method: 'GET', headers: { cookie } })
    ).resolves.toBeUndefined();
  });

  it('says 503 when Jupyter cannot be reached', async () => {
    const auth = new JupyterAuth({ jupyterUrl: 'http://127.0.0.1:1/' });
    const e = await rejection(
      auth.check({ method: 'GET', headers: { authorization: 'token good' } })
    );
    expect(e.statusCode).toBe(503);
    expect(e.code).toBe('JUPYTER_UNAVAILABLE');
  });
});
