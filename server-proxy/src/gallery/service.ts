/**
 * The gallery's read side: the list of examples, an entry notebook's JSON
 * for a kernel-less preview, and thumbnails. Files are read from local
 * sources (confined to the source's real path, symlinks included) or from a
 * `file://` git repository at the entry's ref (`git ls-tree` + `git
 * cat-file`, never a checkout).
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { IHpcConfig } from '../config';
import { errors, HpcError } from '../errors';
import type { Executor } from '../exec';
import { lastLine } from '../exec';
import {
  Catalogue,
  ILoadedExample,
  IMAGE_TYPES,
  resolveInside
} from './catalogue';
import { RepoCache } from './cache';
import { CopyStore, defaultGalleryStateDir } from './copies';
import { gitInRepo, gitSpawnFailed, parseLsTree } from './git';
import { TaskRegistry } from './tasks';
import { runUpdate } from './update';
import { Submissions } from './submissions';
import type { ICopy, IGalleryList, IReviewInfo, ITask } from './types';
import {
  claimFolder,
  destinationFolder,
  recoverPending,
  removeClaimed,
  runUse,
  writePending
} from './use';
import type { ICopyRecord } from './copies';

export interface IGalleryLimits {
  /** Largest entry notebook a preview sends. */
  previewBytes: number;
  /** Largest thumbnail served. */
  thumbnailBytes: number;
  /** Each git command's timeout. */
  gitTimeoutMs: number;
}

const DEFAULT_LIMITS: IGalleryLimits = {
  previewBytes: 20 << 20,
  thumbnailBytes: 5 << 20,
  gitTimeoutMs: 20_000
};

export interface IFile {
  bytes: Buffer;
  /** The file's path inside the source, for messages and types. */
  name: string;
}

function mib(bytes: number): string {
  return `${Math.round((bytes / (1 << 20)) * 10) / 10} MiB`;
}

/** A notebook's JSON text if it is nbformat 4, else a sentence. */
export function checkNotebook(text: string, name: string): void {
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch {
    throw new HpcError(
      422,
      'NOT_A_NOTEBOOK',
      `The example's entry "${name}" is not valid JSON, so it is not a notebook: tell the gallery's administrator.`
    );
  }
  const o = nb as { nbformat?: unknown; cells?: unknown } | null;
  if (
    typeof o !== 'object' ||
    o === null ||
    Array.isArray(o) ||
    o.nbformat !== 4 ||
    !Array.isArray(o.cells)
  ) {
    throw new HpcError(
      422,
      'NOT_A_NOTEBOOK',
      `The example's entry "${name}" is not an nbformat 4 notebook (it needs "nbformat": 4 and a "cells" list): tell the gallery's administrator.`
    );
  }
}

export class GalleryService {
  constructor(options: {
    executor: Executor;
    catalogues: readonly string[];
    allowedProtocols: readonly string[];
    limits?: Partial<IGalleryLimits>;
    /** The user's notebook root (Use destinations, submissions). */
    root?: string;
    /** The rest of `gallery` in the config (destination, staging, reviewers...). */
    config?: Partial<IHpcConfig['gallery']>;
  }) {
    this.root = options.root ?? process.cwd();
    this.config = {
      destination: 'examples',
      stagingDir: null,
      reviewers: [],
      stateDir: null,
      useTimeoutSeconds: 600,
      ...options.config,
      catalogues: [...options.catalogues],
      allowedProtocols: [
        ...options.allowedProtocols
      ] as IHpcConfig['gallery']['allowedProtocols']
    };
    this.stateDir = this.config.stateDir ?? defaultGalleryStateDir();
    this.copies = new CopyStore(this.stateDir, this.root);
    this.submissions = new Submissions({
      executor: options.executor,
      stagingDir: this.config.stagingDir,
      reviewers: this.config.reviewers,
      root: this.root
    });
    this._executor = options.executor;
    this.catalogue = new Catalogue(
      options.catalogues,
      options.allowedProtocols
    );
    this._limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.cache = new RepoCache({
      executor: this._executor,
      dir: join(this.stateDir, 'cache'),
      allowedProtocols: this.config.allowedProtocols,
      timeoutMs: this._limits.gitTimeoutMs
    });
  }

  readonly catalogue: Catalogue;
  readonly root: string;
  readonly config: IHpcConfig['gallery'];
  /** Where copies' records live (`gallery.stateDir` or the Jupyter data dir). */
  readonly stateDir: string;
  readonly copies: CopyStore;
  /** Notebooks submitted for review (gallery.stagingDir). */
  readonly submissions: Submissions;
  /** Bare repositories of remote sources, for previews and thumbnails. */
  readonly cache: RepoCache;
  /** Use and Update tasks. */
  readonly tasks = new TaskRegistry();

  /** Removes what copies interrupted by a crash left behind. */
  async start(): Promise<string[]> {
    return recoverPending(this.stateDir);
  }

  async list(): Promise<IGalleryList> {
    const snap = await this.catalogue.snapshot();
    const copies = await this.copies.list();
    const loaded = await this._examples();
    return {
      examples: loaded.map(e => ({
        ...e.example,
        copies: copies.filter(c => c.exampleId === e.example.id).map(toCopy),
        ...('review' in e ? { review: e.review } : {})
      })),
      errors: snap.errors,
      viewer: {
        user: this.submissions.user,
        reviewer: this.submissions.isReviewer,
        canSubmit: await this.submissions.usable(),
        destination: this.config.destination
      },
      submissions: await this.submissions.visible()
    };
  }

  /** The catalogues' examples, then the submissions' (a catalogue id wins). */
  private async _examples(): Promise<
    Array<ILoadedExample | (ILoadedExample & { review: IReviewInfo })>
  > {
    const snap = await this.catalogue.snapshot();
    const ids = new Set(snap.examples.map(e => e.example.id));
    const staged = (await this.submissions.examples()).filter(
      e => !ids.has(e.example.id)
    );
    return [...snap.examples, ...staged];
  }

  /** Starts an update of the user's copy `path` of the example. */
  async update(id: string, path: string): Promise<ITask> {
    const ex = await this.get(id);
    const rec = await this.copies.get(path);
    if (!rec || rec.exampleId !== id) {
      throw errors.notFound(
        `"${path}" is not a copy of "${id}" made with the gallery (or it was moved): only copies listed under the example can be updated.`,
        'UNKNOWN_COPY'
      );
    }
    if (this.tasks.list().some(t => t.state === 'running' && t.path === path)) {
      throw errors.conflict(
        `"${path}" is already being copied or updated: wait for that to finish.`,
        'TASK_RUNNING'
      );
    }
    return this.tasks.start(
      {
        kind: 'update',
        exampleId: ex.example.id,
        exampleTitle: ex.example.title,
        path
      },
      handle =>
        runUpdate(
          {
            executor: this._executor,
            example: ex,
            record: rec,
            root: this.root,
            allowedProtocols: this.config.allowedProtocols,
            timeoutMs: this.config.useTimeoutSeconds * 1000,
            save: r => this.copies.put(r)
          },
          handle
        )
    );
  }

  /**
   * Starts a copy of the example into a freshly claimed folder under
   * `destination` (default `gallery.destination`); the task's `path` is
   * claimed when this resolves.
   */
  async use(id: string, destination?: string): Promise<ITask> {
    const ex = await this.get(id);
    const parent = await destinationFolder(
      this.root,
      destination ?? this.config.destination
    );
    const claimed = await claimFolder(this.root, parent, ex.example.id);
    const pendingId = `${claimed.dev}-${claimed.ino}`;
    try {
      await writePending(this.stateDir, pendingId, claimed);
    } catch (e) {
      await removeClaimed(claimed);
      throw errors.unavailable(
        `The gallery's state directory ${this.stateDir} cannot be written (${(e as NodeJS.ErrnoException).code ?? 'error'}): set gallery.stateDir to a folder of yours.`,
        'STATE_DIR_UNUSABLE'
      );
    }
    return this.tasks.start(
      {
        kind: 'use',
        exampleId: ex.example.id,
        exampleTitle: ex.example.title,
        path: claimed.rel
      },
      handle =>
        runUse(
          {
            executor: this._executor,
            example: ex,
            claimed,
            allowedProtocols: this.config.allowedProtocols,
            timeoutMs: this.config.useTimeoutSeconds * 1000,
            stateDir: this.stateDir,
            pendingId,
            record: rec => this.copies.put(rec)
          },
          handle
        )
    );
  }

  async get(id: string): Promise<ILoadedExample> {
    const found = (await this._examples()).find(e => e.example.id === id);
    if (!found) {
      throw errors.notFound(
        `There is no example "${id}" in the gallery (it may have been removed from the catalogue): reload the gallery.`,
        'UNKNOWN_EXAMPLE'
      );
    }
    return found;
  }

  /** The entry notebook's JSON text, checked to be an nbformat 4 notebook. */
  async preview(id: string): Promise<string> {
    const ex = await this.get(id);
    if (ex.example.entry === undefined) {
      throw errors.notFound(
        `The example "${id}" names no entry notebook, so there is nothing to preview.`,
        'NO_ENTRY'
      );
    }
    const file = await this._read(
      ex,
      ex.source.type === 'path' && ex.source.file ? null : ex.example.entry,
      'entry',
      this._limits.previewBytes
    );
    const text = file.bytes.toString('utf8');
    checkNotebook(text, file.name);
    return text;
  }

  /** The thumbnail's bytes and content type. */
  async thumbnail(id: string): Promise<{ bytes: Buffer; type: string }> {
    const ex = await this.get(id);
    const name = ex.example.thumbnail;
    if (name === undefined) {
      throw errors.notFound(
        `The example "${id}" has no thumbnail.`,
        'NO_THUMBNAIL'
      );
    }
    const file = await this._read(
      ex,
      name,
      'thumbnail',
      this._limits.thumbnailBytes
    );
    const ext = name.split('.').pop()?.toLowerCase() ?? '';
    return { bytes: file.bytes, type: IMAGE_TYPES[ext] };
  }

  /** Reads `rel` (null: the single-notebook source itself) from the source. */
  private async _read(
    ex: ILoadedExample,
    rel: string | null,
    what: 'entry' | 'thumbnail',
    limit: number
  ): Promise<IFile> {
    const source = ex.source;
    if (source.type === 'path') {
      let real = source.root;
      if (rel !== null) {
        try {
          // Again at each request: the source may have changed since loading.
          real = await resolveInside(source.root, rel, what);
        } catch (e) {
          throw errors.notFound(
            `The example "${ex.example.id}" cannot be read: ${(e as Error).message}.`,
            'SOURCE_UNREADABLE'
          );
        }
      }
      return {
        bytes: await readCapped(real, rel ?? 'notebook', limit),
        name: rel ?? ex.example.entry ?? ''
      };
    }
    // A local repository is read in place; a remote one through the cache.
    let repo = source.localPath;
    let ref = source.ref;
    if (repo === null) {
      ({ repo, commit: ref } = await this.cache.resolve(
        source.url,
        source.ref
      ));
    }
    const path = source.subdir ? `${source.subdir}/${rel}` : String(rel);
    return {
      bytes: await this._gitBlob(ex, repo, ref, path, limit),
      name: String(rel)
    };
  }

  private async _gitBlob(
    ex: ILoadedExample,
    repo: string,
    ref: string,
    path: string,
    limit: number
  ): Promise<Buffer> {
    const git = async (args: string[], binary = false) => {
      try {
        const r = await gitInRepo(this._executor, repo, args, {
          timeoutMs: this._limits.gitTimeoutMs,
          maxOutputBytes: limit + 1,
          binary
        });
        if (r.timedOut) {
          throw errors.timeout(
            `git did not answer within ${this._limits.gitTimeoutMs / 1000} s reading the example "${ex.example.id}".`,
            'GIT_TIMEOUT'
          );
        }
        return r;
      } catch (e) {
        return gitSpawnFailed(e);
      }
    };
    // Ref and path are checked by the catalogue (no leading "-", no "..").
    const listed = await git(['ls-tree', '-l', `${ref}^{tree}`, '--', path]);
    if (listed.code !== 0) {
      throw errors.commandFailed(
        `git could not read "${ref}" of the example "${ex.example.id}": ${lastLine(listed) || `exit ${listed.code}`}.`,
        'GIT_FAILED'
      );
    }
    const entry = parseLsTree(listed.stdout);
    if (!entry || entry.type !== 'blob') {
      throw errors.notFound(
        `The example "${ex.example.id}" has no file "${path}" at "${ref}".`,
        'SOURCE_UNREADABLE'
      );
    }
    if (entry.mode === '120000') {
      throw errors.notFound(
        `"${path}" in the example "${ex.example.id}" is a symlink, which the gallery does not follow.`,
        'SOURCE_UNREADABLE'
      );
    }
    if (entry.size !== null && entry.size > limit) {
      throw tooLarge(path, entry.size, limit);
    }
    const blob = await git(['cat-file', 'blob', entry.object], true);
    if (blob.code !== 0) {
      throw errors.commandFailed(
        `git could not read "${path}" of the example "${ex.example.id}": ${lastLine(blob) || `exit ${blob.code}`}.`,
        'GIT_FAILED'
      );
    }
    const bytes = blob.stdoutBytes ?? Buffer.alloc(0);
    if (bytes.length > limit) {
      throw tooLarge(path, bytes.length, limit);
    }
    return bytes;
  }

  private _executor: Executor;
  private _limits: IGalleryLimits;
}

function toCopy(rec: ICopyRecord): ICopy {
  return {
    path: rec.path,
    ...(rec.entry !== undefined ? { entry: rec.entry } : {}),
    createdAt: rec.createdAt,
    ...(rec.commit !== undefined ? { commit: rec.commit } : {}),
    ...(rec.updatedAt !== undefined ? { updatedAt: rec.updatedAt } : {})
  };
}

function tooLarge(name: string, size: number, limit: number): HpcError {
  return new HpcError(
    413,
    'TOO_LARGE',
    `"${name}" is ${mib(size)}, more than the ${mib(limit)} the gallery sends: open it after using the example instead.`
  );
}

/** Reads a file, refusing (413) one larger than `limit` without reading it all. */
async function readCapped(
  path: string,
  name: string,
  limit: number
): Promise<Buffer> {
  let handle;
  try {
    // `path` is already real: a symlink swapped in since is not followed.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    throw errors.notFound(
      `"${name}" cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`,
      'SOURCE_UNREADABLE'
    );
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw errors.notFound(`"${name}" is not a file.`, 'SOURCE_UNREADABLE');
    }
    if (info.size > limit) {
      throw tooLarge(name, info.size, limit);
    }
    const buffer = Buffer.alloc(Math.min(info.size, limit) + 1);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(
        buffer,
        total,
        buffer.length - total,
        null
      );
      if (bytesRead === 0) {
        break;
      }
      total += bytesRead;
      if (total > limit) {
        throw tooLarge(name, total, limit);
      }
    }
    return buffer.subarray(0, total);
  } finally {
    await handle.close();
  }
}
