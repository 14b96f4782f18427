/**
 * "Use": a copy of an example in a fresh folder of the user's root that is
 * never anyone else's. The folder is claimed with one non-recursive `mkdir`
 * (`<destination>/<id>`, then `<id>-1`, `<id>-2`, ...: an existing name is
 * never reused or renamed onto), then filled by copying a local source
 * (regular files and folders only: symlinks are neither followed nor copied)
 * or by `git clone --depth 1 --single-branch --no-tags --progress`. A copy
 * that fails, times out or is cancelled removes the folder it claimed, and
 * nothing else; a server that dies meanwhile removes it at its next start.
 */
import { createHash } from 'node:crypto';
import { constants, Dirent } from 'node:fs';
import {
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rm,
  writeFile
} from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errors, HpcError } from '../errors';
import type { Executor } from '../exec';
import { lastLine } from '../exec';
import type { ILoadedExample } from './catalogue';
import type { ICopyRecord } from './copies';
import { gitSpawnFailed, runGit } from './git';
import type { ITaskHandle, ITaskResult } from './tasks';

const COMMIT = /^[0-9a-f]{40}$/;
/** How many numbered names are tried before giving up. */
const MAX_SUFFIX = 999;

export interface IClaimed {
  /** Absolute path of the claimed folder. */
  abs: string;
  /** The same, relative to the root ("/"-separated). */
  rel: string;
  dev: number;
  ino: number;
  /** Birth time (ms): an inode number is reused once a folder is removed. */
  birth: number;
}

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

/** True if `child` is `parent` or inside it (both real, absolute). */
function inside(parent: string, child: string): boolean {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !r.startsWith(sep) && r !== '..');
}

/**
 * The real path of `<root>/<destination>`, made if missing, one component at
 * a time: a component that is a symlink must lead inside the root, one that
 * is a file is an error.
 */
export async function destinationFolder(
  root: string,
  destination: string
): Promise<string> {
  const realRoot = await realpath(root);
  const parts = destination.split('/').filter(p => p !== '' && p !== '.');
  if (
    destination.startsWith('/') ||
    destination.includes('\\') ||
    destination.includes('\0') ||
    parts.includes('..')
  ) {
    throw errors.badRequest(
      `The destination "${destination}" must be a folder relative to your root, without "..".`,
      'BAD_DESTINATION'
    );
  }
  let current = realRoot;
  for (const part of parts) {
    const next = join(current, part);
    try {
      await mkdir(next);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw errors.badRequest(
          `The destination folder "${destination}" cannot be made (${(e as NodeJS.ErrnoException).code}): choose another in the gallery's settings.`,
          'BAD_DESTINATION'
        );
      }
    }
    const real = await realpath(next);
    if (!inside(realRoot, real)) {
      throw errors.badRequest(
        `The destination "${destination}" leads outside your root (through a symlink): choose another in the gallery's settings.`,
        'BAD_DESTINATION'
      );
    }
    if (!(await lstat(real)).isDirectory()) {
      throw errors.badRequest(
        `The destination "${destination}" is not a folder ("${part}" is a file): choose another in the gallery's settings.`,
        'BAD_DESTINATION'
      );
    }
    current = real;
  }
  return current;
}

/**
 * Claims `<parent>/<slug>`, else `<slug>-1`, `<slug>-2`, ...: each with one
 * non-recursive `mkdir`, which fails if the name exists in any form (file,
 * folder, symlink), so two concurrent claims never get the same folder and
 * nothing existing is touched.
 */
export async function claimFolder(
  root: string,
  parent: string,
  slug: string
): Promise<IClaimed> {
  const realRoot = await realpath(root);
  for (let n = 0; n <= MAX_SUFFIX; n++) {
    const name = n === 0 ? slug : `${slug}-${n}`;
    const abs = join(parent, name);
    try {
      await mkdir(abs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        continue;
      }
      throw errors.badRequest(
        `A folder for the copy cannot be made in "${toPosix(relative(realRoot, parent))}" (${(e as NodeJS.ErrnoException).code}).`,
        'BAD_DESTINATION'
      );
    }
    const info = await lstat(abs);
    return {
      abs,
      rel: toPosix(relative(realRoot, abs)),
      dev: info.dev,
      ino: info.ino,
      birth: info.birthtimeMs
    };
  }
  throw errors.conflict(
    `There are already ${MAX_SUFFIX + 1} folders named "${slug}", "${slug}-1", ...: remove some copies first.`,
    'TOO_MANY_COPIES'
  );
}

/**
 * Removes a claimed folder and all in it, only if it is still the folder
 * that was made (same device and inode, not a symlink); never follows a
 * symlink inside (rm unlinks them). Device, inode and birth time together:
 * a folder removed and made again may get the same inode number.
 */
export async function removeClaimed(claimed: {
  abs: string;
  dev: number;
  ino: number;
  birth?: number;
}): Promise<boolean> {
  let info;
  try {
    info = await lstat(claimed.abs);
  } catch {
    return false;
  }
  if (
    !info.isDirectory() ||
    info.dev !== claimed.dev ||
    info.ino !== claimed.ino ||
    // Where the file system keeps no birth time, both are 0.
    (claimed.birth !== undefined && info.birthtimeMs !== claimed.birth)
  ) {
    return false;
  }
  await rm(claimed.abs, { recursive: true, force: true });
  return true;
}

// ---------------------------------------------------------------------------
// Pending records: a copy in progress, removed at the next start if the
// server died before finishing it.

export async function writePending(
  stateDir: string,
  pendingId: string,
  claimed: IClaimed
): Promise<void> {
  const dir = join(stateDir, 'pending');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(
    join(dir, `${pendingId}.json`),
    JSON.stringify({
      abs: claimed.abs,
      dev: claimed.dev,
      ino: claimed.ino,
      birth: claimed.birth
    }),
    { mode: 0o600 }
  );
}

export async function clearPending(
  stateDir: string,
  pendingId: string
): Promise<void> {
  await rm(join(stateDir, 'pending', `${pendingId}.json`), { force: true });
}

/** Removes what copies interrupted by a crash left; returns their paths. */
export async function recoverPending(stateDir: string): Promise<string[]> {
  const dir = join(stateDir, 'pending');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.filter(n => n.endsWith('.json'))) {
    try {
      const rec = JSON.parse(await readFile(join(dir, name), 'utf8')) as {
        abs: string;
        dev: number;
        ino: number;
        birth?: number;
      };
      if (typeof rec.abs === 'string' && (await removeClaimed(rec))) {
        removed.push(rec.abs);
      }
    } catch {
      // unreadable record: dropped below
    }
    await rm(join(dir, name), { force: true });
  }
  return removed;
}

// ---------------------------------------------------------------------------
// Copying a local source.

interface IPlanned {
  rel: string;
  size: number;
  mode: number;
}

/** Files and folders of `src` (lstat: symlinks listed apart, never followed). */
async function plan(
  src: string,
  signal: AbortSignal
): Promise<{ dirs: string[]; files: IPlanned[]; skipped: string[] }> {
  const dirs: string[] = [];
  const files: IPlanned[] = [];
  const skipped: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    signal.throwIfAborted();
    const entries: Dirent[] = await readdir(join(src, rel), {
      withFileTypes: true
    });
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        dirs.push(r);
        await walk(r);
      } else if (e.isFile()) {
        const info = await lstat(join(src, r));
        files.push({ rel: r, size: info.size, mode: info.mode & 0o777 });
      } else {
        skipped.push(r); // symlinks, sockets, devices
      }
    }
  };
  await walk('');
  return { dirs, files, skipped };
}

/** Copies one regular file (never following a symlink), returning its sha256. */
async function copyFile(
  from: string,
  to: string,
  mode: number,
  signal: AbortSignal,
  onBytes: (n: number) => void
): Promise<string> {
  const input = await open(from, constants.O_RDONLY | constants.O_NOFOLLOW);
  let output;
  try {
    if (!(await input.stat()).isFile()) {
      throw new Error(`${from} is no longer a regular file`);
    }
    // "wx": fails if anything exists there; the claimed folder is ours.
    output = await open(to, 'wx', mode | 0o600);
  } catch (e) {
    await input.close();
    throw e;
  }
  const hash = createHash('sha256');
  try {
    // The streams close their file handles when done.
    await pipeline(
      input.createReadStream(),
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          onBytes(chunk.length);
          done(null, chunk);
        }
      }),
      output.createWriteStream(),
      { signal }
    );
  } finally {
    await input.close().catch(() => undefined);
    await output.close().catch(() => undefined);
  }
  return hash.digest('hex');
}

function mib(n: number): string {
  return n < 1 << 20
    ? `${Math.max(1, Math.round(n / 1024))} KiB`
    : `${(n / (1 << 20)).toFixed(1)} MiB`;
}

/**
 * Copies a local source into the claimed folder: a folder's content, or the
 * single notebook. Returns the manifest (file → sha256) and what was skipped.
 */
export async function copySource(
  source: { root: string; file: boolean },
  dest: string,
  handle: ITaskHandle
): Promise<{ manifest: Record<string, string>; skipped: string[] }> {
  const manifest: Record<string, string> = {};
  if (source.file) {
    const name = source.root.split(sep).pop() as string;
    const size = (await lstat(source.root)).size;
    let done = 0;
    manifest[name] = await copyFile(
      source.root,
      join(dest, name),
      0o644,
      handle.signal,
      n => {
        done += n;
        handle.progress(size ? done / size : null, `Copying ${name}`);
      }
    );
    return { manifest, skipped: [] };
  }
  const { dirs, files, skipped } = await plan(source.root, handle.signal);
  const total = files.reduce((sum, f) => sum + f.size, 0);
  let copied = 0;
  for (const d of dirs) {
    await mkdir(join(dest, d));
  }
  for (const [i, f] of files.entries()) {
    manifest[f.rel] = await copyFile(
      join(source.root, f.rel),
      join(dest, f.rel),
      f.mode,
      handle.signal,
      n => {
        copied += n;
        handle.progress(
          total ? copied / total : (i + 1) / files.length,
          `Copying files ${i + 1}/${files.length} (${mib(copied)} of ${mib(total)})`
        );
      }
    );
  }
  return { manifest, skipped };
}

// ---------------------------------------------------------------------------
// Cloning a git source.

/** Weights of git's progress stages in the overall fraction. */
const STAGES: Array<[RegExp, number, number, string]> = [
  [/^remote: Enumerating objects/, 0, 0.02, 'Enumerating objects'],
  [/^remote: Counting objects/, 0.02, 0.05, 'Counting objects'],
  [/^remote: Compressing objects/, 0.05, 0.1, 'Compressing objects'],
  [/^Receiving objects/, 0.1, 0.85, 'Receiving objects'],
  [/^Resolving deltas/, 0.85, 0.93, 'Resolving deltas'],
  [/^Updating files/, 0.93, 1, 'Updating files']
];

/** Reads git's `--progress` output (CR-separated updates) into fractions. */
export class GitProgress {
  constructor(private _report: (fraction: number, message: string) => void) {}

  push(text: string): void {
    const parts = (this._partial + text).split(/[\r\n]/);
    this._partial = parts.pop() ?? '';
    for (const line of parts) {
      this._line(line.trim());
    }
  }

  private _line(line: string): void {
    const stage = STAGES.find(([re]) => re.test(line));
    const m = /(\d+)% \((\d+)\/(\d+)\)(.*)$/.exec(line);
    if (!stage || !m) {
      return;
    }
    const [, from, to, name] = stage;
    const pct = Number(m[1]);
    const fraction = from + ((to - from) * pct) / 100;
    if (fraction < this._last) {
      return; // git repeats "100%, done." lines
    }
    this._last = fraction;
    const rate = m[4].replace(/,?\s*done\.?$/, '').replace(/^,\s*/, '');
    this._report(
      fraction,
      `${name} ${pct} % (${m[2]}/${m[3]})${rate ? `, ${rate.trim()}` : ''}`
    );
  }

  private _partial = '';
  private _last = 0;
}

export interface ICloneOptions {
  executor: Executor;
  url: string;
  ref: string;
  /** The repository on this machine for `file://` URLs (made safe to read). */
  localPath: string | null;
  allowedProtocols: readonly string[];
  dest: string;
  handle: ITaskHandle;
  timeoutMs: number;
}

/** Clones `url` at `ref` into the (empty) `dest`; returns the commit. */
export async function cloneSource(o: ICloneOptions): Promise<string> {
  const deadline = Date.now() + o.timeoutMs;
  const progress = new GitProgress((f, m) => o.handle.progress(f, m));
  const git = async (args: string[], cwd?: string) => {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw timedOut(o.timeoutMs);
    }
    let r;
    try {
      r = await runGit(o.executor, cwd ? ['-C', cwd, ...args] : args, {
        allowProtocols: o.allowedProtocols,
        safe: o.localPath ? [o.localPath] : [],
        // A file:// "server" is this user's own upload-pack: let it send a
        // pinned commit (GitHub and GitLab allow that by default).
        config: { uploadpack: { allowAnySHA1InWant: 'true' } },
        timeoutMs: left,
        maxOutputBytes: 1 << 20,
        signal: o.handle.signal,
        onStderr: text => progress.push(text)
      });
    } catch (e) {
      return gitSpawnFailed(e);
    }
    if (r.timedOut) {
      throw o.handle.signal.aborted ? cancelled() : timedOut(o.timeoutMs);
    }
    if (o.handle.signal.aborted) {
      throw cancelled();
    }
    if (r.code !== 0) {
      throw errors.commandFailed(
        `git could not get the example at "${o.ref}": ${lastLine(r) || `exit ${r.code}`}.`,
        'GIT_FAILED'
      );
    }
    return r.stdout.trim();
  };
  // URL and ref were checked by the catalogue (no leading "-"), and "--"
  // ends the options anyway.
  if (COMMIT.test(o.ref)) {
    // `clone --branch` takes no commit: fetch just that commit instead.
    await git(['init', '--quiet', o.dest]);
    await git(['remote', 'add', 'origin', o.url], o.dest);
    await git(
      ['fetch', '--depth', '1', '--no-tags', '--progress', 'origin', o.ref],
      o.dest
    );
    await git(['checkout', '--quiet', '--detach', 'FETCH_HEAD'], o.dest);
  } else {
    await git([
      'clone',
      '--depth',
      '1',
      '--single-branch',
      '--no-tags',
      '--progress',
      ...(o.ref === 'HEAD' ? [] : ['--branch', o.ref]),
      '--',
      o.url,
      o.dest
    ]);
  }
  return git(['rev-parse', 'HEAD'], o.dest);
}

function timedOut(ms: number): HpcError {
  return errors.timeout(
    `The copy took longer than ${Math.round(ms / 1000)} s (gallery.useTimeoutSeconds) and was stopped; nothing was kept.`,
    'USE_TIMEOUT'
  );
}

function cancelled(): HpcError {
  return new HpcError(499, 'CANCELLED', 'Cancelled');
}

// ---------------------------------------------------------------------------

export interface IUseJob {
  executor: Executor;
  example: ILoadedExample;
  claimed: IClaimed;
  allowedProtocols: readonly string[];
  timeoutMs: number;
  stateDir: string;
  /** The name of its pending record (writePending). */
  pendingId: string;
  record: (rec: ICopyRecord) => Promise<void>;
}

/** The task's work: fill the claimed folder, record the copy; undo on failure. */
export async function runUse(
  job: IUseJob,
  handle: ITaskHandle
): Promise<ITaskResult> {
  const { example, claimed } = job;
  const source = example.source;
  // One signal for cancel and the time limit.
  const timeout = AbortSignal.timeout(job.timeoutMs);
  const signal = AbortSignal.any([handle.signal, timeout]);
  const inner: ITaskHandle = { signal, progress: handle.progress };
  try {
    let record: ICopyRecord;
    let entry: string | undefined;
    let message = 'Done';
    if (source.type === 'path') {
      handle.progress(0, 'Copying files');
      const { manifest, skipped } = await copySource(
        source,
        claimed.abs,
        inner
      ).catch(e => {
        if (timeout.aborted && !handle.signal.aborted) {
          throw timedOut(job.timeoutMs);
        }
        throw e instanceof HpcError || handle.signal.aborted
          ? e
          : errors.commandFailed(
              `The example's files could not be copied: ${(e as Error).message}.`,
              'COPY_FAILED'
            );
      });
      const file = source.file
        ? (source.root.split(sep).pop() as string)
        : example.example.entry;
      entry = file === undefined ? undefined : `${claimed.rel}/${file}`;
      record = {
        exampleId: example.example.id,
        path: claimed.rel,
        ...(entry !== undefined ? { entry } : {}),
        kind: 'files',
        createdAt: new Date().toISOString(),
        manifest
      };
      const n = Object.keys(manifest).length;
      message = `Copied ${n} file${n === 1 ? '' : 's'} to ${claimed.rel}`;
      if (skipped.length) {
        message += `; not copied (symlinks or special files): ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', ...' : ''}`;
      }
    } else {
      handle.progress(0, 'Connecting');
      const commit = await cloneSource({
        executor: job.executor,
        url: source.url,
        ref: source.ref,
        localPath: source.localPath,
        allowedProtocols: job.allowedProtocols,
        dest: claimed.abs,
        handle: inner,
        timeoutMs: job.timeoutMs
      });
      const sub = source.subdir ? `${source.subdir}/` : '';
      entry =
        example.example.entry === undefined
          ? undefined
          : `${claimed.rel}/${sub}${example.example.entry}`;
      record = {
        exampleId: example.example.id,
        path: claimed.rel,
        ...(entry !== undefined ? { entry } : {}),
        kind: 'git',
        createdAt: new Date().toISOString(),
        commit,
        ref: source.ref
      };
      message = `Cloned ${commit.slice(0, 10)} into ${claimed.rel}`;
    }
    signal.throwIfAborted();
    await job.record(record);
    await clearPending(job.stateDir, job.pendingId);
    return { ...(entry !== undefined ? { entry } : {}), message };
  } catch (e) {
    await removeClaimed(claimed);
    await clearPending(job.stateDir, job.pendingId);
    if (timeout.aborted && !handle.signal.aborted) {
      throw timedOut(job.timeoutMs);
    }
    throw e;
  }
}
