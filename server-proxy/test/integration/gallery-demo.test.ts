/**
 * The demo gallery (scripts/demo-gallery/build.py, which the README's demo
 * command runs) through the real server: every entry loads without a
 * catalogue error, previews and thumbnails come from the real folders and the
 * real git repository, and the curated git entry shows its pinned commit
 * while the staged one follows the branch.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cleanup,
  jsonRequest,
  listeningPort,
  makeTmp,
  ROOT,
  startProxy
} from './helpers';

const TOKEN = 'gallery-demo-token';
const BUILD = join(ROOT, '..', 'scripts', 'demo-gallery', 'build.py');

jest.setTimeout(60_000);

let port: number;
let out: string;

beforeAll(async () => {
  const tmp = makeTmp('hpc-gallery-demo-');
  out = join(tmp, 'gallery');
  const printed = execFileSync('/usr/bin/python3', [BUILD, out], {
    encoding: 'utf8'
  }).trim();
  expect(printed).toBe(join(out, 'catalogue.json'));
  const config = join(tmp, 'config.json');
  writeFileSync(config, JSON.stringify({ gallery: { catalogues: [printed] } }));
  const proc = startProxy([
    'serve',
    '--port',
    '0',
    '--token',
    TOKEN,
    '--config',
    config,
    '--root',
    tmp
  ]);
  port = await listeningPort(proc);
});

afterAll(cleanup);

interface IListed {
  examples: Array<{
    id: string;
    status: string;
    kind: string;
    entry?: string;
    thumbnail?: string;
  }>;
  errors: unknown[];
}

test('every demo entry loads: three curated, two staged, no catalogue error', async () => {
  const r = await jsonRequest(port, TOKEN, 'GET', '/api/gallery');
  expect(r.status).toBe(200);
  const list = r.json<IListed>();
  expect(list.errors).toEqual([]);
  const byStatus = (s: string) =>
    list.examples
      .filter(e => e.status === s)
      .map(e => e.id)
      .sort();
  expect(byStatus('curated')).toEqual([
    'dask-arrays',
    'memory-use',
    'slurm-job-arrays'
  ]);
  expect(byStatus('staged')).toEqual(['gpu-check', 'slurm-job-arrays-next']);
  // A folder, a single notebook, a git repository.
  const kinds = Object.fromEntries(list.examples.map(e => [e.id, e.kind]));
  expect(kinds).toMatchObject({
    'dask-arrays': 'repository',
    'memory-use': 'notebook',
    'slurm-job-arrays': 'repository'
  });
});

test('each entry previews as an nbformat 4 notebook; thumbnails are SVG', async () => {
  const list = (
    await jsonRequest(port, TOKEN, 'GET', '/api/gallery')
  ).json<IListed>();
  for (const e of list.examples) {
    const p = await jsonRequest(
      port,
      TOKEN,
      'GET',
      `/api/gallery/${e.id}/preview`
    );
    expect([e.id, p.status]).toEqual([e.id, 200]);
    expect(p.json<{ nbformat: number }>().nbformat).toBe(4);
    if (e.thumbnail) {
      const t = await jsonRequest(
        port,
        TOKEN,
        'GET',
        `/api/gallery/${e.id}/thumbnail`
      );
      expect([e.id, t.status, t.headers['content-type']]).toEqual([
        e.id,
        200,
        'image/svg+xml'
      ]);
    }
  }
});

test('the curated git entry is pinned to an older commit than the staged one follows', async () => {
  const repo = join(out, 'repos', 'slurm-job-arrays');
  const count = execFileSync(
    'git',
    ['-C', repo, 'rev-list', '--count', 'main'],
    {
      encoding: 'utf8'
    }
  ).trim();
  expect(Number(count)).toBeGreaterThanOrEqual(3);
  const source = async (id: string) =>
    (await jsonRequest(port, TOKEN, 'GET', `/api/gallery/${id}/preview`)).body;
  // The branch's last commit adds a dependency chain; the pinned one predates it.
  expect(await source('slurm-job-arrays-next')).toContain(
    '--dependency=afterok'
  );
  expect(await source('slurm-job-arrays')).not.toContain(
    '--dependency=afterok'
  );
  expect(await source('slurm-job-arrays')).toContain('%A_%a');
});
