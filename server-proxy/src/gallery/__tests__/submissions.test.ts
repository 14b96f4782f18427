// Titles here are test data, not UI strings to translate.
/* eslint-disable jupyter/no-untranslated-string */
/**
 * Submissions and reviews with real files: a notebook staged from the root
 * appears as a staged example; trust comes from file owners (the submitter
 * is the folder's owner; a review counts only if a reviewer owns its file);
 * an approval holds for the reviewed content only; a rejection's note
 * reaches the submitter. Ownership by other users needs root (chown).
 */
import type { FastifyInstance } from 'fastify';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../app';
import type { CapabilityService } from '../../capabilities';
import { parseConfig } from '../../config';
import { Executor } from '../../exec';
import { GalleryService } from '../service';
import type { IGalleryList, ISubmission } from '../types';

const asRoot = process.getuid?.() === 0;
const rootOnly = asRoot ? it : it.skip;

function notebook(text: string): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } },
    cells: [{ cell_type: 'markdown', metadata: {}, source: [text] }]
  });
}

describe('gallery submissions', () => {
  let dir: string;
  let root: string;
  let staging: string;
  let executor: Executor;
  const apps: FastifyInstance[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hpc-gallery-sub-'));
    root = join(dir, 'root');
    mkdirSync(join(root, 'work'), { recursive: true });
    writeFileSync(join(root, 'work', 'My Analysis.ipynb'), notebook('mine'));
    writeFileSync(join(root, 'work', 'notes.txt'), 'not a notebook');
    writeFileSync(join(dir, 'outside.ipynb'), notebook('outside'));
    symlinkSync(join(dir, 'outside.ipynb'), join(root, 'work', 'link.ipynb'));
    staging = join(dir, 'staging');
    mkdirSync(staging);
    chmodSync(staging, 0o1777);
    executor = new Executor();
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map(a => a.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function app(reviewers: string[], stagingDir: string | null = staging) {
    const config = parseConfig({ gallery: { stagingDir, reviewers } });
    const a = buildApp({
      config,
      auth: { check: async () => undefined },
      root,
      executor,
      capabilities: { get: async () => ({}) } as unknown as CapabilityService,
      gallery: new GalleryService({
        executor,
        catalogues: [],
        allowedProtocols: ['file'],
        root,
        config: { stateDir: join(dir, 'state'), stagingDir, reviewers }
      }),
      logLevel: false
    });
    await a.ready();
    apps.push(a);
    return a;
  }

  const list = async (a: FastifyInstance) =>
    (
      await a.inject({ method: 'GET', url: '/api/gallery' })
    ).json() as IGalleryList;

  async function submit(a: FastifyInstance, body: object) {
    return a.inject({
      method: 'POST',
      url: '/api/gallery/submissions',
      payload: body
    });
  }

  it('stages a notebook with its owner, time and hash; it shows as a staged example', async () => {
    const a = await app([]);
    const res = await submit(a, {
      path: 'work/My Analysis.ipynb',
      tags: ['demo']
    });
    expect(res.statusCode).toBe(201);
    const sub = res.json() as ISubmission;
    expect(sub).toMatchObject({
      title: 'My Analysis',
      file: 'My Analysis.ipynb',
      from: 'work/My Analysis.ipynb',
      submitter: userInfo().username,
      state: 'pending',
      tags: ['demo']
    });
    expect(sub.id).toMatch(/^my-analysis-[0-9a-f]{6}$/);
    expect(sub.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Readable by everyone, owned by the submitter.
    expect(statSync(join(staging, sub.id)).mode & 0o777).toBe(0o755);
    expect(statSync(join(staging, sub.id, sub.file)).mode & 0o777).toBe(0o644);
    const l = await list(a);
    expect(l.viewer).toMatchObject({ canSubmit: true, reviewer: false });
    expect(l.submissions.map(s => s.id)).toEqual([sub.id]);
    const ex = l.examples.find(e => e.id === sub.id);
    expect(ex).toMatchObject({
      status: 'staged',
      kind: 'notebook',
      kernel: 'python3',
      review: { submitter: sub.submitter }
    });
    const preview = await a.inject({
      method: 'GET',
      url: `/api/gallery/${sub.id}/preview`
    });
    expect(preview.json()).toMatchObject({ cells: [{ source: ['mine'] }] });
    // Withdraw: gone.
    expect(
      (
        await a.inject({
          method: 'DELETE',
          url: `/api/gallery/submissions/${sub.id}`
        })
      ).statusCode
    ).toBe(204);
    expect(readdirSync(staging)).toEqual([]);
  });

  it('refuses what is not a notebook of the root, and says so without a staging area', async () => {
    const a = await app([]);
    for (const [path, code] of [
      ['work/notes.txt', 'NOT_A_NOTEBOOK'],
      ['work/link.ipynb', 'BAD_PATH'],
      ['../outside.ipynb', 'BAD_PATH'],
      ['work/missing.ipynb', 'BAD_PATH']
    ]) {
      const res = await submit(a, { path });
      expect([
        path,
        (res.json() as { error: { code: string } }).error.code
      ]).toEqual([path, code]);
    }
    expect((await submit(a, {})).statusCode).toBe(400);
    expect(readdirSync(staging)).toEqual([]);
    const none = await app([], null);
    const res = await submit(none, { path: 'work/My Analysis.ipynb' });
    expect([
      res.statusCode,
      (res.json() as { error: { code: string } }).error.code
    ]).toEqual([409, 'NO_STAGING']);
    expect((await list(none)).viewer.canSubmit).toBe(false);
  });

  rootOnly(
    'trusts file owners: reviews by non-reviewers are ignored, approval holds for the reviewed content',
    async () => {
      const me = userInfo().username; // root: the reviewer here
      const a = await app([me]);
      const sub = (
        await submit(a, { path: 'work/My Analysis.ipynb', title: 'Analysis' })
      ).json() as ISubmission;
      // Make it alice's submission (as if her server had staged it).
      const folder = join(staging, sub.id);
      for (const p of [
        folder,
        join(folder, sub.file),
        join(folder, 'submission.json')
      ]) {
        chownSync(p, 1001, 1001);
      }
      // bob (not a reviewer) writes an approval: ignored.
      mkdirSync(join(staging, '.reviews'));
      chmodSync(join(staging, '.reviews'), 0o1777);
      const forged = join(staging, '.reviews', `${sub.id}.1002.json`);
      writeFileSync(
        forged,
        JSON.stringify({
          decision: 'approve',
          sha256: sub.sha256,
          reviewedAt: '2030-01-01T00:00:00Z'
        })
      );
      chownSync(forged, 1002, 1002);
      let l = await list(a);
      expect(l.submissions[0]).toMatchObject({
        submitter: 'alice',
        state: 'pending'
      });
      // The reviewer approves: curated.
      const approved = await a.inject({
        method: 'POST',
        url: `/api/gallery/submissions/${sub.id}/review`,
        payload: { decision: 'approve' }
      });
      expect(approved.statusCode).toBe(200);
      expect(approved.json()).toMatchObject({
        state: 'approved',
        reviewer: me
      });
      l = await list(a);
      expect(l.examples.find(e => e.id === sub.id)?.status).toBe('curated');
      // The staged file changes after the review: staged again.
      writeFileSync(join(folder, sub.file), notebook('changed after review'));
      l = await list(a);
      expect(l.submissions[0].state).toBe('changed');
      expect(l.examples.find(e => e.id === sub.id)?.status).toBe('staged');
      // Rejected with a note: not an example any more; the note is there.
      const noNote = await a.inject({
        method: 'POST',
        url: `/api/gallery/submissions/${sub.id}/review`,
        payload: { decision: 'reject' }
      });
      expect((noNote.json() as { error: { code: string } }).error.code).toBe(
        'NOTE_REQUIRED'
      );
      await new Promise(r => setTimeout(r, 5)); // a later reviewedAt
      const rejected = await a.inject({
        method: 'POST',
        url: `/api/gallery/submissions/${sub.id}/review`,
        payload: { decision: 'reject', note: 'Add a data source' }
      });
      expect(rejected.json()).toMatchObject({
        state: 'rejected',
        note: 'Add a data source'
      });
      l = await list(a);
      expect(l.examples.find(e => e.id === sub.id)).toBeUndefined();
      expect(l.submissions[0]).toMatchObject({
        state: 'rejected',
        note: 'Add a data source'
      });
      // Not the reviewer's to withdraw.
      const withdraw = await a.inject({
        method: 'DELETE',
        url: `/api/gallery/submissions/${sub.id}`
      });
      expect([
        withdraw.statusCode,
        (withdraw.json() as { error: { code: string } }).error.code
      ]).toEqual([403, 'NOT_YOURS']);
    }
  );

  it('lets only reviewers review, and not their own submissions', async () => {
    const me = userInfo().username;
    const user = await app([]);
    const sub = (
      await submit(user, { path: 'work/My Analysis.ipynb' })
    ).json() as ISubmission;
    const res = await user.inject({
      method: 'POST',
      url: `/api/gallery/submissions/${sub.id}/review`,
      payload: { decision: 'approve' }
    });
    expect([
      res.statusCode,
      (res.json() as { error: { code: string } }).error.code
    ]).toEqual([403, 'NOT_A_REVIEWER']);
    const reviewer = await app([me]);
    const own = await reviewer.inject({
      method: 'POST',
      url: `/api/gallery/submissions/${sub.id}/review`,
      payload: { decision: 'approve' }
    });
    expect([
      own.statusCode,
      (own.json() as { error: { code: string } }).error.code
    ]).toEqual([403, 'OWN_SUBMISSION']);
    const bad = await reviewer.inject({
      method: 'POST',
      url: `/api/gallery/submissions/${sub.id}/review`,
      payload: { decision: 'maybe' }
    });
    expect(bad.statusCode).toBe(400);
    const unknown = await reviewer.inject({
      method: 'POST',
      url: '/api/gallery/submissions/nope-123456/review',
      payload: { decision: 'approve' }
    });
    expect((unknown.json() as { error: { code: string } }).error.code).toBe(
      'UNKNOWN_SUBMISSION'
    );
  });
});
