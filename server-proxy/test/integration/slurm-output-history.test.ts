/**
 * Job details, output files, history (sacct through slurmdbd), partitions
 * and profiles, through the real server running as alice.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cancelJobs,
  cleanup,
  http,
  IErrorJson,
  IProc,
  IResponse,
  listeningPort,
  makeTmpFor,
  sbatchAs,
  scontrolJob,
  startProxyAs,
  tokenHeader,
  waitFor,
  UNKNOWN_JOB_ID
} from './helpers';

const TOKEN = 'slurm-output-token';
const WEIRD_NAME = 'hpc-it\tdetail\nline2 ü <b>html</b>';
const OUTPUT = 'hello from slurm\nü and <b>html</b>\n';
const PROFILES = [
  {
    name: 'Debug',
    description: 'Ten minutes on the debug partition',
    partition: 'debug',
    time: '00:10:00',
    directives: ['#SBATCH --comment=from-profile']
  },
  { name: 'GPU', partition: 'gpu', gpus: 1, modules: ['cuda/12'] }
];

let proc: IProc;
let port: number;
let root: string;
let done: string;
let pending: string;
let weird: string;

function get(path: string): Promise<IResponse> {
  return http({ port, path, headers: tokenHeader(TOKEN) });
}

interface IDetail {
  jobId: string;
  state: string;
  stdout: string | null;
  stdOutPath?: string | null;
  fields: Record<string, string>;
}

beforeAll(async () => {
  root = makeTmpFor('alice');
  const config = join(root, 'config.json');
  writeFileSync(config, JSON.stringify({ slurm: { profiles: PROFILES } }));
  proc = startProxyAs('alice', [
    'serve',
    '--port',
    '0',
    '--token',
    TOKEN,
    '--config',
    config,
    '--root',
    root
  ]);
  done = sbatchAs(
    'alice',
    [`--chdir=${root}`, `--output=${root}/out-%j.log`, '-J', 'hpc-it-out'],
    `#!/bin/bash\nprintf '${OUTPUT.replace(/\n/g, '\\n')}'\n`
  );
  pending = sbatchAs('alice', [
    `--chdir=${root}`,
    '--begin=now+1hour',
    '-J',
    'hpc-it-pending',
    '--wrap',
    'true'
  ]);
  weird = sbatchAs('alice', [
    `--chdir=${root}`,
    '--begin=now+1hour',
    '--output=/dev/null',
    '-J',
    WEIRD_NAME,
    '--wrap',
    'true'
  ]);
  port = await listeningPort(proc);
  expect(
    await waitFor(() => scontrolJob(done)?.JobState === 'COMPLETED', 20_000)
  ).toBe(true);
}, 40_000);

afterAll(async () => {
  cancelJobs();
  await cleanup();
});

describe('GET api/slurm/jobs/{id}', () => {
  it("returns scontrol's fields with the output path expanded", async () => {
    const res = await get(`/api/slurm/jobs/${done}`);
    expect(res.status).toBe(200);
    const detail = res.json<IDetail>();
    expect(detail.jobId).toBe(done);
    expect(detail.state).toBe('COMPLETED');
    expect(detail.fields).toMatchObject({
      JobId: done,
      JobName: 'hpc-it-out',
      UserId: 'alice(1001)',
      JobState: 'COMPLETED',
      StdOut: `${root}/out-${done}.log`
    });
    expect(detail.stdout).toBe(`${root}/out-${done}.log`);
    expect(detail.fields.StdOut).not.toContain('%');
    // The same paths relative to --root, for Lab's file browser and editor.
    expect(detail).toMatchObject({
      workDirPath: '',
      stdOutPath: `out-${done}.log`,
      stdErrPath: `out-${done}.log`
    });
  });

  it('keeps a name with a tab, a newline and HTML, and the fields after it', async () => {
    const res = await get(`/api/slurm/jobs/${weird}`);
    expect(res.status).toBe(200);
    const detail = res.json<IDetail>();
    expect(detail.fields.JobName).toBe(WEIRD_NAME);
    expect(detail.fields).toMatchObject({
      JobId: weird,
      UserId: 'alice(1001)',
      JobState: 'PENDING',
      StdOut: '/dev/null'
    });
    expect(detail.state).toBe('PENDING');
    expect(detail.stdOutPath).toBeNull();
  });

  it('answers 404 JOB_NOT_FOUND for an unknown id and 400 for a malformed one', async () => {
    const res = await get(`/api/slurm/jobs/${UNKNOWN_JOB_ID}`);
    expect(res.status).toBe(404);
    const { error } = res.json<IErrorJson>();
    expect(error.code).toBe('JOB_NOT_FOUND');
    expect(error.message).toContain('Invalid job id specified');
    const bad = await get('/api/slurm/jobs/12%3Bid');
    expect(bad.status).toBe(400);
    expect(bad.json<IErrorJson>().error.code).toBe('INVALID_INPUT');
  });
});

describe('GET api/slurm/jobs/{id}/output', () => {
  it('returns the text and the next offset, then nothing new', async () => {
    const res = await get(`/api/slurm/jobs/${done}/output?stream=stdout`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toBe(OUTPUT);
    const next = Number(res.headers['x-next-offset']);
    expect(next).toBe(Buffer.byteLength(OUTPUT));
    expect(res.headers['x-output-size']).toBe(String(next));
    expect(decodeURIComponent(String(res.headers['x-output-path']))).toBe(
      `${root}/out-${done}.log`
    );

    const rest = await get(
      `/api/slurm/jobs/${done}/output?stream=stdout&offset=${next}`
    );
    expect(rest.status).toBe(200);
    expect(rest.body).toBe('');
    expect(rest.headers['x-next-offset']).toBe(String(next));

    const tail = await get(
      `/api/slurm/jobs/${done}/output?stream=stdout&offset=6`
    );
    expect(tail.body).toBe(OUTPUT.slice(6));
  });

  it('answers 404 OUTPUT_NOT_READABLE for a job that has not started', async () => {
    const res = await get(`/api/slurm/jobs/${pending}/output?stream=stdout`);
    expect(res.status).toBe(404);
    const { error } = res.json<IErrorJson>();
    expect(error.code).toBe('OUTPUT_NOT_READABLE');
    expect(error.message).toContain(`${root}/slurm-${pending}.out`);
    expect(error.message).toContain('does not exist yet');
  });

  it('refuses a bad stream or offset with 400', async () => {
    for (const q of ['stream=stdin', 'offset=-1', 'offset=x']) {
      const res = await get(`/api/slurm/jobs/${done}/output?${q}`);
      expect(res.status).toBe(400);
    }
  });
});

describe('GET api/slurm/history', () => {
  it('lists a job that completed, from sacct', async () => {
    let found: Record<string, unknown> | undefined;
    let source = '';
    // slurmdbd records the end a moment after the controller.
    const seen = await waitFor(async () => {
      const res = await get('/api/slurm/history?days=1');
      expect(res.status).toBe(200);
      const body = res.json<{
        jobs: Array<Record<string, unknown>>;
        source: string;
      }>();
      source = body.source;
      found = body.jobs.find(j => j.jobId === done);
      return found?.state === 'COMPLETED';
    }, 20_000);
    expect(seen).toBe(true);
    expect(source).toBe('sacct');
    expect(found).toMatchObject({
      jobId: done,
      name: 'hpc-it-out',
      user: 'alice',
      partition: 'debug',
      state: 'COMPLETED',
      exitCode: '0:0'
    });
  });

  it.each(['0', '1000', '-1', 'x'])('refuses days=%s with 400', async days => {
    const res = await get(`/api/slurm/history?days=${days}`);
    expect(res.status).toBe(400);
    expect(res.json<IErrorJson>().error.code).toBe('INVALID_INPUT');
  });
});

describe('GET api/slurm/partitions and profiles', () => {
  it('lists debug (the default) and gpu with their fake GPUs', async () => {
    const res = await get('/api/slurm/partitions');
    expect(res.status).toBe(200);
    const { partitions } = res.json<{
      partitions: Array<Record<string, unknown>>;
    }>();
    expect(partitions.map(p => p.name)).toEqual(['debug', 'gpu']);
    expect(partitions[0]).toMatchObject({
      name: 'debug',
      isDefault: true,
      available: true,
      gres: 'gpu:fake:4',
      maxTimeSec: null
    });
    expect(partitions[1]).toMatchObject({
      name: 'gpu',
      isDefault: false,
      gres: 'gpu:fake:4'
    });
    expect(partitions[0].cpus).toMatchObject({ total: 8 });
  });

  it("returns the configuration's profiles", async () => {
    const res = await get('/api/slurm/profiles');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ profiles: PROFILES });
  });
});
