/**
 * `serve --socket`: a 0600 unix socket, HTTP over it, removed on SIGTERM; a
 * second server on a live socket is refused, a stale one is replaced.
 */
import { existsSync, lstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  cleanup,
  http,
  IProc,
  IVersion,
  makeTmp,
  startProxy,
  waitFor
} from './helpers';

afterEach(cleanup);

async function serveSocket(socket: string): Promise<IProc> {
  const proc = startProxy(['serve', '--socket', socket]);
  await proc.waitForLog(e => e.msg === 'listening on unix socket');
  return proc;
}

describe('serve on a unix socket', () => {
  it('listens on a 0600 socket and removes it on SIGTERM', async () => {
    const socket = join(makeTmp(), 'hpc.sock');
    const proc = await serveSocket(socket);
    expect(lstatSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);

    const res = await http({ socketPath: socket, path: '/api/version' });
    expect(res.status).toBe(200);
    const body = res.json<IVersion>();
    expect(body.apiVersion).toBe(1);
    expect(body.capabilities.slurm.available).toBe(true);

    process.kill(proc.pid, 'SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(socket)).toBe(false);
  });

  it('refuses to start on a socket another server listens on', async () => {
    const socket = join(makeTmp(), 'hpc.sock');
    const first = await serveSocket(socket);
    const second = startProxy(['serve', '--socket', socket]);
    const exit = await second.exited;
    expect(exit.code).toBe(1);
    expect(second.stderr()).toContain(
      `another server is already listening on ${socket}`
    );
    // The first one is untouched and still answers.
    expect(existsSync(socket)).toBe(true);
    const res = await http({ socketPath: socket, path: '/api/version' });
    expect(res.status).toBe(200);
    expect(first.child.exitCode).toBeNull();
  });

  it('replaces the stale socket of a killed server', async () => {
    const socket = join(makeTmp(), 'hpc.sock');
    const killed = await serveSocket(socket);
    process.kill(-killed.pid, 'SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');
    // SIGKILL leaves the file behind, with nobody listening.
    expect(lstatSync(socket).isSocket()).toBe(true);
    await expect(
      http({ socketPath: socket, path: '/api/version' })
    ).rejects.toThrow(/ECONNREFUSED/);

    const next = await serveSocket(socket);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    const res = await http({ socketPath: socket, path: '/api/version' });
    expect(res.status).toBe(200);
    process.kill(next.pid, 'SIGTERM');
    expect((await next.exited).code).toBe(0);
    expect(await waitFor(() => !existsSync(socket), 2000)).toBe(true);
  });

  it('refuses to replace a file that is not a socket', async () => {
    const dir = makeTmp();
    const proc = startProxy(['serve', '--socket', dir]);
    const exit = await proc.exited;
    expect(exit.code).toBe(1);
    expect(proc.stderr()).toContain(`${dir} exists and is not a socket`);
    expect(lstatSync(dir).isDirectory()).toBe(true);
  });
});
