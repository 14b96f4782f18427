// Titles here are catalogue data written by admins, not UI strings to translate.
/* eslint-disable jupyter/no-untranslated-string */
/**
 * "Update my copy" with real git repositories and real folders: upstream
 * changes arrive where the user changed nothing; every file the user edited
 * or deleted is kept as the user left it and reported, with upstream's
 * version beside it; nothing is deleted; a git copy's `git status` then
 * shows only the user's own changes.
 */
import type { FastifyInstance } from 'fastify';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  unlinkSync,
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
import type { ITask, IUpdateReport } from '../types';
import { git } from './helpers';

/** Writes each `name: content` (null removes) into `dir`. */
function put(dir: string, files: Record<string, string | null>): void {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    if (content === null) {
      unlinkSync(path);
    } else {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, content);
    }
  }
}

const FIRST = {
  'a.txt': 'a1\n',
  'b.txt': 'b1\n',
  'c.txt': 'c1\n',
  'gone.txt': 'gone1\n',
  'nb/intro.ipynb':
    '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}\n'
};
/** Upstream's second version: a, b and c changed, gone removed, two added. */
const SECOND = {
  'a.txt': 'a2\n',
  'b.txt': 'b2\n',
  'c.txt': 'c2\n',
  'gone.txt': null,
  'added.txt': 'added2\n',
  'sub/extra.txt': 'extra2\n'
};
/** The user's work in the copy meanwhile. */
const USER = {
  'b.txt': 'b-mine\n',
  'c.txt': null,
  'mine.txt': 'my notes\n',
  'sub/extra.txt': 'my extra\n'
};

const EXPECTED_REPORT: Omit<IUpdateReport, 'commit'> = {
  updated: ['a.txt'],
  added: ['added.txt'],
  conflicts: [
    { path: 'b.txt', reason: 'edited-both', upstreamCopy: 'b.upstream.txt' },
    { path: 'c.txt', reason: 'deleted-by-you' },
    { path: 'gone.txt', reason: 'removed-upstream' },
    {
      path: 'sub/extra.txt',
      reason: 'exists',
      upstreamCopy: 'sub/extra.upstream.txt'
    }
  ],
  upToDate: false
};

jest.setTimeout(60_000);

describe('gallery Update', () => {
  let dir: string;
  let root: string;
  let repo: string;
  let folder: string;
  let app: FastifyInstance;
  let gallery: GalleryService;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hpc-gallery-update-'));
    repo = join(dir, 'repo');
    mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    put(repo, FIRST);
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'first');
    folder = join(dir, 'folder');
    put(folder, FIRST);
    const catalogue = join(dir, 'gallery.json');
    writeFileSync(
      catalogue,
      JSON.stringify({
        examples: [
          {
            id: 'repo',
            title: 'Repository',
            status: 'staged',
            entry: 'nb/intro.ipynb',
            source: { git: pathToFileURL(repo).href, ref: 'main' }
          },
          {
            id: 'folder',
            title: 'Folder',
            status: 'curated',
            entry: 'nb/intro.ipynb',
            source: { path: folder }
          }
        ]
      })
    );
    root = join(dir, 'root');
    mkdirSync(root);
    const executor = new Executor();
    const config = parseConfig({ gallery: { catalogues: [catalogue] } });
    gallery = new GalleryService({
      executor,
      catalogues: [catalogue],
      allowedProtocols: ['file'],
      root,
      config: { stateDir: join(dir, 'state') }
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

  afterEach(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function settle(task: ITask): Promise<ITask> {
    return (await gallery.tasks.settled(task.id)) as ITask;
  }

  async function copyOf(id: string): Promise<string> {
    const t = await settle(await gallery.use(id));
    expect(t.state).toBe('done');
    return t.path;
  }

  async function update(id: string, path: string): Promise<ITask> {
    const res = await app.inject({
      method: 'POST',
      url: `/api/gallery/${id}/update`,
      payload: { path }
    });
    expect([res.statusCode, res.body]).toEqual([
      202,
      expect.stringContaining('"id"')
    ]);
    return settle(res.json() as ITask);
  }

  function read(path: string): string {
    return readFileSync(join(root, path), 'utf8');
  }

  it('merges a git copy: the user keeps every edit, conflicts are reported, git status shows only the user', async () => {
    const path = await copyOf('repo');
    const copy = join(root, path);
    put(copy, USER);
    put(repo, SECOND);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'second');
    const tip = git(repo, 'rev-parse', 'HEAD');

    const t = await update('repo', path);
    expect(t.state).toBe('done');
    expect(t.report).toEqual({ ...EXPECTED_REPORT, commit: tip });
    // Upstream's changes where the user changed nothing; the user's work as left.
    expect(read(`${path}/a.txt`)).toBe('a2\n');
    expect(read(`${path}/added.txt`)).toBe('added2\n');
    expect(read(`${path}/b.txt`)).toBe('b-mine\n');
    expect(read(`${path}/b.upstream.txt`)).toBe('b2\n');
    expect(existsSync(join(copy, 'c.txt'))).toBe(false);
    expect(read(`${path}/gone.txt`)).toBe('gone1\n');
    expect(read(`${path}/mine.txt`)).toBe('my notes\n');
    expect(read(`${path}/sub/extra.txt`)).toBe('my extra\n');
    expect(read(`${path}/sub/extra.upstream.txt`)).toBe('extra2\n');
    expect(git(copy, 'rev-parse', 'HEAD')).toBe(tip);
    expect(git(copy, 'status', '--porcelain').split('\n').sort()).toEqual([
      ' D c.txt',
      ' M b.txt',
      ' M sub/extra.txt',
      '?? b.upstream.txt',
      '?? gone.txt',
      '?? mine.txt',
      '?? sub/extra.upstream.txt'
    ]);
    expect((await gallery.copies.get(path))?.commit).toBe(tip);

    // Nothing new upstream: up to date, nothing touched.
    const again = await update('repo', path);
    expect(again.report).toEqual({
      updated: [],
      added: [],
      conflicts: [],
      commit: tip,
      upToDate: true
    });
    expect(again.message).toBe('Already up to date');
  });

  it('merges a copy of a local folder the same way', async () => {
    const path = await copyOf('folder');
    put(join(root, path), USER);
    put(folder, SECOND);
    const t = await update('folder', path);
    expect(t.state).toBe('done');
    expect(t.report).toEqual(EXPECTED_REPORT);
    expect(read(`${path}/a.txt`)).toBe('a2\n');
    expect(read(`${path}/b.txt`)).toBe('b-mine\n');
    expect(read(`${path}/b.upstream.txt`)).toBe('b2\n');
    expect(read(`${path}/gone.txt`)).toBe('gone1\n');
    expect(existsSync(join(root, path, 'c.txt'))).toBe(false);
    expect(t.message).toBe('Updated: 1 updated, 1 added, 4 not applied');
    // The new base is upstream: a second update finds nothing to do.
    expect((await update('folder', path)).report?.upToDate).toBe(true);
  });

  it('keeps a second upstream copy apart when the first name is taken', async () => {
    const path = await copyOf('folder');
    put(join(root, path), {
      'b.txt': 'b-mine\n',
      'b.upstream.txt': 'my own file\n'
    });
    put(folder, { 'b.txt': 'b2\n' });
    const t = await update('folder', path);
    expect(t.report?.conflicts).toEqual([
      { path: 'b.txt', reason: 'edited-both', upstreamCopy: 'b.upstream-1.txt' }
    ]);
    expect(read(`${path}/b.upstream.txt`)).toBe('my own file\n');
    expect(read(`${path}/b.upstream-1.txt`)).toBe('b2\n');
  });

  it("refuses to move a git copy that has the user's own commits", async () => {
    const path = await copyOf('repo');
    const copy = join(root, path);
    put(copy, { 'b.txt': 'committed by me\n' });
    git(copy, 'commit', '-q', '-am', 'mine');
    const mine = git(copy, 'rev-parse', 'HEAD');
    put(repo, { 'a.txt': 'a2\n' });
    git(repo, 'commit', '-q', '-am', 'second');
    const t = await update('repo', path);
    expect(t.state).toBe('failed');
    expect(t.error?.code).toBe('COPY_HAS_COMMITS');
    expect(t.error?.message).toMatch(/git pull/);
    expect(git(copy, 'rev-parse', 'HEAD')).toBe(mine);
    expect(read(`${path}/a.txt`)).toBe('a1\n');
  });

  it('answers 404 for a path that is not a recorded copy of that example, 400 for bad input', async () => {
    const path = await copyOf('folder');
    for (const [id, body, status, code] of [
      ['repo', { path }, 404, 'UNKNOWN_COPY'],
      ['folder', { path: 'elsewhere' }, 404, 'UNKNOWN_COPY'],
      ['nope', { path }, 404, 'UNKNOWN_EXAMPLE'],
      ['folder', {}, 400, 'INVALID_INPUT'],
      ['folder', { path, more: 1 }, 400, 'INVALID_INPUT']
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/gallery/${id}/update`,
        payload: body
      });
      expect([
        id,
        res.statusCode,
        (res.json() as { error: { code: string } }).error.code
      ]).toEqual([id, status, code]);
    }
  });
});
