// Titles here are catalogue data written by admins, not UI strings to translate.
/* eslint-disable jupyter/no-untranslated-string */
import type { FastifyInstance } from 'fastify';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
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
import { git } from './helpers';

interface IErrorJson {
  error: { code: string; message: string };
}

/** A minimal nbformat 4 notebook whose one output is `html`. */
function notebook(text: string, html = '<b>hi</b>'): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: 'markdown', metadata: {}, source: [text] },
      {
        cell_type: 'code',
        metadata: {},
        execution_count: 1,
        source: ['display(HTML(...))'],
        outputs: [
          {
            output_type: 'display_data',
            metadata: {},
            data: { 'text/html': [html] }
          }
        ]
      }
    ]
  });
}

// A 1x1 PNG: bytes that are not valid UTF-8 (a text round trip would break them).
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64'
);
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';

describe('gallery routes', () => {
  let dir: string;
  let src: string;
  let repo: string;
  let pinned: string;
  let catalogueFile: string;
  let app: FastifyInstance;
  let executor: Executor;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hpc-gallery-routes-'));
    src = join(dir, 'examples', 'local');
    mkdirSync(src, { recursive: true });
    writeFileSync(
      join(src, 'main.ipynb'),
      notebook('local', '<script>alert("x")</script><b>out</b>')
    );
    writeFileSync(join(src, 'thumb.png'), PNG);
    writeFileSync(join(src, 'thumb.svg'), SVG);
    writeFileSync(join(src, 'bad.ipynb'), '{"nbformat": 3, "worksheets": []}');
    writeFileSync(join(src, 'broken.ipynb'), '{"nbformat": 4, "cells": [');
    writeFileSync(join(src, 'big.ipynb'), notebook('x'.repeat(4096)));
    writeFileSync(join(dir, 'secret.ipynb'), notebook('secret'));

    // A real repository with two commits: the entry changes after the pin.
    repo = join(dir, 'repos', 'demo');
    mkdirSync(join(repo, 'notebooks'), { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(
      join(repo, 'notebooks', 'intro.ipynb'),
      notebook('version 1')
    );
    writeFileSync(join(repo, 'notebooks', 'thumb.png'), PNG);
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'first');
    pinned = git(repo, 'rev-parse', 'HEAD');
    writeFileSync(
      join(repo, 'notebooks', 'intro.ipynb'),
      notebook('version 2')
    );
    symlinkSync('/etc/passwd', join(repo, 'notebooks', 'link.ipynb'));
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'second');

    const url = pathToFileURL(repo).href;
    catalogueFile = join(dir, 'gallery.json');
    writeFileSync(
      catalogueFile,
      JSON.stringify({
        examples: [
          {
            id: 'local',
            title: 'Local folder',
            status: 'curated',
            entry: 'main.ipynb',
            thumbnail: 'thumb.png',
            kernel: 'python3',
            source: { path: src }
          },
          {
            id: 'svg',
            title: 'SVG thumbnail',
            status: 'staged',
            thumbnail: 'thumb.svg',
            source: { path: src }
          },
          {
            id: 'old',
            title: 'nbformat 3',
            status: 'staged',
            entry: 'bad.ipynb',
            source: { path: src }
          },
          {
            id: 'broken',
            title: 'Broken JSON',
            status: 'staged',
            entry: 'broken.ipynb',
            source: { path: src }
          },
          {
            id: 'big',
            title: 'Too big',
            status: 'staged',
            entry: 'big.ipynb',
            source: { path: src }
          },
          {
            id: 'pinned',
            title: 'Pinned repository',
            status: 'curated',
            entry: 'intro.ipynb',
            thumbnail: 'thumb.png',
            source: { git: url, ref: pinned, subdir: 'notebooks' }
          },
          {
            id: 'branch',
            title: 'Branch of the repository',
            status: 'staged',
            entry: 'intro.ipynb',
            source: { git: url, ref: 'main', subdir: 'notebooks' }
          },
          {
            id: 'gitlink',
            title: 'A symlink in git',
            status: 'staged',
            entry: 'link.ipynb',
            source: { git: url, ref: 'main', subdir: 'notebooks' }
          },
          {
            id: 'badref',
            title: 'Missing branch',
            status: 'staged',
            entry: 'intro.ipynb',
            source: { git: url, ref: 'no-such-branch' }
          },
          {
            id: 'remote',
            title: 'Remote',
            status: 'staged',
            entry: 'intro.ipynb',
            source: { git: 'https://example.org/demo.git', ref: 'main' }
          },
          {
            id: 'bad entry',
            title: 'x',
            status: 'curated',
            source: { path: src }
          }
        ]
      })
    );
    executor = new Executor();
    const config = parseConfig({ gallery: { catalogues: [catalogueFile] } });
    app = buildApp({
      config,
      auth: { check: async () => undefined },
      root: dir,
      executor,
      capabilities: { get: async () => ({}) } as unknown as CapabilityService,
      gallery: new GalleryService({
        executor,
        catalogues: [catalogueFile],
        allowedProtocols: config.gallery.allowedProtocols,
        limits: { previewBytes: 2048 },
        root: dir,
        config: { stateDir: join(dir, 'state') }
      }),
      logLevel: false
    });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string) => app.inject({ method: 'GET', url });

  it('lists the examples and the entries that failed, without server paths', async () => {
    const res = await get('/api/gallery');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const body = res.json() as {
      examples: Array<{ id: string; kind: string }>;
      errors: Array<{ source: string; message: string }>;
    };
    expect(body.examples.map(e => e.id)).toEqual([
      'local',
      'svg',
      'old',
      'broken',
      'big',
      'pinned',
      'branch',
      'gitlink',
      'badref',
      'remote'
    ]);
    expect(body.examples[0]).toEqual({
      id: 'local',
      title: 'Local folder',
      description: '',
      tags: [],
      status: 'curated',
      kind: 'repository',
      entry: 'main.ipynb',
      thumbnail: 'thumb.png',
      kernel: 'python3',
      copies: []
    });
    expect(body.errors).toEqual([
      {
        source: `${catalogueFile}#examples[10] (bad entry)`,
        message: expect.stringMatching(/^id: must be lower-case/)
      }
    ]);
    const examples = JSON.stringify(body.examples);
    expect(examples).not.toContain(src);
    expect(examples).not.toContain(repo);
  });

  it('previews a local entry as written, a <script> output included', async () => {
    const res = await get('/api/gallery/local/preview');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toBe(
      notebook('local', '<script>alert("x")</script><b>out</b>')
    );
  });

  it('previews a git entry at its pinned commit, not the later one', async () => {
    const atPin = await get('/api/gallery/pinned/preview');
    expect(atPin.statusCode).toBe(200);
    expect(atPin.body).toBe(notebook('version 1'));
    const onBranch = await get('/api/gallery/branch/preview');
    expect(onBranch.statusCode).toBe(200);
    expect(onBranch.body).toBe(notebook('version 2'));
  });

  // Needs root to give the repository away (CI and the test bed run as root).
  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot(
    'reads a file:// repository owned by someone else (safe.directory for it only)',
    async () => {
      const alice = Number(
        execFileSync('id', ['-u', 'alice'], { encoding: 'utf8' }).trim()
      );
      const chownTree = (path: string): void => {
        chownSync(path, alice, alice);
        if (statSync(path).isDirectory()) {
          for (const name of readdirSync(path)) {
            chownTree(join(path, name));
          }
        }
      };
      chownTree(repo);
      // Plain git refuses it: the test is not vacuous.
      const plain = spawnSync('git', ['-C', repo, 'log', '-1'], {
        env: {
          PATH: process.env.PATH,
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null'
        },
        encoding: 'utf8'
      });
      expect(plain.status).not.toBe(0);
      expect(plain.stderr).toMatch(/dubious ownership/);
      const res = await get('/api/gallery/pinned/preview');
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(notebook('version 1'));
    }
  );

  it('refuses what is not an nbformat 4 notebook, in words', async () => {
    for (const id of ['old', 'broken']) {
      const res = await get(`/api/gallery/${id}/preview`);
      expect(res.statusCode).toBe(422);
      expect((res.json() as IErrorJson).error.code).toBe('NOT_A_NOTEBOOK');
      expect((res.json() as IErrorJson).error.message).toMatch(/notebook/);
    }
  });

  it('refuses an entry over the size limit with 413', async () => {
    const res = await get('/api/gallery/big/preview');
    expect(res.statusCode).toBe(413);
    const err = (res.json() as IErrorJson).error;
    expect(err.code).toBe('TOO_LARGE');
    expect(err.message).toMatch(/big\.ipynb.*more than/);
  });

  it('does not follow a symlink committed in the repository', async () => {
    const res = await get('/api/gallery/gitlink/preview');
    expect(res.statusCode).toBe(404);
    expect((res.json() as IErrorJson).error.message).toMatch(/symlink/);
  });

  it('refuses a local entry replaced by a symlink out of the source after loading', async () => {
    expect((await get('/api/gallery/local/preview')).statusCode).toBe(200);
    rmSync(join(src, 'main.ipynb'));
    symlinkSync(join(dir, 'secret.ipynb'), join(src, 'main.ipynb'));
    const res = await get('/api/gallery/local/preview');
    expect(res.statusCode).toBe(404);
    expect((res.json() as IErrorJson).error).toEqual({
      code: 'SOURCE_UNREADABLE',
      message: expect.stringMatching(/outside the source through a symlink/)
    });
    expect(res.body).not.toContain('secret');
  });

  it('answers 502 in words when git cannot read the ref', async () => {
    const res = await get('/api/gallery/badref/preview');
    expect(res.statusCode).toBe(502);
    const err = (res.json() as IErrorJson).error;
    expect(err.code).toBe('GIT_FAILED');
    expect(err.message).toMatch(/no-such-branch/);
  });

  it('answers 502 in git words when a remote repository cannot be fetched', async () => {
    // No network here: the cache's fetch fails and says where it tried.
    const res = await get('/api/gallery/remote/preview');
    expect(res.statusCode).toBe(502);
    const err = (res.json() as IErrorJson).error;
    expect(err.code).toBe('GIT_FAILED');
    expect(err.message).toMatch(/could not fetch .* from example\.org: /);
  });

  it('serves thumbnails with their type, bytes intact, from folders and git', async () => {
    for (const id of ['local', 'pinned']) {
      const res = await get(`/api/gallery/${id}/thumbnail`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/png');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.rawPayload.equals(PNG)).toBe(true);
    }
  });

  it('serves an SVG thumbnail under a CSP that runs nothing', async () => {
    const res = await get('/api/gallery/svg/thumbnail');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml');
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'"
    );
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toBe(SVG);
  });

  it('answers 404 for an example without thumbnail or entry', async () => {
    const thumb = await get('/api/gallery/branch/thumbnail');
    expect(thumb.statusCode).toBe(404);
    expect((thumb.json() as IErrorJson).error.code).toBe('NO_THUMBNAIL');
    const preview = await get('/api/gallery/svg/preview');
    expect(preview.statusCode).toBe(404);
    expect((preview.json() as IErrorJson).error.code).toBe('NO_ENTRY');
  });

  it('answers 404 UNKNOWN_EXAMPLE for an id not in the catalogue', async () => {
    for (const path of ['preview', 'thumbnail']) {
      const res = await get(`/api/gallery/nope/${path}`);
      expect(res.statusCode).toBe(404);
      expect((res.json() as IErrorJson).error.code).toBe('UNKNOWN_EXAMPLE');
    }
  });

  it('refuses malformed ids and unknown query parameters with 400', async () => {
    for (const url of [
      '/api/gallery/..%2Fsecret/preview',
      '/api/gallery/UPPER/preview',
      '/api/gallery/-dash/thumbnail',
      '/api/gallery/local/preview?path=../secret.ipynb',
      '/api/gallery?status=curated'
    ]) {
      const res = await get(url);
      expect(res.statusCode).toBe(400);
      expect((res.json() as IErrorJson).error.code).toBe('INVALID_INPUT');
    }
  });

  it('sees a catalogue edit on the next request', async () => {
    writeFileSync(
      catalogueFile,
      JSON.stringify({
        examples: [
          { id: 'fresh', title: 'New', status: 'staged', source: { path: src } }
        ]
      })
    );
    const res = await get('/api/gallery');
    expect(
      (res.json() as { examples: Array<{ id: string }> }).examples
    ).toEqual([expect.objectContaining({ id: 'fresh' })]);
    expect((await get('/api/gallery/local/preview')).statusCode).toBe(404);
  });
});
