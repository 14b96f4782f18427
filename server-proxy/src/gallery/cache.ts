/**
 * A per-user cache of remote example repositories, so Preview and thumbnails
 * work for `https://` (and other allowed non-file) sources: one bare
 * repository per URL under `<gallery stateDir>/cache/`, filled with
 * `git fetch --depth 1 --no-tags <url> <ref>` (no checkout, nothing run from
 * the repository). A pinned commit is fetched once; a branch or tag is
 * fetched again when its last fetch is older than `ttlMs`. Concurrent
 * requests for the same URL share one fetch.
 */
import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errors } from '../errors';
import type { Executor, IRunResult } from '../exec';
import { lastLine } from '../exec';
import { gitInRepo, gitSpawnFailed } from './git';

const COMMIT = /^[0-9a-f]{40}$/;

export interface IRepoCacheOptions {
  executor: Executor;
  /** The cache folder (created 0700 when first needed). */
  dir: string;
  allowedProtocols: readonly string[];
  /** Each git command's timeout. */
  timeoutMs: number;
  /** How long a fetched branch or tag is trusted before fetching again. */
  ttlMs?: number;
}

export class RepoCache {
  constructor(options: IRepoCacheOptions) {
    this._o = { ttlMs: 5 * 60_000, ...options };
  }

  /**
   * The bare repository caching `url` and the commit `ref` names there,
   * fetching it when needed.
   */
  async resolve(
    url: string,
    ref: string
  ): Promise<{ repo: string; commit: string }> {
    const repo = join(
      this._o.dir,
      `${createHash('sha256').update(url).digest('hex').slice(0, 32)}.git`
    );
    const key = `${url}\n${ref}`;
    const known = this._fetched.get(key);
    if (known && (COMMIT.test(ref) || Date.now() - known.at < this._o.ttlMs!)) {
      return { repo, commit: known.commit };
    }
    // One fetch at a time per repository; the same ref shares the fetch.
    let pending = this._inflight.get(key);
    if (!pending) {
      const previous = this._locks.get(repo) ?? Promise.resolve();
      pending = previous
        .catch(() => undefined)
        .then(() => this._fetch(repo, url, ref))
        .finally(() => this._inflight.delete(key));
      this._inflight.set(key, pending);
      this._locks.set(
        repo,
        pending.then(
          () => undefined,
          () => undefined
        )
      );
    }
    const commit = await pending;
    return { repo, commit };
  }

  private async _fetch(
    repo: string,
    url: string,
    ref: string
  ): Promise<string> {
    const exists = await stat(join(repo, 'HEAD')).then(
      () => true,
      () => false
    );
    if (!exists) {
      await mkdir(this._o.dir, { recursive: true, mode: 0o700 });
      await mkdir(repo, { recursive: true, mode: 0o700 });
      this._check(await this._git(repo, ['init', '--bare', '--quiet']), url);
    }
    if (COMMIT.test(ref)) {
      // Already there (fetched by another ref, or before a restart)?
      const have = await this._git(repo, ['cat-file', '-e', `${ref}^{commit}`]);
      if (have.code === 0) {
        this._fetched.set(`${url}\n${ref}`, { commit: ref, at: Date.now() });
        return ref;
      }
    }
    // Ref and URL were checked by the catalogue: no leading "-".
    const fetched = await this._git(
      repo,
      ['fetch', '--depth', '1', '--no-tags', '--quiet', url, ref],
      true
    );
    this._check(fetched, url);
    const head = await this._git(repo, [
      'rev-parse',
      '--verify',
      'FETCH_HEAD^{commit}'
    ]);
    this._check(head, url);
    const commit = head.stdout.trim();
    // Keep what was fetched reachable (a later fetch replaces FETCH_HEAD).
    await this._git(repo, ['update-ref', `refs/cache/${commit}`, commit]);
    this._fetched.set(`${url}\n${ref}`, { commit, at: Date.now() });
    return commit;
  }

  private async _git(
    repo: string,
    args: string[],
    network = false
  ): Promise<IRunResult> {
    try {
      const r = await gitInRepo(this._o.executor, repo, args, {
        timeoutMs: this._o.timeoutMs,
        maxOutputBytes: 64 << 10,
        allowProtocols: network ? this._o.allowedProtocols : ['file']
      });
      if (r.timedOut) {
        throw errors.timeout(
          `git did not answer within ${this._o.timeoutMs / 1000} s fetching the example's repository: try again later.`,
          'GIT_TIMEOUT'
        );
      }
      return r;
    } catch (e) {
      return gitSpawnFailed(e);
    }
  }

  private _check(r: IRunResult, url: string): void {
    if (r.code !== 0) {
      const host = /^[a-z]+:\/\/([^/]*)/.exec(url)?.[1] ?? 'the server';
      throw errors.commandFailed(
        `git could not fetch the example's repository from ${host}: ${lastLine(r) || `exit ${r.code}`}.`,
        'GIT_FAILED'
      );
    }
  }

  private _o: IRepoCacheOptions;
  private _fetched = new Map<string, { commit: string; at: number }>();
  private _inflight = new Map<string, Promise<string>>();
  private _locks = new Map<string, Promise<void>>();
}
