/**
 * Shell injection attempts through every route and through the config file,
 * and through the real Executor running real Slurm commands: nothing is ever
 * interpreted by a shell, so no PWNED* file may appear anywhere.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Executor } from '../../src/exec';
import {
  cleanup,
  http,
  IErrorJson,
  IProc,
  IVersion,
  listeningPort,
  makeTmp,
  startProxy
} from './helpers';

const TOKEN = 'injection-test-token';
let tmp: string;
let cwd: string;
let proc: IProc;
let port: number;

/** Every file under `dir` whose name starts with PWNED. */
function pwned(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name.startsWith('PWNED')) {
      found.push(path);
    }
    if (entry.isDirectory()) {
      found.push(...pwned(path));
    }
  }
  return found;
}

const auth = { authorization: `token ${TOKEN}` };

beforeAll(async () => {
  tmp = makeTmp();
  cwd = join(tmp, 'cwd');
  mkdirSync(cwd);
  const config = join(tmp, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({ dask: { python: `$(touch ${tmp}/PWNED1)` } })
  );
  proc = startProxy(
    ['serve', '--port', '0', '--token', TOKEN, '--config', config],
    { cwd }
  );
  port = await listeningPort(proc);
});

afterAll(async () => {
  try {
    expect(pwned(tmp)).toEqual([]);
  } finally {
    await cleanup();
  }
});

describe('shell injection', () => {
  it('refuses a config whose Slurm names carry shell syntax (exit 2)', async () => {
    const config = join(tmp, 'clusters.json');
    writeFileSync(
      config,
      JSON.stringify({ slurm: { clusters: [`$(touch ${tmp}/PWNED0)`] } })
    );
    const bad = startProxy(['serve', '--port', '0', '--config', config], {
      cwd
    });
    const exit = await bad.exited;
    expect(exit.code).toBe(2);
    expect(bad.stderr()).toContain(config);
    expect(bad.stderr()).toMatch(/\/slurm\/clusters\/0: must match pattern/);
  });

  it('runs a config dask.python with shell syntax as a file name', async () => {
    const res = await http({ port, path: '/api/version', headers: auth });
    expect(res.status).toBe(200);
    const { dask, slurm } = res.json<IVersion>().capabilities;
    expect(dask.available).toBe(false);
    expect(dask.reason).toContain(`$(touch ${tmp}/PWNED1)`);
    expect(dask.reason).toMatch(/cannot be run/);
    // One failing probe hides nothing else.
    expect(slurm.available).toBe(true);
  });

  it('refuses shell syntax in a query string with 400', async () => {
    const res = await http({
      port,
      path: `/api/version?x=${encodeURIComponent(`$(touch ${tmp}/PWNED2)`)}`,
      headers: auth
    });
    expect(res.status).toBe(400);
    expect(res.json<IErrorJson>().error.code).toBe('INVALID_INPUT');
  });

  it('answers shell syntax in a path with 404', async () => {
    const res = await http({
      port,
      path: `/api/%24(touch%20${encodeURIComponent(tmp)}%2FPWNED3)`,
      headers: auth
    });
    expect(res.status).toBe(404);
    expect(res.json<IErrorJson>().error.code).toBe('NOT_FOUND');
  });

  it('ignores shell syntax in a JSON body', async () => {
    for (const x of [
      `; touch ${tmp}/PWNED4`,
      `\`touch ${tmp}/PWNED4b\``,
      `a\ntouch ${tmp}/PWNED4c\n$(touch ${tmp}/PWNED4d)`,
      // relative: it would land in the server's cwd
      '; touch PWNED4g'
    ]) {
      const res = await http({
        port,
        method: 'POST',
        path: '/api/capabilities/refresh',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ x })
      });
      expect(res.status).toBe(200);
      expect(res.json<IVersion>().capabilities.slurm.available).toBe(true);
    }
  });

  it('refuses a body of raw shell syntax with 400', async () => {
    const res = await http({
      port,
      method: 'POST',
      path: '/api/capabilities/refresh',
      headers: { ...auth, 'content-type': 'application/json' },
      body: `\`touch ${tmp}/PWNED4e\`\ntouch ${tmp}/PWNED4f`
    });
    expect(res.status).toBe(400);
    expect(res.json<IErrorJson>().error.code).toBe('INVALID_JSON');
  });

  it('passes shell syntax to real Slurm commands as plain arguments', async () => {
    const executor = new Executor({ defaultTimeoutMs: 30_000 });
    try {
      const user = `$(touch ${tmp}/PWNED5)`;
      const squeue = await executor.run('squeue', ['-u', user], { cwd });
      // squeue saw the whole string as one user name.
      expect(squeue.stderr).toContain(`Invalid user: ${user}`);
      const partition = `a;touch ${tmp}/PWNED6`;
      const sinfo = await executor.run('sinfo', ['-h', '-p', partition], {
        cwd
      });
      expect(sinfo.timedOut).toBe(false);
      expect(sinfo.code).toBe(0);
      expect(sinfo.stdout).toBe('');
      // A real partition name through the same path gives an answer.
      const debug = await executor.run('sinfo', [
        '-h',
        '-p',
        'debug',
        '-o',
        '%P'
      ]);
      expect(debug.stdout.trim()).toBe('debug*');
    } finally {
      executor.dispose();
    }
  });

  it('left no PWNED file in the temporary folder or the server cwd', () => {
    expect(pwned(tmp)).toEqual([]);
    expect(pwned(cwd)).toEqual([]);
    expect(
      readdirSync(process.cwd()).filter(n => n.startsWith('PWNED'))
    ).toEqual([]);
  });
});
