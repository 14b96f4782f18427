/**
 * Job actions through the real server running as alice: Slurm itself decides
 * what she may do (root could do everything, so permissions are only real
 * with an unprivileged server). One result per id; a malformed request is
 * refused whole before anything runs (scancel/scontrol are counted by shims
 * first on the server's PATH, which then run the real commands).
 */
import { jobsFromRows } from '../../src/slurm/parse';
import {
  cancelJobs,
  cleanup,
  http,
  IErrorJson,
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
  waitFor,
  UNKNOWN_JOB_ID
} from './helpers';

const TOKEN = 'slurm-actions-token';

interface IResult {
  jobId: string;
  ok: boolean;
  message?: string;
}

let proc: IProc;
let port: number;
let shims: IShims;
/** alice's jobs */
let pending: string;
let running: string;
let wholeArray: string;
let batchMine: string;
let keep: string;
/** bob's */
let bobs: string;

const later = ['--begin=now+1hour', '--output=/dev/null', '--chdir=/tmp'];

function act(action: string, jobIds: string[]): ReturnType<typeof http> {
  return jsonRequest(port, TOKEN, 'POST', '/api/slurm/jobs/actions', {
    action,
    jobIds
  });
}

function commandRuns(): number {
  return shims.calls('scancel').length + shims.calls('scontrol').length;
}

beforeAll(async () => {
  const dir = makeTmpFor('alice');
  shims = makeShims(dir, ['scancel', 'scontrol'], 'alice');
  proc = startProxyAs(
    'alice',
    ['serve', '--port', '0', '--token', TOKEN, '--root', dir],
    { env: { ...process.env, PATH: `${shims.bin}:${process.env.PATH}` } }
  );
  pending = sbatchAs('alice', [...later, '-J', 'hpc-it-p', '--wrap', 'true']);
  running = sbatchAs('alice', [
    '--output=/dev/null',
    '--chdir=/tmp',
    '-J',
    'hpc-it-run',
    '--array=0-1',
    '--wrap',
    'sleep 120'
  ]);
  wholeArray = sbatchAs('alice', [
    ...later,
    '-J',
    'hpc-it-m',
    '--array=0-3',
    '--wrap',
    'true'
  ]);
  batchMine = sbatchAs('alice', [...later, '-J', 'hpc-it-a', '--wrap', 'true']);
  keep = sbatchAs('alice', [...later, '-J', 'hpc-it-k', '--wrap', 'true']);
  bobs = sbatchAs('bob', [...later, '-J', 'hpc-it-bob', '--wrap', 'true']);
  port = await listeningPort(proc);
}, 30_000);

afterAll(async () => {
  cancelJobs();
  await cleanup();
});

describe('POST api/slurm/jobs/actions (server as alice)', () => {
  it("holds and releases alice's pending job", async () => {
    const hold = await act('hold', [pending]);
    expect(hold.status).toBe(200);
    expect(hold.json()).toEqual({ results: [{ jobId: pending, ok: true }] });
    expect(squeueRows([pending])[0]).toMatchObject({
      state: 'PENDING',
      reason: 'JobHeldUser'
    });
    // The server's own queue shows it at once too.
    const queue = await http({
      port,
      path: '/api/slurm/jobs?scope=mine',
      headers: tokenHeader(TOKEN)
    });
    const rows = jobsFromRows(queue.json<Parameters<typeof jobsFromRows>[0]>());
    expect(rows.find(j => j.jobId === pending)?.reason).toBe('JobHeldUser');

    const release = await act('release', [pending]);
    expect(release.status).toBe(200);
    expect(release.json()).toEqual({
      results: [{ jobId: pending, ok: true }]
    });
    const [row] = squeueRows([pending]);
    expect(row.state).toBe('PENDING');
    expect(row.reason).not.toMatch(/Held/);
    // (The capability probe's `scontrol show config` is not an action.)
    const actions = shims
      .calls('scontrol')
      .filter(a => ['hold', 'release'].includes(a[0]));
    expect(actions).toEqual([
      ['hold', pending],
      ['release', pending]
    ]);
  });

  it('cancels one running array task, then a whole array', async () => {
    const bothRun = await waitFor(
      () =>
        squeueRows([running]).filter(r => r.state === 'RUNNING').length === 2,
      20_000
    );
    expect(bothRun).toBe(true);
    const task = await act('cancel', [`${running}_1`]);
    expect(task.status).toBe(200);
    expect(task.json()).toEqual({
      results: [{ jobId: `${running}_1`, ok: true }]
    });
    const gone = await waitFor(
      () =>
        !squeueRows([running]).some(
          r => r.displayId === `${running}_1` && r.state !== 'COMPLETING'
        ),
      10_000
    );
    expect(gone).toBe(true);
    expect(
      squeueRows([running]).find(r => r.displayId === `${running}_0`)?.state
    ).toBe('RUNNING');

    expect(squeueRows([wholeArray]).length).toBeGreaterThan(0);
    const all = await act('cancel', [wholeArray]);
    expect(all.json()).toEqual({ results: [{ jobId: wholeArray, ok: true }] });
    expect(await waitFor(() => squeueRows([wholeArray]).length === 0)).toBe(
      true
    );
  });

  it("reports each id of a batch: alice's cancelled, bob's and an unknown one refused", async () => {
    const res = await act('cancel', [batchMine, bobs, UNKNOWN_JOB_ID]);
    expect(res.status).toBe(200);
    const { results } = res.json<{ results: IResult[] }>();
    expect(results.map(r => [r.jobId, r.ok])).toEqual([
      [batchMine, true],
      [bobs, false],
      [UNKNOWN_JOB_ID, false]
    ]);
    expect(results[1].message).toContain('Access/permission denied');
    expect(results[2].message).toContain('Invalid job id');
    expect(await waitFor(() => squeueRows([batchMine]).length === 0)).toBe(
      true
    );
    expect(squeueRows([bobs])).toEqual([
      expect.objectContaining({ jobId: bobs, user: 'bob', state: 'PENDING' })
    ]);
  });

  it("refuses to hold bob's job with Slurm's reason", async () => {
    const res = await act('hold', [bobs]);
    expect(res.status).toBe(200);
    const [result] = res.json<{ results: IResult[] }>().results;
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/Invalid user id|permission denied/i);
    expect(squeueRows([bobs])[0].reason).not.toMatch(/Held/);
  });

  it.each([
    ['a malformed id', { action: 'cancel', jobIds: ['KEEP', 'abc'] }],
    [
      'shell syntax in an id',
      { action: 'cancel', jobIds: ['KEEP', '1;touch x'] }
    ],
    ['a throttle outside brackets', { action: 'cancel', jobIds: ['1_2%3'] }],
    ['an unknown action', { action: 'kill', jobIds: ['KEEP'] }],
    ['no ids', { action: 'cancel', jobIds: [] }],
    ['a number for an id', { action: 'cancel', jobIds: ['KEEP', 12] }],
    ['an object for an id', { action: 'cancel', jobIds: [{ id: 'KEEP' }] }],
    ['ids that are not a list', { action: 'cancel', jobIds: 'KEEP' }],
    ['an extra field', { action: 'cancel', jobIds: ['KEEP'], force: true }]
  ])(
    'refuses %s whole with 400 before running anything',
    async (_why, body) => {
      const runs = commandRuns();
      const res = await jsonRequest(
        port,
        TOKEN,
        'POST',
        '/api/slurm/jobs/actions',
        JSON.parse(JSON.stringify(body).replace(/KEEP/g, keep))
      );
      expect(res.status).toBe(400);
      expect(res.json<IErrorJson>().error.code).toBe('INVALID_INPUT');
      expect(commandRuns()).toBe(runs);
      expect(
        squeueRows([keep, bobs])
          .map(r => r.jobId)
          .sort()
      ).toEqual([keep, bobs].sort());
    }
  );

  it('refuses a body that is not JSON with 400', async () => {
    const runs = commandRuns();
    const res = await http({
      port,
      method: 'POST',
      path: '/api/slurm/jobs/actions',
      headers: { ...tokenHeader(TOKEN), 'content-type': 'application/json' },
      body: `{"action": "cancel", "jobIds": ["${keep}"]`
    });
    expect(res.status).toBe(400);
    expect(res.json<IErrorJson>().error.code).toBe('INVALID_JSON');
    expect(commandRuns()).toBe(runs);
    expect(squeueRows([keep])).toHaveLength(1);
  });
});
