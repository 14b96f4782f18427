/**
 * The Python wheel (issue 7), built offline with Debian's hatchling and
 * build (scripts/build-wheel.sh) and installed with pip into a prefix:
 * JupyterLab's own discovery (jupyter_core + jupyterlab_server, as
 * LabServerApp does it) finds the prebuilt extension, importlib.metadata finds
 * the `hpc` jupyter-server-proxy entry point, and its command starts the
 * bundled server on a 0600 unix socket that answers with the same version as
 * the npm packages.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { cleanup, makeTmp, ROOT, trackGroup, waitFor } from './helpers';

jest.setTimeout(180_000);

const PY = '/usr/bin/python3';
const CHECKOUT = join(ROOT, '..');
const version = (file: string): string =>
  (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;

let tmp: string;
let site: string;
let wheel: string;

beforeAll(() => {
  tmp = makeTmp('hpc-it-wheel-');
  wheel = execFileSync(
    'bash',
    [join(CHECKOUT, 'scripts', 'build-wheel.sh'), join(tmp, 'dist')],
    {
      encoding: 'utf8'
    }
  )
    .trim()
    .split('\n')
    .pop() as string;
  site = join(tmp, 'site');
  execFileSync(
    PY,
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--no-deps',
      '--no-index',
      '--target',
      site,
      wheel
    ],
    {
      env: {
        ...process.env,
        PIP_ROOT_USER_ACTION: 'ignore',
        PIP_DISABLE_PIP_VERSION_CHECK: '1'
      }
    }
  );
});

afterAll(cleanup);

/** Runs Python code with the prefix on the Jupyter and Python paths; its JSON answer. */
function python<T>(code: string): T {
  return JSON.parse(
    execFileSync(PY, ['-c', code], {
      encoding: 'utf8',
      env: {
        ...process.env,
        PYTHONPATH: site,
        JUPYTER_PATH: join(site, 'share', 'jupyter'),
        JUPYTERLAB_HPC_CONFIG: ''
      }
    })
  ) as T;
}

test('the wheel is named by the version all three packages share', () => {
  const v = version(join(CHECKOUT, 'package.json'));
  expect(version(join(ROOT, 'package.json'))).toBe(v);
  expect(wheel).toBe(join(tmp, 'dist', `jupyterlab_hpc-${v}-py3-none-any.whl`));
  expect(statSync(wheel).mode & 0o044).toBe(0o044);
});

test("JupyterLab's discovery finds the prebuilt extension in the prefix", () => {
  const found = python<
    Record<
      string,
      {
        version: string;
        ext_path: string;
        jupyterlab: { _build: { load: string } };
      }
    >
  >(
    [
      'import json',
      'from jupyter_core.paths import jupyter_path',
      'from jupyterlab_server.config import get_federated_extensions',
      "print(json.dumps(get_federated_extensions(jupyter_path('labextensions'))))"
    ].join('\n')
  );
  const ext = found['jupyterlab-hpc'];
  expect(ext).toBeDefined();
  expect(ext.version).toBe(version(join(CHECKOUT, 'package.json')));
  expect(ext.ext_path).toBe(
    join(site, 'share', 'jupyter', 'labextensions', 'jupyterlab-hpc')
  );
  expect(existsSync(join(ext.ext_path, ext.jupyterlab._build.load))).toBe(true);
  expect(
    existsSync(join(ext.ext_path, 'schemas', 'jupyterlab-hpc', 'gallery.json'))
  ).toBe(true);
});

test('the hpc entry point starts the server on a 0600 unix socket', async () => {
  const entry = python<{
    command: string[];
    unix_socket: boolean;
    launcher_entry: { title: string; icon_path: string };
  }>(
    [
      'import json, importlib.metadata as md',
      "eps = [e for e in md.entry_points(group='jupyter_serverproxy_servers') if e.name == 'hpc']",
      'print(json.dumps(eps[0].load()()))'
    ].join('\n')
  );
  expect(entry.unix_socket).toBe(true);
  expect(entry.command).toContain('{unix_socket}');
  expect(entry.launcher_entry.title).toBe('HPC Suite');
  expect(existsSync(entry.launcher_entry.icon_path)).toBe(true);
  // As jupyter-server-proxy would: the placeholder replaced, in the user's folder.
  const socket = join(tmp, 'hpc.sock');
  const root = makeTmp('hpc-it-wheel-root-');
  const command = entry.command.map(a => (a === '{unix_socket}' ? socket : a));
  const child = spawn(command[0], command.slice(1), {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env.PATH, HOME: root, PYTHONPATH: site }
  });
  trackGroup(child.pid as number);
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => (err += c));
  expect([await waitFor(() => existsSync(socket), 20_000), err]).toEqual([
    true,
    expect.any(String)
  ]);
  expect(statSync(socket).mode & 0o777).toBe(0o600);
  const body = await new Promise<string>((resolve, reject) => {
    const r = request({ socketPath: socket, path: '/api/version' }, res => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', c => (text += c));
      res.on('end', () => resolve(text));
    });
    r.on('error', reject);
    r.end();
  });
  expect(JSON.parse(body)).toMatchObject({
    name: 'jupyterlab-hpc',
    version: version(join(CHECKOUT, 'package.json'))
  });
  process.kill(-(child.pid as number), 'SIGTERM');
  await new Promise(r => child.once('exit', r));
  // The server removes its socket when it stops.
  expect(existsSync(socket)).toBe(false);
});
