/**
 * The submit form's preview against the real server running as alice: a
 * preview never runs sbatch (counted by a logging shim first on the server's
 * PATH), and what it shows is exactly what the same submission then runs —
 * the argv sbatch receives and, through Slurm, the script it stores.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cancelJobs,
  cleanup,
  IErrorJson,
  IProc,
  IShims,
  jsonRequest,
  listeningPort,
  makeShims,
  makeTmpFor,
  scontrolJob,
  startProxyAs,
  trackJob
} from './helpers';

const TOKEN = 'slurm-preview-token';
const PROFILE = {
  name: 'Debug short',
  description: 'Five minutes on the debug partition',
  partition: 'debug',
  time: '00:05:00',
  directives: ['#SBATCH --comment=from-profile']
};
/** Never starts: nothing runs, nothing is written. */
const SCRIPT =
  '#!/bin/bash\r\n#SBATCH --begin=now+1hour\r\n#SBATCH --output=/dev/null\r\necho hi\r\n';

let proc: IProc;
let port: number;
let shims: IShims;
let root: string;

beforeAll(async () => {
  const dir = makeTmpFor('alice');
  root = join(dir, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ slurm: { profiles: [PROFILE] } }));
  shims = makeShims(dir, ['sbatch'], 'alice');
  proc = startProxyAs(
    'alice',
    [
      'serve',
      '--port',
      '0',
      '--token',
      TOKEN,
      '--config',
      config,
      '--root',
      root
    ],
    {
      cwd: root,
      env: { ...process.env, PATH: `${shims.bin}:${process.env.PATH}` }
    }
  );
  port = await listeningPort(proc);
}, 30_000);

afterAll(async () => {
  cancelJobs();
  await cleanup();
});

describe('POST api/slurm/jobs/preview (server as alice)', () => {
  const body = {
    script: SCRIPT,
    cwd: 'sub',
    profile: 'Debug short',
    options: { name: 'hpcsub-preview', mem: '100M' }
  };

  it('shows what the submission then runs, and runs nothing itself', async () => {
    const preview = await jsonRequest(
      port,
      TOKEN,
      'POST',
      '/api/slurm/jobs/preview',
      body
    );
    expect(preview.status).toBe(200);
    const { script, argv } = preview.json<{
      script: string;
      argv: string[];
    }>();
    const sub = join(realpathSync(root), 'sub');
    expect(argv).toEqual([
      'sbatch',
      '--parsable',
      `--chdir=${sub}`,
      '--partition=debug',
      '--time=00:05:00',
      '--mem=100M',
      '--job-name=hpcsub-preview'
    ]);
    expect(script).toBe(
      '#!/bin/bash\n#SBATCH --comment=from-profile\n#SBATCH --begin=now+1hour\n#SBATCH --output=/dev/null\necho hi\n'
    );
    expect(shims.calls('sbatch')).toEqual([]);

    const res = await jsonRequest(port, TOKEN, 'POST', '/api/slurm/jobs', body);
    expect(res.status).toBe(201);
    const { jobId } = res.json<{ jobId: string }>();
    trackJob(jobId);
    expect(shims.calls('sbatch')).toEqual([argv.slice(1)]);
    expect(scontrolJob(jobId)).toMatchObject({
      JobName: 'hpcsub-preview',
      Partition: 'debug',
      TimeLimit: '00:05:00',
      Comment: 'from-profile',
      WorkDir: sub
    });
    // The script Slurm stored is the one the preview showed.
    const stored = execFileSync('scontrol', [
      'write',
      'batch_script',
      jobId,
      '-'
    ]).toString();
    expect(stored).toBe(script);
  });

  it('refuses a script without #! with the same words as submit', async () => {
    const bad = { script: 'echo hi\n' };
    const preview = await jsonRequest(
      port,
      TOKEN,
      'POST',
      '/api/slurm/jobs/preview',
      bad
    );
    const submit = await jsonRequest(
      port,
      TOKEN,
      'POST',
      '/api/slurm/jobs',
      bad
    );
    expect(preview.status).toBe(400);
    expect(submit.status).toBe(400);
    expect(preview.json<IErrorJson>().error).toEqual(
      submit.json<IErrorJson>().error
    );
    expect(preview.json<IErrorJson>().error.code).toBe('NOT_A_BATCH_SCRIPT');
    expect(shims.calls('sbatch')).toHaveLength(1);
  });
});
