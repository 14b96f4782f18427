/**
 * The npm package of the server (issue 7): `npm pack` makes a tarball of the
 * single-file bundle (dist/hpc-proxy.cjs, every dependency inside, the
 * version built in), its launcher and API.md, with no dependencies to
 * install; `npm exec` of the tarball runs `hpc-proxy` with nothing else
 * installed, and the unpacked bundle serves the API with the same version
 * as the extension's package.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, jsonRequest, makeTmp, ROOT, trackGroup } from './helpers';

jest.setTimeout(120_000);

const version = (file: string): string =>
  (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;

let tmp: string;
let tarball: string;

beforeAll(() => {
  tmp = makeTmp('hpc-it-pack-');
  // `prepack` bundles first.
  const out = execFileSync(
    'npm',
    ['pack', '--silent', '--pack-destination', tmp],
    { cwd: ROOT, encoding: 'utf8' }
  ).trim();
  tarball = join(tmp, out.split('\n').pop() as string);
});

afterAll(cleanup);

test('the tarball holds the bundle, its launcher and API.md, and needs no dependency', () => {
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .sort();
  expect(files).toEqual([
    'package/API.md',
    'package/bin/hpc-proxy',
    'package/dist/hpc-proxy.cjs',
    'package/package.json'
  ]);
  execFileSync('tar', ['-xzf', tarball, '-C', tmp]);
  const pkg = JSON.parse(
    readFileSync(join(tmp, 'package', 'package.json'), 'utf8')
  ) as Record<string, unknown>;
  expect(pkg.dependencies).toBeUndefined();
  expect(pkg.bin).toEqual({ 'hpc-proxy': 'bin/hpc-proxy' });
});

test('npm exec of the tarball runs hpc-proxy with nothing else installed', () => {
  const run = (arg: string) =>
    execFileSync(
      'npm',
      [
        'exec',
        '--yes',
        '--cache',
        join(tmp, 'npm-cache'),
        `--package=${tarball}`,
        '--',
        'hpc-proxy',
        arg
      ],
      { cwd: makeTmp('hpc-it-empty-'), encoding: 'utf8' }
    );
  expect(run('--help')).toMatch(/^Usage:\n {2}hpc-proxy serve/);
  // The extension, the server and the bundle agree on the version.
  const expected = version(join(ROOT, '..', 'package.json'));
  expect(version(join(ROOT, 'package.json'))).toBe(expected);
  expect(run('--version').trim()).toBe(expected);
});

test('the unpacked bundle serves the API', async () => {
  const root = makeTmp('hpc-it-root-');
  const child = spawn(
    process.execPath,
    [
      join(tmp, 'package', 'bin', 'hpc-proxy'),
      'serve',
      '--port',
      '0',
      '--token',
      'pack-token',
      '--root',
      root
    ],
    // No NODE_PATH, a folder with no node_modules above it.
    {
      cwd: tmp,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH }
    }
  );
  trackGroup(child.pid as number);
  let err = '';
  child.stderr?.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr?.on('data', (chunk: string) => {
      err += chunk;
      const m = /"port":(\d+),"msg":"listening"/.exec(err);
      if (m) {
        resolve(Number(m[1]));
      }
    });
    child.once('exit', code => reject(new Error(`exited ${code}: ${err}`)));
  });
  const r = await jsonRequest(port, 'pack-token', 'GET', '/api/version');
  expect(r.status).toBe(200);
  expect(r.json()).toMatchObject({
    name: 'jupyterlab-hpc',
    version: version(join(ROOT, 'package.json'))
  });
  const g = await jsonRequest(port, 'pack-token', 'GET', '/api/gallery');
  expect(g.status).toBe(200);
  expect((await jsonRequest(port, 'wrong', 'GET', '/api/version')).status).toBe(
    401
  );
});
