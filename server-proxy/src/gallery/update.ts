/**
 * "Update my copy": brings upstream's changes into a copy made by Use without
 * ever losing the user's work (nbgitpuller's rule, with a report). Per file,
 * against the base (what the gallery last gave: the copy's recorded commit,
 * or the recorded sha256 of each copied file):
 *
 * - changed upstream, untouched by the user → upstream's version (`updated`);
 * - new upstream, absent here → added (`added`);
 * - changed upstream and edited by the user → the user's kept, upstream's
 *   written beside it as `<stem>.upstream<ext>` (`edited-both`);
 * - new upstream but the user has a different file there → `exists` (same);
 * - removed upstream → the user's file kept (`removed-upstream`);
 * - deleted by the user, changed upstream → left deleted (`deleted-by-you`);
 * - a folder, symlink or submodule where a file was (or the reverse) → left
 *   alone (`type-changed`).
 *
 * A file is replaced only when it still has the base's content, by writing a
 * temporary file beside it and renaming it over; nothing is ever deleted.
 * Git copies then move their index and HEAD to the new commit (`reset
 * --mixed`), so `git status` shows exactly the user's own changes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  lstat,
  mkdir,
  open,
  readFile,
  realpath,
  rename,
  rm
} from 'node:fs/promises';
import { dirname, extname, join, relative, sep } from 'node:path';
import { errors, HpcError } from '../errors';
import type { Executor } from '../exec';
import { lastLine } from '../exec';
import type { ILoadedExample } from './catalogue';
import type { ICopyRecord } from './copies';
import { gitSpawnFailed, runGit } from './git';
import type { ITaskHandle, ITaskResult } from './tasks';
import type { IUpdateReport } from './types';
import { GitProgress } from './use';

type Conflict = IUpdateReport['conflicts'][number];

/** What is at `rel` in the copy: missing, a regular file (with its bytes), or something else. */
type Here =
  { kind: 'missing' } | { kind: 'file'; bytes: Buffer } | { kind: 'other' };

/** How a file's content is identified on each side (git blob ids or sha256). */
interface IHasher {
  (bytes: Buffer): string;
}

const sha256: IHasher = bytes =>
  createHash('sha256').update(bytes).digest('hex');

/** git's blob id of some content (what `git hash-object` prints). */
const gitBlobId: IHasher = bytes =>
  createHash('sha1')
    .update(`blob ${bytes.length}\0`)
    .update(bytes)
    .digest('hex');

export interface IUpdateJob {
  executor: Executor;
  example: ILoadedExample;
  record: ICopyRecord;
  root: string;
  allowedProtocols: readonly string[];
  timeoutMs: number;
  save: (rec: ICopyRecord) => Promise<void>;
}

/** The copy's real path, which must be a folder inside the root. */
async function copyFolder(root: string, rel: string): Promise<string> {
  const realRoot = await realpath(root);
  let real: string;
  try {
    real = await realpath(join(realRoot, rel));
  } catch {
    throw errors.notFound(
      `Your copy "${rel}" is no longer there: use the example again for a new copy.`,
      'UNKNOWN_COPY'
    );
  }
  const r = relative(realRoot, real);
  if (r.startsWith('..') || r === '' || !(await lstat(real)).isDirectory()) {
    throw errors.notFound(
      `"${rel}" is not a folder inside your root any more, so it cannot be updated.`,
      'UNKNOWN_COPY'
    );
  }
  return real;
}

/**
 * What is at `rel` inside `dir`, never through a symlink: a parent that is
 * not a real folder makes it `other`.
 */
async function here(dir: string, rel: string): Promise<Here> {
  const parts = rel.split('/');
  let current = dir;
  for (const [i, part] of parts.entries()) {
    current = join(current, part);
    let info;
    try {
      info = await lstat(current);
    } catch {
      return { kind: 'missing' };
    }
    if (i < parts.length - 1 && !info.isDirectory()) {
      return { kind: 'other' };
    }
    if (i === parts.length - 1 && !info.isFile()) {
      return { kind: 'other' };
    }
  }
  const handle = await open(current, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return { kind: 'file', bytes: await handle.readFile() };
  } finally {
    await handle.close();
  }
}

/** Makes the parent folders of `rel` (none may be a symlink); false if it can't. */
async function parents(dir: string, rel: string): Promise<boolean> {
  const parts = rel.split('/').slice(0, -1);
  let current = dir;
  for (const part of parts) {
    current = join(current, part);
    try {
      await mkdir(current);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        return false;
      }
    }
    if (!(await lstat(current)).isDirectory()) {
      return false;
    }
  }
  return true;
}

/** Writes `bytes` to a new temporary file beside `target`, then renames it over. */
async function replace(
  target: string,
  bytes: Buffer,
  mode: number
): Promise<void> {
  const tmp = join(
    dirname(target),
    `.${target.split(sep).pop()}.hpc-update-${randomBytes(4).toString('hex')}`
  );
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(bytes);
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Writes upstream's version beside `rel` under a free name; its relative path. */
async function beside(
  dir: string,
  rel: string,
  bytes: Buffer
): Promise<string | undefined> {
  const ext = extname(rel);
  const stem = rel.slice(0, rel.length - ext.length);
  for (let n = 0; n < 100; n++) {
    const name = `${stem}.upstream${n ? `-${n}` : ''}${ext}`;
    try {
      const handle = await open(join(dir, name), 'wx', 0o644);
      try {
        await handle.writeFile(bytes);
      } finally {
        await handle.close();
      }
      return name;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        return undefined;
      }
    }
  }
  return undefined;
}

interface ISide {
  /** path → content id (blob id or sha256). */
  ids: Map<string, string>;
  /** Paths that are not regular files on this side (symlinks, submodules). */
  other: Set<string>;
}

/**
 * The per-file decisions, applied. `base` and `upstream` map paths to
 * content ids; `hash` computes the same kind of id for the user's files;
 * `read` gives upstream's bytes and mode.
 */
async function merge(o: {
  dir: string;
  base: ISide;
  upstream: ISide;
  hash: IHasher;
  read: (rel: string) => Promise<{ bytes: Buffer; mode: number }>;
  handle: ITaskHandle;
}): Promise<Omit<IUpdateReport, 'commit' | 'upToDate'>> {
  const report: Omit<IUpdateReport, 'commit' | 'upToDate'> = {
    updated: [],
    added: [],
    conflicts: []
  };
  const paths = [
    ...new Set([
      ...o.base.ids.keys(),
      ...o.upstream.ids.keys(),
      ...o.base.other,
      ...o.upstream.other
    ])
  ].sort();
  let done = 0;
  for (const rel of paths) {
    o.handle.signal.throwIfAborted();
    done++;
    const b = o.base.ids.get(rel);
    const u = o.upstream.ids.get(rel);
    const conflict = (reason: Conflict['reason'], upstreamCopy?: string) =>
      report.conflicts.push({
        path: rel,
        reason,
        ...(upstreamCopy ? { upstreamCopy } : {})
      });
    if (b !== undefined && b === u) {
      continue; // unchanged upstream
    }
    if (o.base.other.has(rel) || o.upstream.other.has(rel)) {
      // A symlink or submodule on either side: never written by the gallery.
      if (!(o.base.other.has(rel) && o.upstream.other.has(rel))) {
        conflict('type-changed');
      }
      continue;
    }
    o.handle.progress(done / paths.length, `Merging ${rel}`);
    const mine = await here(o.dir, rel);
    if (mine.kind === 'other') {
      conflict('type-changed');
      continue;
    }
    const mineId = mine.kind === 'file' ? o.hash(mine.bytes) : undefined;
    if (u === undefined) {
      if (mine.kind === 'file') {
        conflict('removed-upstream'); // kept: nothing is deleted
      }
      continue;
    }
    if (mineId === u) {
      continue; // already upstream's content
    }
    const up = await o.read(rel);
    if (b === undefined) {
      // New upstream.
      if (mine.kind === 'missing') {
        if (await parents(o.dir, rel)) {
          await replace(join(o.dir, rel), up.bytes, up.mode);
          report.added.push(rel);
        } else {
          conflict('type-changed');
        }
      } else {
        conflict('exists', await beside(o.dir, rel, up.bytes));
      }
      continue;
    }
    if (mine.kind === 'missing') {
      conflict('deleted-by-you');
    } else if (mineId === b) {
      // Untouched by the user: checked again just before replacing.
      const again = await here(o.dir, rel);
      if (again.kind === 'file' && o.hash(again.bytes) === b) {
        const mode = (await lstat(join(o.dir, rel))).mode & 0o777;
        await replace(join(o.dir, rel), up.bytes, mode);
        report.updated.push(rel);
      } else {
        conflict('edited-both', await beside(o.dir, rel, up.bytes));
      }
    } else {
      conflict('edited-both', await beside(o.dir, rel, up.bytes));
    }
  }
  return report;
}

/** The task's work for a git copy. */
async function updateGit(
  job: IUpdateJob,
  dir: string,
  handle: ITaskHandle
): Promise<IUpdateReport> {
  const source = job.example.source;
  if (source.type !== 'git') {
    throw errors.conflict(
      `The example "${job.example.example.id}" is no longer a git repository, so your clone can't be updated from it: use it again for a fresh copy.`,
      'SOURCE_CHANGED'
    );
  }
  const base = job.record.commit as string;
  const progress = new GitProgress((f, m) => handle.progress(f * 0.5, m));
  const deadline = Date.now() + job.timeoutMs;
  const git = async (
    args: string[],
    binary = false,
    onStderr?: (t: string) => void
  ) => {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw errors.timeout(
        `The update took longer than ${job.timeoutMs / 1000} s and was stopped.`,
        'USE_TIMEOUT'
      );
    }
    const r = await runGit(job.executor, ['-C', dir, ...args], {
      allowProtocols: job.allowedProtocols,
      safe: source.localPath ? [source.localPath] : [],
      config: { uploadpack: { allowAnySHA1InWant: 'true' } },
      timeoutMs: left,
      maxOutputBytes: 64 << 20,
      binary,
      signal: handle.signal,
      ...(onStderr ? { onStderr } : {})
    }).catch(gitSpawnFailed);
    handle.signal.throwIfAborted();
    if (r.timedOut) {
      throw errors.timeout(
        `The update took longer than ${job.timeoutMs / 1000} s and was stopped.`,
        'USE_TIMEOUT'
      );
    }
    if (r.code !== 0) {
      throw errors.commandFailed(
        `git could not update your copy: ${lastLine(r) || `exit ${r.code}`}.`,
        'GIT_FAILED'
      );
    }
    return r;
  };
  // The user's own commits (or another checkout) are theirs: moving HEAD
  // would hide them, so such a copy is left to git.
  const head = (
    await git(['rev-parse', '--verify', 'HEAD^{commit}'])
  ).stdout.trim();
  if (head !== base) {
    throw errors.conflict(
      `Your copy is at ${head.slice(0, 10)}, not at the ${base.slice(0, 10)} the gallery gave it (you committed or checked out something): the gallery does not move your history, update it with git yourself (git pull).`,
      'COPY_HAS_COMMITS'
    );
  }
  // From the catalogue's URL (not the copy's own remote, which the user may have changed).
  await git(
    [
      'fetch',
      '--depth',
      '1',
      '--no-tags',
      '--progress',
      '--',
      source.url,
      source.ref
    ],
    false,
    t => progress.push(t)
  );
  const upstream = (
    await git(['rev-parse', '--verify', 'FETCH_HEAD^{commit}'])
  ).stdout.trim();
  if (upstream === base) {
    return {
      updated: [],
      added: [],
      conflicts: [],
      commit: upstream,
      upToDate: true
    };
  }
  const side = async (commit: string): Promise<ISide> => {
    const out = (await git(['ls-tree', '-r', '-z', '--full-tree', commit]))
      .stdout;
    const ids = new Map<string, string>();
    const other = new Set<string>();
    for (const line of out.split('\0').filter(Boolean)) {
      const m = /^(\d{6}) (\w+) ([0-9a-f]{40,64})\t(.*)$/s.exec(line);
      if (!m) {
        continue;
      }
      if (m[2] === 'blob' && (m[1] === '100644' || m[1] === '100755')) {
        ids.set(m[4], m[3]);
      } else {
        other.add(m[4]);
      }
    }
    return { ids, other };
  };
  const [b, u] = [await side(base), await side(upstream)];
  const report = await merge({
    dir,
    base: b,
    upstream: u,
    hash: gitBlobId,
    read: async rel => {
      const blob = await git(
        ['cat-file', 'blob', u.ids.get(rel) as string],
        true
      );
      return { bytes: blob.stdoutBytes ?? Buffer.alloc(0), mode: 0o644 };
    },
    handle
  });
  // HEAD and the index to upstream; the working tree stays as merged.
  await git(['reset', '--mixed', '--quiet', upstream]);
  return { ...report, commit: upstream, upToDate: false };
}

/** Lists a local source's regular files with their sha256. */
async function localSide(source: {
  root: string;
  file: boolean;
}): Promise<ISide & { abs: Map<string, string> }> {
  const ids = new Map<string, string>();
  const other = new Set<string>();
  const abs = new Map<string, string>();
  const add = async (rel: string, path: string) => {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      ids.set(rel, sha256(await handle.readFile()));
      abs.set(rel, path);
    } finally {
      await handle.close();
    }
  };
  if (source.file) {
    await add(source.root.split(sep).pop() as string, source.root);
    return { ids, other, abs };
  }
  const walk = async (rel: string): Promise<void> => {
    const { readdir } = await import('node:fs/promises');
    for (const e of await readdir(join(source.root, rel), {
      withFileTypes: true
    })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        await walk(r);
      } else if (e.isFile()) {
        await add(r, join(source.root, r));
      }
      // symlinks and special files: never copied, so never updated
    }
  };
  await walk('');
  return { ids, other, abs };
}

/** The task's work for a copy of a local source. */
async function updateFiles(
  job: IUpdateJob,
  dir: string,
  handle: ITaskHandle
): Promise<{ report: IUpdateReport; manifest: Record<string, string> }> {
  const source = job.example.source;
  if (source.type !== 'path') {
    throw errors.conflict(
      `The example "${job.example.example.id}" is no longer a local folder, so your copy can't be updated from it: use it again for a fresh copy.`,
      'SOURCE_CHANGED'
    );
  }
  handle.progress(0, 'Reading the example');
  const u = await localSide(source);
  const base: ISide = {
    ids: new Map(Object.entries(job.record.manifest ?? {})),
    other: new Set()
  };
  const manifest = Object.fromEntries(u.ids);
  const same =
    base.ids.size === u.ids.size &&
    [...u.ids].every(([k, v]) => base.ids.get(k) === v);
  if (same) {
    return {
      report: { updated: [], added: [], conflicts: [], upToDate: true },
      manifest
    };
  }
  const report = await merge({
    dir,
    base,
    upstream: { ids: u.ids, other: u.other },
    hash: sha256,
    read: async rel => {
      const path = u.abs.get(rel) as string;
      const bytes = await readFile(path, {
        flag: constants.O_RDONLY | constants.O_NOFOLLOW
      });
      return { bytes, mode: (await lstat(path)).mode & 0o777 };
    },
    handle
  });
  return { report: { ...report, upToDate: false }, manifest };
}

function summary(r: IUpdateReport): string {
  if (r.upToDate) {
    return 'Already up to date';
  }
  const parts = [
    `${r.updated.length} updated`,
    `${r.added.length} added`,
    `${r.conflicts.length} not applied`
  ];
  return `Updated: ${parts.join(', ')}`;
}

export async function runUpdate(
  job: IUpdateJob,
  handle: ITaskHandle
): Promise<ITaskResult> {
  const dir = await copyFolder(job.root, job.record.path);
  const timeout = AbortSignal.timeout(job.timeoutMs);
  const signal = AbortSignal.any([handle.signal, timeout]);
  const inner: ITaskHandle = { signal, progress: handle.progress };
  try {
    let report: IUpdateReport;
    const now = new Date().toISOString();
    if (job.record.kind === 'git') {
      report = await updateGit(job, dir, inner);
      await job.save({
        ...job.record,
        commit: report.commit,
        ref:
          job.example.source.type === 'git'
            ? job.example.source.ref
            : job.record.ref,
        updatedAt: now
      });
    } else {
      const r = await updateFiles(job, dir, inner);
      report = r.report;
      await job.save({ ...job.record, manifest: r.manifest, updatedAt: now });
    }
    return {
      report,
      message: summary(report),
      ...(job.record.entry ? { entry: job.record.entry } : {})
    };
  } catch (e) {
    if (timeout.aborted && !handle.signal.aborted) {
      throw errors.timeout(
        `The update took longer than ${Math.round(job.timeoutMs / 1000)} s (gallery.useTimeoutSeconds) and was stopped; files already merged stay merged, your own changes are all kept.`,
        'USE_TIMEOUT'
      );
    }
    if (e instanceof HpcError || handle.signal.aborted) {
      throw e;
    }
    throw errors.commandFailed(
      `Your copy could not be updated: ${(e as Error).message}.`,
      'UPDATE_FAILED'
    );
  }
}
