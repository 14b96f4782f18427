/**
 * Submissions for review: a user stages a notebook from their root into the
 * shared staging area (`gallery.stagingDir`, made by the admin like /tmp:
 * mode 1777), where it shows as a staged example for everyone; reviewers
 * named in `gallery.reviewers` approve it (→ curated) or reject it with a
 * note the submitter sees.
 *
 * Trust comes from the file system, never from what a JSON file says: the
 * submitter is the owner of the submission's folder, and a review counts
 * only if its file is owned by a reviewer. An approval holds for the
 * content that was reviewed (its sha256): a staged notebook changed since
 * is `changed`, staged again.
 *
 *   <stagingDir>/<sid>/<notebook>.ipynb, submission.json   (the submitter's)
 *   <stagingDir>/.reviews/<sid>.<reviewer uid>.json        (each reviewer's)
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  open,
  readdir,
  realpath,
  rename,
  rm
} from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, relative, sep } from 'node:path';
import { errors } from '../errors';
import type { Executor } from '../exec';
import type { IExample, ILoadedExample } from './catalogue';
import { EXAMPLE_ID_PATTERN, RESERVED_IDS } from './catalogue';
import { checkNotebook } from './service';
import type { IReviewInfo, ISubmission } from './types';

const ID_RE = new RegExp(EXAMPLE_ID_PATTERN);
const MAX_NOTEBOOK = 20 << 20;
const MAX_JSON = 64 << 10;

export interface ISubmitInput {
  path: string;
  title?: string;
  description?: string;
  tags?: string[];
}

interface IStaged {
  submission: ISubmission;
  /** Real path of the staged notebook. */
  file: string;
  uid: number;
  kernel?: string;
}

/** A slug for ids: lower-case letters, digits and dashes. */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'notebook'
  );
}

async function readSmall(path: string, limit: number): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new Error('not a regular file');
    }
    if (info.size > limit) {
      throw new Error(`larger than ${limit} bytes`);
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes `text` to a new file (never over an existing one), mode 0644. */
async function writeNew(path: string, data: string | Buffer): Promise<void> {
  const handle = await open(path, 'wx', 0o644);
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
  await chmod(path, 0o644); // whatever the umask: others read it
}

export class Submissions {
  constructor(options: {
    executor: Executor;
    stagingDir: string | null;
    reviewers: readonly string[];
    root: string;
  }) {
    this._executor = options.executor;
    this.stagingDir = options.stagingDir;
    this._reviewers = new Set(options.reviewers);
    this._root = options.root;
  }

  readonly stagingDir: string | null;

  /** This server's user. */
  get user(): string {
    return userInfo().username;
  }

  get isReviewer(): boolean {
    return this._reviewers.has(this.user);
  }

  /** True when a staging area is configured and is a folder. */
  async usable(): Promise<boolean> {
    if (!this.stagingDir) {
      return false;
    }
    try {
      return (await lstat(await realpath(this.stagingDir))).isDirectory();
    } catch {
      return false;
    }
  }

  /** Stages a notebook of the user's root for review. */
  async submit(input: ISubmitInput): Promise<ISubmission> {
    const staging = await this._staging();
    const { real, rel } = await this._insideRoot(input.path);
    if (!real.endsWith('.ipynb')) {
      throw errors.badRequest(
        `"${rel}" is not a notebook (.ipynb): only notebooks can be submitted.`,
        'NOT_A_NOTEBOOK'
      );
    }
    let bytes: Buffer;
    try {
      bytes = await readSmall(real, MAX_NOTEBOOK);
    } catch (e) {
      throw errors.badRequest(
        `"${rel}" cannot be submitted: ${(e as Error).message} (at most 20 MiB).`,
        'BAD_PATH'
      );
    }
    checkNotebook(bytes.toString('utf8'), rel);
    const file = real.split(sep).pop() as string;
    const title = (input.title ?? '').trim() || file.replace(/\.ipynb$/, '');
    const base = slug(title);
    let sid = '';
    let dir = '';
    for (let i = 0; i < 20; i++) {
      sid = `${base}-${randomBytes(3).toString('hex')}`;
      if (!ID_RE.test(sid) || RESERVED_IDS.includes(sid)) {
        continue;
      }
      dir = join(staging, sid);
      try {
        await mkdir(dir, { mode: 0o755 });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw errors.unavailable(
            `The gallery's staging area ${this.stagingDir} cannot be written (${(e as NodeJS.ErrnoException).code}): tell the administrator (it needs mode 1777).`,
            'STAGING_UNUSABLE'
          );
        }
        dir = '';
      }
    }
    if (!dir) {
      throw errors.unavailable(
        'No free submission id: try again.',
        'STAGING_UNUSABLE'
      );
    }
    await chmod(dir, 0o755);
    const meta = {
      title,
      description: input.description ?? '',
      tags: input.tags ?? [],
      file,
      from: rel,
      sha256: sha256(bytes),
      submittedAt: new Date().toISOString()
    };
    try {
      await writeNew(join(dir, file), bytes);
      await writeNew(
        join(dir, 'submission.json'),
        JSON.stringify(meta, null, 1)
      );
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    const staged = await this._read(sid);
    if (!staged) {
      throw errors.unavailable(
        'The submission could not be read back.',
        'STAGING_UNUSABLE'
      );
    }
    return staged.submission;
  }

  /** Withdraws one's own submission (its folder is removed). */
  async withdraw(sid: string): Promise<void> {
    const staging = await this._staging();
    const staged = await this._read(sid);
    if (!staged) {
      throw this._unknown(sid);
    }
    if (staged.uid !== process.getuid?.()) {
      throw errors.forbidden(
        `"${staged.submission.title}" was submitted by ${staged.submission.submitter}: only they can withdraw it.`,
        'NOT_YOURS'
      );
    }
    await rm(join(staging, sid), { recursive: true, force: true });
  }

  /** A reviewer's decision on a submission, for the content staged now. */
  async review(
    sid: string,
    decision: 'approve' | 'reject',
    note: string
  ): Promise<ISubmission> {
    const staging = await this._staging();
    if (!this.isReviewer) {
      throw errors.forbidden(
        `Only the gallery's reviewers (gallery.reviewers) can approve or reject submissions; ${this.user} is not one.`,
        'NOT_A_REVIEWER'
      );
    }
    const staged = await this._read(sid);
    if (!staged) {
      throw this._unknown(sid);
    }
    if (staged.uid === process.getuid?.()) {
      throw errors.forbidden(
        'You submitted this notebook: another reviewer must review it.',
        'OWN_SUBMISSION'
      );
    }
    if (decision === 'reject' && !note.trim()) {
      throw errors.badRequest(
        'Say why it is rejected (a note): the submitter sees it.',
        'NOTE_REQUIRED'
      );
    }
    const reviews = join(staging, '.reviews');
    try {
      await mkdir(reviews);
      await chmod(reviews, 0o1777); // every reviewer writes there; trust is by owner
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw errors.unavailable(
          `The reviews folder ${reviews} cannot be made (${(e as NodeJS.ErrnoException).code}).`,
          'STAGING_UNUSABLE'
        );
      }
    }
    const uid = process.getuid?.() ?? 0;
    const final = join(reviews, `${sid}.${uid}.json`);
    const tmp = join(
      reviews,
      `.${sid}.${uid}.${randomBytes(4).toString('hex')}`
    );
    await writeNew(
      tmp,
      JSON.stringify({
        decision,
        note: note.trim(),
        sha256: staged.submission.sha256,
        reviewedAt: new Date().toISOString()
      })
    );
    await rename(tmp, final);
    const after = await this._read(sid);
    return (after ?? staged).submission;
  }

  /** Every readable submission (a broken one is skipped). */
  async all(): Promise<IStaged[]> {
    if (!(await this.usable())) {
      return [];
    }
    const staging = await realpath(this.stagingDir as string);
    let names: string[];
    try {
      names = await readdir(staging);
    } catch {
      return [];
    }
    const out: IStaged[] = [];
    for (const name of names) {
      if (name.startsWith('.') || !ID_RE.test(name)) {
        continue;
      }
      const staged = await this._read(name);
      if (staged) {
        out.push(staged);
      }
    }
    return out.sort((a, b) =>
      a.submission.submittedAt.localeCompare(b.submission.submittedAt)
    );
  }

  /** Examples made from submissions (rejected ones are not shown). */
  async examples(): Promise<Array<ILoadedExample & { review: IReviewInfo }>> {
    return (await this.all())
      .filter(s => s.submission.state !== 'rejected')
      .map(s => {
        const sub = s.submission;
        const example: IExample = {
          id: sub.id,
          title: sub.title,
          description: sub.description,
          tags: sub.tags,
          status: sub.state === 'approved' ? 'curated' : 'staged',
          kind: 'notebook',
          entry: sub.file,
          author: sub.submitter,
          updated: sub.submittedAt,
          ...(s.kernel ? { kernel: s.kernel } : {})
        };
        return {
          example,
          source: { type: 'path' as const, root: s.file, file: true },
          catalogue: this.stagingDir as string,
          review: {
            submissionId: sub.id,
            submitter: sub.submitter,
            submittedAt: sub.submittedAt,
            sha256: sub.sha256,
            ...(sub.reviewer ? { reviewer: sub.reviewer } : {}),
            ...(sub.reviewedAt ? { reviewedAt: sub.reviewedAt } : {}),
            ...(sub.note ? { note: sub.note } : {})
          }
        };
      });
  }

  /** What this user may see: their own submissions; a reviewer, all. */
  async visible(): Promise<ISubmission[]> {
    const uid = process.getuid?.();
    return (await this.all())
      .filter(s => this.isReviewer || s.uid === uid)
      .map(s => s.submission);
  }

  private async _staging(): Promise<string> {
    if (!this.stagingDir) {
      throw errors.conflict(
        'This gallery has no staging area (gallery.stagingDir), so notebooks cannot be submitted for review: ask the administrator.',
        'NO_STAGING'
      );
    }
    try {
      const real = await realpath(this.stagingDir);
      if ((await lstat(real)).isDirectory()) {
        return real;
      }
    } catch {
      // below
    }
    throw errors.unavailable(
      `The gallery's staging area ${this.stagingDir} is missing: ask the administrator to create it (mode 1777).`,
      'STAGING_UNUSABLE'
    );
  }

  private async _insideRoot(
    path: string
  ): Promise<{ real: string; rel: string }> {
    const realRoot = await realpath(this._root);
    if (
      path.startsWith('/') ||
      path.split('/').includes('..') ||
      path.includes('\0')
    ) {
      throw errors.badRequest(
        `"${path}" must be a path relative to your root, without "..".`,
        'BAD_PATH'
      );
    }
    let real: string;
    try {
      real = await realpath(join(realRoot, path));
    } catch {
      throw errors.notFound(`There is no "${path}" in your root.`, 'BAD_PATH');
    }
    const rel = relative(realRoot, real);
    if (rel.startsWith('..') || rel === '') {
      throw errors.badRequest(
        `"${path}" leads outside your root (through a symlink): submit the notebook itself.`,
        'BAD_PATH'
      );
    }
    return { real, rel: rel.split(sep).join('/') };
  }

  /** One submission, as the file system says; null if absent or broken. */
  private async _read(sid: string): Promise<IStaged | null> {
    if (!ID_RE.test(sid) || !this.stagingDir) {
      return null;
    }
    const staging = await realpath(this.stagingDir).catch(() => null);
    if (!staging) {
      return null;
    }
    const dir = join(staging, sid);
    try {
      const info = await lstat(dir);
      if (!info.isDirectory()) {
        return null;
      }
      const meta = JSON.parse(
        (await readSmall(join(dir, 'submission.json'), MAX_JSON)).toString(
          'utf8'
        )
      ) as Record<string, unknown>;
      const file = meta.file;
      if (
        typeof file !== 'string' ||
        !file.endsWith('.ipynb') ||
        file.includes('/')
      ) {
        return null;
      }
      const bytes = await readSmall(join(dir, file), MAX_NOTEBOOK);
      const current = sha256(bytes);
      let kernel: string | undefined;
      try {
        const nb = JSON.parse(bytes.toString('utf8')) as {
          metadata?: { kernelspec?: { name?: unknown } };
        };
        const k = nb.metadata?.kernelspec?.name;
        kernel = typeof k === 'string' ? k : undefined;
      } catch {
        kernel = undefined;
      }
      const str = (v: unknown, d = ''): string =>
        typeof v === 'string' ? v : d;
      const submission: ISubmission = {
        id: sid,
        title: str(meta.title, file).slice(0, 200),
        description: str(meta.description).slice(0, 10000),
        tags: Array.isArray(meta.tags)
          ? meta.tags
              .filter((t): t is string => typeof t === 'string')
              .slice(0, 50)
          : [],
        file,
        from: str(meta.from),
        submitter: await this._name(info.uid),
        submittedAt: str(meta.submittedAt, info.mtime.toISOString()),
        // What is staged now, whatever the JSON says.
        sha256: current,
        state: 'pending'
      };
      const review = await this._latestReview(staging, sid);
      if (review) {
        submission.reviewer = review.reviewer;
        submission.reviewedAt = review.reviewedAt;
        if (review.note) {
          submission.note = review.note;
        }
        submission.state =
          review.decision === 'reject'
            ? 'rejected'
            : review.sha256 === current
              ? 'approved'
              : 'changed';
      }
      return { submission, file: join(dir, file), uid: info.uid, kernel };
    } catch {
      return null;
    }
  }

  /** The newest review of `sid` written by a reviewer (others are ignored). */
  private async _latestReview(
    staging: string,
    sid: string
  ): Promise<{
    decision: 'approve' | 'reject';
    note: string;
    sha256: string;
    reviewedAt: string;
    reviewer: string;
  } | null> {
    const dir = join(staging, '.reviews');
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return null;
    }
    let best: Awaited<ReturnType<Submissions['_latestReview']>> = null;
    for (const name of names) {
      if (!name.startsWith(`${sid}.`) || !name.endsWith('.json')) {
        continue;
      }
      try {
        const path = join(dir, name);
        const info = await lstat(path);
        const reviewer = await this._name(info.uid);
        if (!info.isFile() || !this._reviewers.has(reviewer)) {
          continue; // written by someone who is not a reviewer
        }
        const r = JSON.parse(
          (await readSmall(path, MAX_JSON)).toString('utf8')
        ) as Record<string, unknown>;
        if (
          (r.decision !== 'approve' && r.decision !== 'reject') ||
          typeof r.sha256 !== 'string'
        ) {
          continue;
        }
        const reviewedAt =
          typeof r.reviewedAt === 'string'
            ? r.reviewedAt
            : info.mtime.toISOString();
        if (!best || reviewedAt > best.reviewedAt) {
          best = {
            decision: r.decision,
            note: typeof r.note === 'string' ? r.note.slice(0, 10000) : '',
            sha256: r.sha256,
            reviewedAt,
            reviewer
          };
        }
      } catch {
        // unreadable: ignored
      }
    }
    return best;
  }

  /** A uid's user name (through NSS: `getent passwd`), cached. */
  private async _name(uid: number): Promise<string> {
    const known = this._names.get(uid);
    if (known !== undefined) {
      return known;
    }
    let name = String(uid);
    try {
      const r = await this._executor.run('getent', ['passwd', String(uid)], {
        timeoutMs: 5000
      });
      const found = r.code === 0 ? r.stdout.split(':')[0] : '';
      if (found) {
        name = found;
      }
    } catch {
      // no getent: the number
    }
    this._names.set(uid, name);
    return name;
  }

  private _unknown(sid: string) {
    return errors.notFound(
      `There is no submission "${sid}" (it may have been withdrawn): reload the gallery.`,
      'UNKNOWN_SUBMISSION'
    );
  }

  private _executor: Executor;
  private _reviewers: Set<string>;
  private _root: string;
  private _names = new Map<number, string>();
}
