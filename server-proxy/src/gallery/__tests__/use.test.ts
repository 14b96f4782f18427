// Titles here are catalogue data written by admins, not UI strings to translate.
/* eslint-disable jupyter/no-untranslated-string */
/**
 * "Use" through the routes with real files, real git repositories (file://
 * and a real git server over HTTP) and real folders: fresh destinations that
 * never touch what exists, concurrent claims, symlinks not copied, pinned
 * commits, progress, failures, cancel and time limit leaving no trace, crash
 * records cleaned at start.
 */
import type { FastifyInstance } from 'fastify';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildApp } from '../../app';
import type { CapabilityService } from '../../capabilities';
import { parseConfig } from '../../config';
import { Executor } from '../../exec';
import { GalleryService } from '../service';
import type { ITask } from '../types';
import { claimFolder, writePending } from '../use';
import { IGitHttpServer, startGitHttp } from './gitHttp';
import { git, notebook } from './helpers';

/** Every path under `dir` (relative, sorted), with a hash of each file. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map(e => {
      const abs = join(e.parentPath ?? e.path, e.name);
      const rel = abs.slice(dir.length + 1);
      if (e.isSymbolicLink()) {
        return `${rel} -> ${readlinkSync(abs)}`;
      }
      if (e.isFile()) {
        const h = createHash('sha256').update(readFileSync(abs)).digest('hex');
        return `${rel} ${h.slice(0, 12)} ${statSync(abs).mtimeMs}`;
      }
      return `${rel}/`;
    })
    .sort();
}

/** Command lines of running git clients (not the server's CGI) naming `marker`. */
function gitClientsOf(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', `^git(-remote-http)? .*${marker}`], {
      encoding: 'utf8'
    })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

jest.setTimeout(60_000);

describe('gallery Use', () => {
  let dir: string;
  let root: string;
  let src: string;
  let repo: string;
  let first: string;
  let tip: string;
  let server: IGitHttpServer;
  let executor: Executor;
  let app: FastifyInstance;
  let gallery: GalleryService;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hpc-gallery-use-'));
    chmodSync(dir, 0o755);
    // A local example folder with a symlink out of it and one inside it.
    src = join(dir, 'examples', 'local');
    mkdirSync(join(src, 'data'), { recursive: true });
    writeFileSync(join(src, 'main.ipynb'), notebook('local'));
    writeFileSync(join(src, 'data', 'table.csv'), 'a,b\n1,2\n');
    writeFileSync(join(src, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    writeFileSync(join(dir, 'secret.txt'), 'not for users');
    symlinkSync(join(dir, 'secret.txt'), join(src, 'leak.txt'));
    symlinkSync('main.ipynb', join(src, 'alias.ipynb'));
    writeFileSync(join(dir, 'examples', 'single.ipynb'), notebook('single'));
    // A repository with history; a large file makes the clone take a moment.
    repo = join(dir, 'repos', 'demo');
    mkdirSync(join(repo, 'nb'), { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'nb', 'intro.ipynb'), notebook('version 1'));
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'first');
    first = git(repo, 'rev-parse', 'HEAD');
    writeFileSync(join(repo, 'nb', 'intro.ipynb'), notebook('version 2'));
    writeFileSync(
      join(repo, 'data.bin'),
      createHash('sha512').update('seed').digest().toString('hex').repeat(20000)
    );
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'second');
    tip = git(repo, 'rev-parse', 'HEAD');
    // The same repository served over HTTP (a bare copy).
    server = await startGitHttp(join(dir, 'http'), { slowSeconds: 4 });
    git(
      repo,
      'clone',
      '-q',
      '--bare',
      repo,
      join(dir, 'http', 'repos', 'demo.git')
    );
    execFileSync('chmod', ['-R', 'a+rX', join(dir, 'http')]);

    const url = pathToFileURL(repo).href;
    const catalogue = join(dir, 'gallery.json');
    writeFileSync(
      catalogue,
      JSON.stringify({
        examples: [
          {
            id: 'local',
            title: 'Local',
            status: 'curated',
            entry: 'main.ipynb',
            source: { path: src }
          },
          {
            id: 'single',
            title: 'Single',
            status: 'curated',
            source: { path: join(dir, 'examples', 'single.ipynb') }
          },
          {
            id: 'pinned',
            title: 'Pinned',
            status: 'curated',
            entry: 'intro.ipynb',
            source: { git: url, ref: first, subdir: 'nb' }
          },
          {
            id: 'branch',
            title: 'Branch',
            status: 'staged',
            entry: 'intro.ipynb',
            source: { git: url, ref: 'main', subdir: 'nb' }
          },
          {
            id: 'badref',
            title: 'Bad ref',
            status: 'staged',
            source: { git: url, ref: 'no-such-branch' }
          },
          {
            id: 'remote',
            title: 'Over HTTP',
            status: 'curated',
            entry: 'intro.ipynb',
            source: { git: server.url('demo.git'), ref: first, subdir: 'nb' }
          },
          {
            id: 'slow',
            title: 'Slow server',
            status: 'staged',
            source: { git: server.slowUrl('demo.git'), ref: 'main' }
          }
        ]
      })
    );
    root = join(dir, 'root');
    mkdirSync(root);
    executor = new Executor();
    const config = parseConfig({
      gallery: { catalogues: [catalogue], allowedProtocols: ['file', 'http'] }
    });
    gallery = new GalleryService({
      executor,
      catalogues: [catalogue],
      allowedProtocols: config.gallery.allowedProtocols,
      root,
      config: { stateDir: join(dir, 'state'), destination: 'examples' }
    });
    app = buildApp({
      config,
      auth: { check: async () => undefined },
      root,
      executor,
      capabilities: { get: async () => ({}) } as unknown as CapabilityService,
      gallery,
      logLevel: false
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function use(id: string, body: unknown = {}): Promise<ITask> {
    const res = await app.inject({
      method: 'POST',
      url: `/api/gallery/${id}/use`,
      payload: body as object
    });
    expect([id, res.statusCode, res.body]).toEqual([
      id,
      202,
      expect.any(String)
    ]);
    return res.json() as ITask;
  }

  /** Polls the task route until the task has settled. */
  async function settle(task: ITask, seen?: ITask[]): Promise<ITask> {
    for (;;) {
      const res = await app.inject({
        method: 'GET',
        url: `/api/gallery/tasks/${task.id}`
      });
      expect(res.statusCode).toBe(200);
      const t = res.json() as ITask;
      seen?.push(t);
      if (t.state !== 'running') {
        return t;
      }
      await new Promise(r => setTimeout(r, 20));
    }
  }

  async function waitForClients(marker: string): Promise<void> {
    for (let i = 0; i < 100 && gitClientsOf(marker).length === 0; i++) {
      await new Promise(r => setTimeout(r, 50));
    }
    expect(gitClientsOf(marker).length).toBeGreaterThan(0);
  }

  it('copies a folder twice into "local" then "local-1", symlinks left out', async () => {
    const a = await settle(await use('local'));
    const b = await settle(await use('local'));
    expect([a.state, a.path, a.entry]).toEqual([
      'done',
      'examples/local',
      'examples/local/main.ipynb'
    ]);
    expect([b.state, b.path]).toEqual(['done', 'examples/local-1']);
    for (const t of [a, b]) {
      const copy = join(root, t.path);
      expect(readdirSync(copy, { recursive: true }).sort()).toEqual([
        'data',
        'data/table.csv',
        'main.ipynb',
        'run.sh'
      ]);
      expect(readFileSync(join(copy, 'main.ipynb'), 'utf8')).toBe(
        notebook('local')
      );
      expect(statSync(join(copy, 'run.sh')).mode & 0o111).not.toBe(0);
      expect(t.message).toMatch(
        /not copied \(symlinks or special files\): alias\.ipynb, leak\.txt/
      );
    }
    // Recorded as copies of the example, with a manifest of what was written.
    const list = (
      await app.inject({ method: 'GET', url: '/api/gallery' })
    ).json() as {
      examples: Array<{ id: string; copies: Array<{ path: string }> }>;
    };
    expect(
      list.examples.find(e => e.id === 'local')?.copies.map(c => c.path)
    ).toEqual(['examples/local', 'examples/local-1']);
    const rec = await gallery.copies.get('examples/local');
    expect(rec?.manifest?.['data/table.csv']).toBe(
      createHash('sha256').update('a,b\n1,2\n').digest('hex')
    );
  });

  it('never touches what is already there: a folder, a file, a symlink out', async () => {
    const base = join(root, 'mine');
    mkdirSync(join(base, 'single'), { recursive: true });
    writeFileSync(join(base, 'single', 'notes.ipynb'), 'my own work');
    writeFileSync(join(base, 'single-1'), 'a file, not a folder');
    mkdirSync(join(dir, 'outside'));
    symlinkSync(join(dir, 'outside'), join(base, 'single-2'));
    const before = tree(base);
    const outsideBefore = tree(join(dir, 'outside'));
    const t = await settle(await use('single', { destination: 'mine' }));
    expect([t.state, t.path, t.entry]).toEqual([
      'done',
      'mine/single-3',
      'mine/single-3/single.ipynb'
    ]);
    expect(tree(base).filter(p => !p.startsWith('single-3'))).toEqual(before);
    expect(tree(join(dir, 'outside'))).toEqual(outsideBefore);
  });

  it('gives five concurrent requests five different folders', async () => {
    const tasks = await Promise.all(
      [1, 2, 3, 4, 5].map(() => use('single', { destination: 'many' }))
    );
    const paths = tasks.map(t => t.path);
    expect(new Set(paths).size).toBe(5);
    const done = await Promise.all(tasks.map(t => settle(t)));
    expect(done.map(t => t.state)).toEqual(Array(5).fill('done'));
    expect(readdirSync(join(root, 'many')).sort()).toEqual([
      'single',
      'single-1',
      'single-2',
      'single-3',
      'single-4'
    ]);
  });

  it('clones a pinned commit and a branch, reporting progress', async () => {
    const seen: ITask[] = [];
    const p = await settle(await use('pinned'), seen);
    expect([p.state, p.entry]).toEqual([
      'done',
      'examples/pinned/nb/intro.ipynb'
    ]);
    expect(git(join(root, p.path), 'rev-parse', 'HEAD')).toBe(first);
    expect(readFileSync(join(root, p.entry as string), 'utf8')).toBe(
      notebook('version 1')
    );
    const b = await settle(await use('branch'), seen);
    expect(git(join(root, b.path), 'rev-parse', 'HEAD')).toBe(tip);
    // Shallow, one branch, no tags.
    expect(git(join(root, b.path), 'rev-list', '--count', 'HEAD')).toBe('1');
    const fractions = seen
      .map(t => t.progress)
      .filter((f): f is number => f !== null);
    expect(fractions.every(f => f >= 0 && f <= 1)).toBe(true);
    expect(
      seen.some(t => /Receiving objects|Updating files|Cloned/.test(t.message))
    ).toBe(true);
    expect((await gallery.copies.get(p.path))?.commit).toBe(first);
  });

  it('clones from a real git server over HTTP', async () => {
    const t = await settle(await use('remote'));
    expect(t.state).toBe('done');
    expect(git(join(root, t.path), 'rev-parse', 'HEAD')).toBe(first);
    expect(server.log()).toMatch(/GET \/cgi-bin\/git\/demo\.git\/info\/refs/);
  });

  it('leaves no trace when git fails (a missing ref)', async () => {
    const before = tree(join(root, 'examples'));
    const t = await settle(await use('badref'));
    expect(t.state).toBe('failed');
    expect(t.error).toEqual({
      code: 'GIT_FAILED',
      message: expect.stringMatching(/no-such-branch/)
    });
    expect(tree(join(root, 'examples'))).toEqual(before);
    expect(readdirSync(join(dir, 'state', 'pending'))).toEqual([]);
  });

  it('cancels a clone in progress and removes the folder, and only it', async () => {
    const before = tree(join(root, 'examples'));
    const t = await use('slow');
    expect(existsSync(join(root, t.path))).toBe(true);
    // git is waiting on the slow server.
    await waitForClients('slowgit');
    const res = await app.inject({
      method: 'DELETE',
      url: `/api/gallery/tasks/${t.id}`
    });
    expect(res.statusCode).toBe(200);
    expect((res.json() as ITask).state).toBe('cancelled');
    expect(existsSync(join(root, t.path))).toBe(false);
    // git and its HTTP helper were killed with their process group.
    expect(gitClientsOf('slowgit')).toEqual([]);
    expect(tree(join(root, 'examples'))).toEqual(before);
    // A finished task is forgotten by a second DELETE; then it is unknown.
    expect(
      (
        await app.inject({
          method: 'DELETE',
          url: `/api/gallery/tasks/${t.id}`
        })
      ).statusCode
    ).toBe(204);
    expect(
      (await app.inject({ method: 'GET', url: `/api/gallery/tasks/${t.id}` }))
        .statusCode
    ).toBe(404);
  });

  it('stops a copy past gallery.useTimeoutSeconds and removes it', async () => {
    const quick = new GalleryService({
      executor,
      catalogues: gallery.config.catalogues,
      allowedProtocols: ['file', 'http'],
      root,
      config: {
        stateDir: join(dir, 'state'),
        destination: 'timeout',
        useTimeoutSeconds: 1
      }
    });
    const started = Date.now();
    const t = await quick.use('slow');
    const done = await quick.tasks.settled(t.id);
    expect(done?.state).toBe('failed');
    expect(done?.error?.code).toBe('USE_TIMEOUT');
    expect(done?.error?.message).toMatch(/longer than 1 s .*nothing was kept/);
    expect(Date.now() - started).toBeLessThan(3500);
    expect(readdirSync(join(root, 'timeout'))).toEqual([]);
  });

  it('refuses bad destinations and unknown examples before anything is made', async () => {
    mkdirSync(join(dir, 'elsewhere'), { recursive: true });
    symlinkSync(join(dir, 'elsewhere'), join(root, 'escape'));
    const cases: Array<[string, unknown, number, string]> = [
      ['local', { destination: '../up' }, 400, 'BAD_DESTINATION'],
      ['local', { destination: '/etc' }, 400, 'BAD_DESTINATION'],
      ['local', { destination: 'escape' }, 400, 'BAD_DESTINATION'],
      ['local', { destination: 'escape/deeper' }, 400, 'BAD_DESTINATION'],
      ['local', { destination: 5 }, 400, 'INVALID_INPUT'],
      ['local', { other: 1 }, 400, 'INVALID_INPUT'],
      ['no-such-example', {}, 404, 'UNKNOWN_EXAMPLE'],
      ['Bad_Id', {}, 400, 'INVALID_INPUT']
    ];
    for (const [id, body, status, code] of cases) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/gallery/${id}/use`,
        payload: body as object
      });
      expect([
        id,
        body,
        res.statusCode,
        (res.json() as { error: { code: string } }).error.code
      ]).toEqual([id, body, status, code]);
    }
    expect(readdirSync(join(dir, 'elsewhere'))).toEqual([]);
    const tasks = await app.inject({
      method: 'GET',
      url: '/api/gallery/tasks/0123456789abcdef'
    });
    expect(tasks.statusCode).toBe(404);
    expect(
      (await app.inject({ method: 'GET', url: '/api/gallery/tasks/nope' }))
        .statusCode
    ).toBe(400);
  });

  it('lists tasks, so a reloaded page finds them', async () => {
    const t = await settle(await use('single'));
    const res = await app.inject({ method: 'GET', url: '/api/gallery/tasks' });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { tasks: ITask[] }).tasks.map(x => x.id)).toContain(
      t.id
    );
  });

  it('removes, at start, a copy a crashed server left, if it is still that folder', async () => {
    const state = join(dir, 'crash-state');
    const parent = join(root, 'crash');
    mkdirSync(parent);
    const left = await claimFolder(root, parent, 'half');
    writeFileSync(join(left.abs, 'partial.bin'), 'x');
    await writePending(state, 'a', left);
    // A folder replaced since (another inode) is not ours any more.
    const replaced = await claimFolder(root, parent, 'replaced');
    await writePending(state, 'b', replaced);
    rmSync(replaced.abs, { recursive: true });
    mkdirSync(replaced.abs);
    writeFileSync(join(replaced.abs, 'users-file'), 'keep me');
    const fresh = new GalleryService({
      executor,
      catalogues: [],
      allowedProtocols: ['file'],
      root,
      config: { stateDir: state }
    });
    expect(await fresh.start()).toEqual([left.abs]);
    expect(existsSync(left.abs)).toBe(false);
    expect(readFileSync(join(replaced.abs, 'users-file'), 'utf8')).toBe(
      'keep me'
    );
    expect(readdirSync(join(state, 'pending'))).toEqual([]);
    expect(lstatSync(parent).isDirectory()).toBe(true);
  });
});
