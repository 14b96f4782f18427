// Titles here are catalogue data written by admins, not UI strings to translate.
/* eslint-disable jupyter/no-untranslated-string */
/**
 * Previews and thumbnails of examples in a remote repository, through the
 * per-user cache, against a real git server over HTTP (git http-backend):
 * a pinned commit is fetched once and shows what was pinned; a branch is
 * fetched again after the cache's time to live; an unreachable server or a
 * missing ref is a 502 in git's words; nothing is checked out.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Executor } from '../../exec';
import { RepoCache } from '../cache';
import { GalleryService } from '../service';
import { IGitHttpServer, startGitHttp } from './gitHttp';
import { git, notebook } from './helpers';

/** Every file (recursively) under `dir`, relative. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(e => e.isFile())
    .map(e => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1));
}

describe('remote repositories through the cache', () => {
  let dir: string;
  let server: IGitHttpServer;
  let work: string;
  let first: string;
  let executor: Executor;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hpc-gallery-cache-'));
    chmodSync(dir, 0o755);
    server = await startGitHttp(join(dir, 'http'));
    // The maintainer's working copy, pushed to the served bare repository.
    work = join(dir, 'work');
    mkdirSync(join(work, 'nb'), { recursive: true });
    git(work, 'init', '-q', '-b', 'main');
    writeFileSync(join(work, 'nb', 'intro.ipynb'), notebook('version 1'));
    writeFileSync(
      join(work, 'nb', 'thumb.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg"/>'
    );
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'first');
    first = git(work, 'rev-parse', 'HEAD');
    git(
      work,
      'clone',
      '-q',
      '--bare',
      work,
      join(dir, 'http', 'repos', 'demo.git')
    );
    execFileSync('chmod', ['-R', 'a+rX', join(dir, 'http')]);
    executor = new Executor();
  });

  afterAll(async () => {
    await server.stop();
    executor.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Fetches the server saw: each starts with one GET of info/refs. */
  function fetches(): number {
    return server.log().split('GET /cgi-bin/git/demo.git/info/refs').length - 1;
  }

  function push(text: string): string {
    writeFileSync(join(work, 'nb', 'intro.ipynb'), notebook(text));
    git(work, 'commit', '-q', '-am', text);
    git(work, 'push', '-q', join(dir, 'http', 'repos', 'demo.git'), 'main');
    execFileSync('chmod', ['-R', 'a+rX', join(dir, 'http')]);
    return git(work, 'rev-parse', 'HEAD');
  }

  function gallery(name: string, ttlMs?: number): GalleryService {
    const catalogue = join(dir, `${name}.json`);
    const url = server.url('demo.git');
    writeFileSync(
      catalogue,
      JSON.stringify({
        examples: [
          {
            id: 'pinned',
            title: 'Pinned',
            status: 'curated',
            entry: 'intro.ipynb',
            thumbnail: 'thumb.svg',
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
            id: 'missing',
            title: 'Missing branch',
            status: 'staged',
            entry: 'intro.ipynb',
            source: { git: url, ref: 'no-such-branch' }
          },
          {
            id: 'down',
            title: 'Nobody listens',
            status: 'staged',
            entry: 'intro.ipynb',
            source: { git: 'http://127.0.0.1:9/demo.git', ref: 'main' }
          }
        ]
      })
    );
    const service = new GalleryService({
      executor,
      catalogues: [catalogue],
      allowedProtocols: ['http', 'file'],
      root: dir,
      config: { stateDir: join(dir, `state-${name}`) }
    });
    if (ttlMs !== undefined) {
      (service.cache as unknown as { _o: { ttlMs: number } })._o.ttlMs = ttlMs;
    }
    return service;
  }

  it('previews a pinned commit and a branch of a repository served over HTTP', async () => {
    const g = gallery('a');
    expect(JSON.parse(await g.preview('pinned')).cells[0].source).toEqual([
      'version 1'
    ]);
    const thumb = await g.thumbnail('pinned');
    expect(thumb.type).toBe('image/svg+xml');
    expect(thumb.bytes.toString()).toContain('<svg');
    // A bare repository: objects, no checked-out files.
    const cache = join(dir, 'state-a', 'cache');
    const [repo] = readdirSync(cache);
    expect(repo).toMatch(/^[0-9a-f]{32}\.git$/);
    expect(existsSync(join(cache, repo, 'HEAD'))).toBe(true);
    expect(files(join(cache, repo)).some(f => f.endsWith('.ipynb'))).toBe(
      false
    );
  });

  it('keeps showing the pinned commit after the branch moves, and follows the branch after the TTL', async () => {
    const g = gallery('b', 0);
    expect(await g.preview('branch')).toContain('version 1');
    const fetchesBefore = fetches();
    push('version 2');
    expect(await g.preview('branch')).toContain('version 2');
    expect(await g.preview('pinned')).toContain('version 1');
    // The branch was fetched again; the pinned commit was not.
    expect(fetches()).toBe(fetchesBefore + 1);
  });

  it('trusts a fetched branch for the TTL (one fetch for many previews)', async () => {
    const g = gallery('c', 60_000);
    await g.preview('branch');
    const before = server.log().length;
    await Promise.all([g.preview('branch'), g.preview('branch')]);
    expect(server.log().length).toBe(before);
  });

  it('shares one fetch between concurrent first requests', async () => {
    const g = gallery('d', 60_000);
    const before = fetches();
    await Promise.all([1, 2, 3, 4].map(() => g.preview('branch')));
    // Each fetch starts with one GET of info/refs.
    expect(fetches() - before).toBe(1);
  });

  it('answers 502 in git words for a missing ref and an unreachable server', async () => {
    const g = gallery('e');
    await expect(g.preview('missing')).rejects.toMatchObject({
      statusCode: 502,
      code: 'GIT_FAILED',
      message: expect.stringMatching(/127\.0\.0\.1:\d+: .*no-such-branch/)
    });
    await expect(g.preview('down')).rejects.toMatchObject({
      statusCode: 502,
      code: 'GIT_FAILED',
      message: expect.stringMatching(
        /from 127\.0\.0\.1:9: .*(refused|connect)/i
      )
    });
  });

  it('refuses a protocol the admin did not allow before any git runs', async () => {
    const cache = new RepoCache({
      executor,
      dir: join(dir, 'state-f'),
      allowedProtocols: ['file'],
      timeoutMs: 10_000
    });
    const before = server.log().length;
    await expect(
      cache.resolve(server.url('demo.git'), 'main')
    ).rejects.toMatchObject({ code: 'GIT_FAILED' });
    // git itself refused the transport: the server saw nothing.
    expect(server.log().length).toBe(before);
  });
});
