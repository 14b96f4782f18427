/**
 * HTTP upgrades (WebSockets) outside Fastify's routing: the server's
 * `upgrade` event hands the raw socket to whoever claims the path; a refusal
 * is written on the socket as a plain HTTP response in the API's error shape.
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorBody, HpcError } from './errors';

/** Claims an upgrade (true: the socket is its own now) or leaves it (false). */
export type UpgradeHandler = (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer
) => boolean;

/** Answers an upgrade with `err` as JSON and closes the socket. */
export function refuseUpgrade(socket: Duplex, err: HpcError): void {
  // Once a response (the 101) went out, a status line would be garbage.
  if (
    socket.destroyed ||
    !socket.writable ||
    (socket instanceof Socket && socket.bytesWritten > 0)
  ) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(err));
  socket.end(
    `HTTP/1.1 ${err.statusCode} ${STATUS_CODES[err.statusCode] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Cache-Control: no-store\r\n' +
      'Connection: close\r\n\r\n' +
      body
  );
  // A client that never reads must not hold the socket open.
  setTimeout(() => socket.destroy(), 5000).unref();
}

/** True when `url`'s path is `base` (with or without its final slash) or below. */
export function underBase(url: string | undefined, base: string): boolean {
  const path = (url ?? '/').split('?')[0];
  return path.startsWith(base) || path === base.replace(/\/$/, '');
}
