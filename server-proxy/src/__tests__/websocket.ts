/**
 * A minimal WebSocket client (RFC 6455) over `node:http`, for tests: Node 20
 * has no WebSocket client without a flag and the server has no dependency
 * for one. Text frames only (what Dask's `/eventstream` and Bokeh speak),
 * pings answered, fragments joined. Also the frame codec, for test servers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { IncomingHttpHeaders, request } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The `Sec-WebSocket-Accept` answer to a `Sec-WebSocket-Key`. */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** One frame; clients mask theirs, servers don't. */
export function encodeFrame(
  opcode: number,
  payload: Buffer,
  masked: boolean
): Buffer {
  const len = payload.length;
  const head: number[] = [0x80 | opcode];
  const maskBit = masked ? 0x80 : 0;
  if (len < 126) {
    head.push(maskBit | len);
  } else if (len < 65536) {
    head.push(maskBit | 126, len >> 8, len & 0xff);
  } else {
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(len));
    head.push(maskBit | 127, ...big);
  }
  if (!masked) {
    return Buffer.concat([Buffer.from(head), payload]);
  }
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([Buffer.from(head), mask, body]);
}

export interface IFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Splits a byte stream into frames (unmasking masked ones). */
export class FrameReader {
  push(chunk: Buffer): IFrame[] {
    this._buf = Buffer.concat([this._buf, chunk]);
    const frames: IFrame[] = [];
    for (;;) {
      const b = this._buf;
      if (b.length < 2) {
        break;
      }
      let len = b[1] & 0x7f;
      let at = 2;
      if (len === 126) {
        if (b.length < 4) {
          break;
        }
        len = b.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) {
          break;
        }
        len = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      const masked = (b[1] & 0x80) !== 0;
      const mask = masked ? b.subarray(at, at + 4) : null;
      at += masked ? 4 : 0;
      if (b.length < at + len) {
        break;
      }
      const raw = b.subarray(at, at + len);
      const payload = mask
        ? Buffer.from(raw.map((x, i) => x ^ mask[i % 4]))
        : Buffer.from(raw);
      frames.push({ fin: (b[0] & 0x80) !== 0, opcode: b[0] & 0x0f, payload });
      this._buf = b.subarray(at + len);
    }
    return frames;
  }

  private _buf = Buffer.alloc(0);
}

/** An open WebSocket: send text, await text messages. */
export class TestWebSocket {
  constructor(
    readonly socket: Duplex,
    head?: Buffer
  ) {
    const reader = new FrameReader();
    let parts: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      for (const f of reader.push(chunk)) {
        if (f.opcode === 9) {
          socket.write(encodeFrame(10, f.payload, true));
        } else if (f.opcode === 8) {
          socket.end();
        } else if (f.opcode <= 2) {
          parts.push(f.payload);
          if (f.fin) {
            this._messages.push(Buffer.concat(parts).toString('utf8'));
            parts = [];
            this._poke();
          }
        }
      }
    };
    if (head?.length) {
      onData(head);
    }
    socket.on('data', onData);
    this.closed = new Promise(resolve =>
      socket.once('close', () => {
        this._closed = true;
        this._poke();
        resolve();
      })
    );
    socket.on('error', () => undefined);
  }

  /** Resolves when the connection is gone. */
  readonly closed: Promise<void>;

  /** Every text message received so far. */
  get messages(): readonly string[] {
    return this._messages;
  }

  send(text: string): void {
    this.socket.write(encodeFrame(1, Buffer.from(text, 'utf8'), true));
  }

  /** The first message (received or to come) that passes `test`. */
  waitFor(
    test: (message: string) => boolean,
    timeoutMs = 10_000
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._waiters.delete(check);
        reject(
          new Error(
            `no matching WebSocket message in ${timeoutMs} ms; got: ${this._messages.join(' | ')}`
          )
        );
      }, timeoutMs);
      const check = (): void => {
        const found = this._messages.find(test);
        if (found !== undefined || this._closed) {
          clearTimeout(timer);
          this._waiters.delete(check);
          if (found !== undefined) {
            resolve(found);
          } else {
            reject(new Error('the WebSocket closed before a matching message'));
          }
        }
      };
      this._waiters.add(check);
      check();
    });
  }

  /** Sends a close frame and ends the connection. */
  close(): void {
    if (!this.socket.destroyed) {
      this.socket.end(encodeFrame(8, Buffer.from([0x03, 0xe8]), true));
    }
  }

  private _poke(): void {
    this._waiters.forEach(w => w());
  }

  private _messages: string[] = [];
  private _waiters = new Set<() => void>();
  private _closed = false;
}

export interface IUpgradeRequest {
  port?: number;
  socketPath?: string;
  path: string;
  headers?: Record<string, string>;
  /** `Sec-WebSocket-Protocol` values. */
  protocols?: string[];
  timeoutMs?: number;
}

export interface IUpgradeResult {
  /** 101 when upgraded, else the refusal's status; 0 when closed unanswered. */
  status: number;
  headers: IncomingHttpHeaders;
  /** The refusal's body. */
  body: string;
  ws?: TestWebSocket;
}

/** Opens a WebSocket (checking the server's accept key) or reports the refusal. */
export function openWebSocket(req: IUpgradeRequest): Promise<IUpgradeResult> {
  const key = randomBytes(16).toString('base64');
  return new Promise((resolve, reject) => {
    const r = request({
      host: req.socketPath ? undefined : '127.0.0.1',
      port: req.socketPath ? undefined : req.port,
      socketPath: req.socketPath,
      path: req.path,
      agent: false,
      timeout: req.timeoutMs ?? 15_000,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': key,
        ...(req.protocols
          ? { 'sec-websocket-protocol': req.protocols.join(', ') }
          : {}),
        ...req.headers
      }
    });
    r.on('upgrade', (res, socket, head) => {
      if (res.headers['sec-websocket-accept'] !== acceptKey(key)) {
        socket.destroy();
        reject(
          new Error('the server answered with a wrong Sec-WebSocket-Accept')
        );
        return;
      }
      const ws = new TestWebSocket(socket, head);
      resolve({ status: 101, headers: res.headers, body: '', ws });
    });
    r.on('response', res => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
      );
      res.on('error', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
      );
    });
    r.on('timeout', () => r.destroy(new Error('upgrade timed out')));
    r.on('error', e =>
      /socket hang up|ECONNRESET/.test(e.message)
        ? resolve({ status: 0, headers: {}, body: '' })
        : reject(e)
    );
    r.end();
  });
}
