/**
 * `serve` on TCP without --token: a generated token in a 0600 file named on
 * stderr, 401 without it, the real capabilities of this machine with it, and
 * a clean exit on SIGTERM that removes the file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import {
  cleanup,
  http,
  IErrorJson,
  IVersion,
  makeTmp,
  startProxy
} from './helpers';

afterAll(cleanup);

describe('serve on TCP with a generated token', () => {
  it('guards the API with a token it writes to a 0600 file', async () => {
    const runtime = makeTmp();
    const proc = startProxy(['serve', '--port', '0'], {
      env: { ...process.env, XDG_RUNTIME_DIR: runtime }
    });
    const [, port, file] = await proc.waitForStderr(
      /listening on http:\/\/127\.0\.0\.1:(\d+)\/ ; token written to (\S+)\n/
    );
    expect(file.startsWith(`${runtime}/`)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = readFileSync(file, 'utf8').trim();
    expect(token).toMatch(/^[0-9a-f]{32,}$/);

    const anonymous = await http({ port: Number(port), path: '/api/version' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/^application\/json/);
    expect(anonymous.json<IErrorJson>().error.code).toBe('UNAUTHENTICATED');

    const wrong = await http({
      port: Number(port),
      path: '/api/version',
      headers: { authorization: `token ${token}x` }
    });
    expect(wrong.status).toBe(401);

    const res = await http({
      port: Number(port),
      path: '/api/version',
      headers: { authorization: `token ${token}` }
    });
    expect(res.status).toBe(200);
    const body = res.json<IVersion>();
    expect(body.apiVersion).toBe(1);
    const { slurm, dask, gpu } = body.capabilities;
    expect(slurm.available).toBe(true);
    expect(slurm.version).toMatch(/^22\.05\./);
    expect(slurm.clusters).toContain('testcluster');
    expect(slurm.accounting).toBe(true);
    expect(dask.available).toBe(true);
    expect(gpu.available).toBe(false);
    expect(gpu.reason).toMatch(/nvidia-smi/);
    // The token never shows up in what the server prints.
    expect(proc.stderr().split(file).join('')).not.toContain(token);

    process.kill(proc.pid, 'SIGTERM');
    const exit = await proc.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(existsSync(file)).toBe(false);
  });

  it('uses the token it is given and writes no file', async () => {
    const runtime = makeTmp();
    const proc = startProxy(
      [
        'serve',
        '--port',
        '0',
        '--token',
        'given-token-1234',
        '--log-level',
        'info'
      ],
      { env: { ...process.env, XDG_RUNTIME_DIR: runtime } }
    );
    const entry = await proc.waitForLog(e => e.msg === 'listening');
    const port = entry.port as number;
    const ok = await http({
      port,
      path: '/api/version',
      headers: { authorization: 'token given-token-1234' }
    });
    expect(ok.status).toBe(200);
    expect(proc.stderr()).not.toMatch(/token written to/);
    process.kill(proc.pid, 'SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });
});
