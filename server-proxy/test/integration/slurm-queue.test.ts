/**
 * The queue through the real server (running as alice) against the real
 * Slurm: every kind of row (throttled array, running tasks, held, het job,
 * a name with tab/newline/UTF-8/HTML), the user scope, ETag/304, and the
 * shared poller: concurrent clients cost one squeue, an action refreshes it.
 * squeue is counted by a shim first on the server's PATH that logs each call
 * and then runs the real squeue.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobsFromRows } from '../../src/slurm/parse';
import {
  cancelJobs,
  cleanup,
  http,
  IProc,
  IShims,
  jsonRequest,
  listeningPort,
  makeShims,
  makeTmpFor,
  sbatchAs,
  squeueRows,
  startProxyAs,
  tokenHeader,
  waitFor
} from './helpers';

const TOKEN = 'slurm-queue-token';
const WEIRD_NAME = 'hpc-it\tweird\nline2 ü <b>html</b> "q" & \'s\'';

interface IJob {
  jobId: string;
  displayId: string;
  arrayJobId?: string;
  arrayTaskId?: string;
  hetJobId?: string;
  hetJobOffset?: string;
  name: string;
  user: string;
  partition: string;
  state: string;
  reason: string;
  nodeList: string;
  startTime: string | null;
  submitTime: string | null;
  timeLimitSec: number | null;
}

interface IQueue {
  jobs: IJob[];
  fetchedAt: string;
  stale: boolean;
}

/** The answer's body with its rows decoded into jobs (as the frontend does). */
function queueOf(res: { json<T>(): T }): IQueue {
  const sent = res.json<Parameters<typeof jobsFromRows>[0] & IQueue>();
  return { ...sent, jobs: jobsFromRows(sent) as unknown as IJob[] };
}

let proc: IProc;
let port: number;
let shims: IShims;
let arr: string;
let held: string;
let het: string;
let weird: string;

/** The squeue calls of the `all` poller (the `mine` one adds --me). */
function allRuns(): number {
  return shims.calls('squeue').filter(a => !a.includes('--me')).length;
}

function getQueue(
  scope: 'all' | 'mine',
  headers: Record<string, string> = {}
): ReturnType<typeof http> {
  return http({
    port,
    path: `/api/slurm/jobs?scope=${scope}`,
    headers: { ...tokenHeader(TOKEN), ...headers }
  });
}

function mineOnly(jobs: IJob[]): IJob[] {
  const ids = [arr, held, het, weird];
  return jobs.filter(j => ids.includes(j.arrayJobId ?? j.hetJobId ?? j.jobId));
}

beforeAll(async () => {
  const dir = makeTmpFor('alice');
  shims = makeShims(dir, ['squeue'], 'alice');
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ slurm: { pollSeconds: 10 } }));
  proc = startProxyAs(
    'alice',
    ['serve', '--port', '0', '--token', TOKEN, '--config', config],
    { env: { ...process.env, PATH: `${shims.bin}:${process.env.PATH}` } }
  );

  const quiet = ['--output=/dev/null', '--chdir=/tmp'];
  arr = sbatchAs('alice', [
    ...quiet,
    '-J',
    'hpc-it-arr',
    '--array=0-5%2',
    '-t',
    '10',
    '--wrap',
    'sleep 120'
  ]);
  held = sbatchAs('bob', [
    ...quiet,
    '-J',
    'hpc-it-held',
    '-H',
    '--wrap',
    'sleep 60'
  ]);
  // Held, and in gpu: in 22.05 a pending het job blocks its partition's main
  // scheduler until backfill runs (up to 30 s), which would stall the array.
  het = sbatchAs(
    'alice',
    [...quiet, '-H'],
    '#!/bin/bash\n#SBATCH -p gpu -n1 -J hpc-it-het\n#SBATCH hetjob\n#SBATCH -p gpu -n1\nsleep 60\n'
  );
  weird = sbatchAs('alice', [
    ...quiet,
    '-J',
    WEIRD_NAME,
    '--begin=now+1hour',
    '--wrap',
    'true'
  ]);
  port = await listeningPort(proc);
  const running = await waitFor(
    () => squeueRows([arr]).filter(r => r.state === 'RUNNING').length === 2,
    20_000
  );
  expect(running).toBe(true);
}, 45_000);

afterAll(async () => {
  cancelJobs();
  await cleanup();
});

describe('GET api/slurm/jobs', () => {
  it('lists every kind of row of alice and bob with Slurm ids and fields', async () => {
    const res = await getQueue('all');
    expect(res.status).toBe(200);
    const body = queueOf(res);
    expect(body.stale).toBe(false);
    expect(Date.parse(body.fetchedAt)).toBeGreaterThan(Date.now() - 60_000);
    const jobs = mineOnly(body.jobs);
    const by = (displayId: string): IJob => {
      const job = jobs.find(j => j.displayId === displayId);
      expect(job).toBeDefined();
      return job as IJob;
    };

    expect(jobs.map(j => j.displayId).sort()).toEqual(
      [
        `${arr}_[2-5%2]`,
        `${arr}_0`,
        `${arr}_1`,
        held,
        `${het}+0`,
        `${het}+1`,
        weird
      ].sort()
    );

    expect(by(`${arr}_[2-5%2]`)).toMatchObject({
      jobId: arr,
      arrayJobId: arr,
      arrayTaskId: '2-5%2',
      name: 'hpc-it-arr',
      user: 'alice',
      partition: 'debug',
      state: 'PENDING',
      reason: 'JobArrayTaskLimit',
      nodeList: '',
      startTime: null,
      timeLimitSec: 600
    });
    for (const task of ['0', '1']) {
      const row = by(`${arr}_${task}`);
      expect(row).toMatchObject({
        arrayJobId: arr,
        arrayTaskId: task,
        state: 'RUNNING',
        reason: 'None',
        nodeList: 'localhost'
      });
      // A task that runs has its own unique numeric id.
      expect(row.jobId).toMatch(/^\d+$/);
      expect(row.jobId).not.toBe(arr);
      expect(row.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    }

    expect(by(held)).toMatchObject({
      jobId: held,
      user: 'bob',
      state: 'PENDING',
      reason: 'JobHeldUser'
    });
    expect(by(held).arrayJobId).toBeUndefined();

    const het0 = by(`${het}+0`);
    const het1 = by(`${het}+1`);
    expect(het0).toMatchObject({
      jobId: het,
      hetJobId: het,
      hetJobOffset: '0',
      partition: 'gpu',
      reason: 'JobHeldUser'
    });
    expect(het1).toMatchObject({
      jobId: String(Number(het) + 1),
      hetJobId: het,
      hetJobOffset: '1',
      partition: 'gpu'
    });

    // Byte-exact, through JSON: tab, newline, UTF-8, HTML, quotes.
    expect(by(weird).name).toBe(WEIRD_NAME);
    expect(by(weird)).toMatchObject({ user: 'alice', reason: 'BeginTime' });
  });

  it("shows only alice's jobs in her scope", async () => {
    const res = await getQueue('mine');
    expect(res.status).toBe(200);
    const { jobs } = queueOf(res);
    expect(jobs.length).toBeGreaterThan(0);
    expect([...new Set(jobs.map(j => j.user))]).toEqual(['alice']);
    const ids = mineOnly(jobs).map(j => j.displayId);
    expect(ids).toContain(weird);
    expect(ids).toContain(`${het}+1`);
    expect(ids).toContain(`${arr}_0`);
    expect(ids).not.toContain(held);
    // --me is what made the difference.
    expect(shims.calls('squeue').some(a => a.includes('--me'))).toBe(true);
  });

  it('answers 304 to If-None-Match while nothing changed', async () => {
    const first = await getQueue('all');
    expect(first.status).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[^"]+"$/);
    const runs = allRuns();
    const again = await getQueue('all', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    const other = await getQueue('all', { 'if-none-match': '"nope"' });
    expect(other.status).toBe(200);
    expect(other.headers.etag).toBe(etag);
    expect(allRuns()).toBe(runs);
  });

  it('runs squeue once for ten concurrent clients, and at once after an action', async () => {
    // Warm: a fresh answer, so that the next ones are within the interval.
    const warm = await getQueue('all');
    expect(warm.status).toBe(200);
    const before = allRuns();
    expect(before).toBeGreaterThan(0);
    const cached = await getQueue('all');
    expect(cached.headers.etag).toBe(warm.headers.etag);
    expect(allRuns()).toBe(before);

    const hold = await jsonRequest(
      port,
      TOKEN,
      'POST',
      '/api/slurm/jobs/actions',
      {
        action: 'hold',
        jobIds: [weird]
      }
    );
    expect(hold.status).toBe(200);
    expect(hold.json()).toEqual({ results: [{ jobId: weird, ok: true }] });

    const answers = await Promise.all(
      Array.from({ length: 10 }, () => getQueue('all'))
    );
    expect(answers.map(a => a.status)).toEqual(Array(10).fill(200));
    expect(new Set(answers.map(a => a.headers.etag)).size).toBe(1);
    expect(answers[0].headers.etag).not.toBe(warm.headers.etag);
    expect(allRuns()).toBe(before + 1);
    // The refreshed answer already shows the hold (well within the 10 s).
    const row = queueOf(answers[0]).jobs.find(j => j.jobId === weird);
    expect(row?.reason).toBe('JobHeldUser');

    await getQueue('all');
    expect(allRuns()).toBe(before + 1);
  });
});
