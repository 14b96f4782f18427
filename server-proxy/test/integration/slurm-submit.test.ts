/**
 * Submitting through the real server running as alice, confined to her root
 * (a temporary folder she owns): scripts on stdin, CRLF, refusals before
 * sbatch runs (counted by a shim first on the server's PATH that logs each
 * call and the variables it was given, then runs the real sbatch), profiles,
 * Slurm's own refusals, shell syntax in a name, and an environment that must
 * not leak into sbatch (SBATCH_PARTITION=gpu, SLURM_JOB_ID=123).
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import {
  cancelJobs,
  cleanup,
  http,
  IErrorJson,
  IProc,
  IResponse,
  IShims,
  jsonRequest,
  listeningPort,
  makeShims,
  makeTmp,
  makeTmpFor,
  scontrolJob,
  startProxyAs,
  tokenHeader,
  trackJob
} from './helpers';

const TOKEN = 'slurm-submit-token';
/** Never starts: nothing runs, nothing is written. */
const HEADER =
  '#!/bin/bash\n#SBATCH --begin=now+1hour\n#SBATCH --output=/dev/null\n';
const PROFILE = {
  name: 'Debug',
  partition: 'debug',
  time: '00:10:00',
  directives: ['#SBATCH --comment=from-profile']
};

let proc: IProc;
let port: number;
let shims: IShims;
let root: string;
let outside: string;

function sbatchRuns(): number {
  return shims.calls('sbatch').length;
}

async function submit(body: unknown): Promise<IResponse> {
  const res = await jsonRequest(port, TOKEN, 'POST', '/api/slurm/jobs', body);
  if (res.status === 201) {
    trackJob(res.json<{ jobId: string }>().jobId);
  }
  return res;
}

/**
 * POSTs a big body over a raw socket: the headers first, then (unless the
 * server has answered already, as it should from Content-Length alone) the
 * body. A server that answers early and closes makes a plain client lose
 * the answer to EPIPE/ECONNRESET; here the answer is read before that.
 */
function postEarlyAnswer(
  path: string,
  body: string
): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let bodyTimer: NodeJS.Timeout | undefined;
    const settle = (): boolean => {
      const m = /^HTTP\/1\.1 (\d{3})([^]*?)\r\n\r\n([^]*)$/.exec(text);
      const length = /\r\ncontent-length: (\d+)/i.exec(m?.[2] ?? '');
      const whole =
        !!m && (!length || Buffer.byteLength(m[3]) >= Number(length[1]));
      if (m && whole) {
        clearTimeout(bodyTimer);
        socket.destroy();
        resolvePromise({ status: Number(m[1]), body: m[3] });
      }
      return !!m && whole;
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      settle();
    });
    socket.on('error', e => settle() || reject(e));
    socket.on(
      'close',
      () => settle() || reject(new Error(`no answer: ${text}`))
    );
    socket.on('connect', () => {
      socket.write(
        [
          `POST ${path} HTTP/1.1`,
          'Host: 127.0.0.1',
          `Authorization: token ${TOKEN}`,
          'Content-Type: application/json',
          `Content-Length: ${Buffer.byteLength(body)}`,
          'Connection: close',
          '',
          ''
        ].join('\r\n')
      );
      bodyTimer = setTimeout(() => socket.write(body), 1000);
    });
  });
}

/** Every file under `dir` whose name starts with PWNED. */
function pwned(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(p =>
    p.split('/').some(part => part.startsWith('PWNED'))
  );
}

beforeAll(async () => {
  const dir = makeTmpFor('alice');
  root = join(dir, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  outside = makeTmp('hpc-it-outside-');
  symlinkSync(outside, join(root, 'escape'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ slurm: { profiles: [PROFILE] } }));
  shims = makeShims(dir, ['sbatch'], 'alice', [
    'SBATCH_PARTITION',
    'SLURM_JOB_ID',
    'SBATCH_TIMELIMIT'
  ]);
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
      env: {
        ...process.env,
        PATH: `${shims.bin}:${process.env.PATH}`,
        SBATCH_PARTITION: 'gpu',
        SBATCH_TIMELIMIT: '00:01:00',
        SLURM_JOB_ID: '123'
      }
    }
  );
  port = await listeningPort(proc);
}, 30_000);

afterAll(async () => {
  cancelJobs();
  try {
    expect(pwned(root)).toEqual([]);
  } finally {
    await cleanup();
  }
});

describe('POST api/slurm/jobs (server as alice)', () => {
  it('submits a script on stdin and answers 201 with the job id', async () => {
    const res = await submit({ script: `${HEADER}echo hello\n` });
    expect(res.status).toBe(201);
    const body = res.json<{ jobId: string; warnings: string[] }>();
    expect(body.jobId).toMatch(/^\d+$/);
    expect(body.warnings).toEqual([]);
    const job = scontrolJob(body.jobId);
    expect(job).toMatchObject({
      JobId: body.jobId,
      UserId: 'alice(1001)',
      WorkDir: realpathSync(root),
      // the server's SBATCH_PARTITION=gpu did not leak: Slurm's default
      Partition: 'debug',
      // nor its SBATCH_TIMELIMIT
      TimeLimit: 'UNLIMITED'
    });
    // ...and sbatch really ran without them (the server had them).
    const env = shims.envs('sbatch').pop();
    expect(env).toEqual({
      SBATCH_PARTITION: null,
      SLURM_JOB_ID: null,
      SBATCH_TIMELIMIT: null
    });
    expect(shims.calls('sbatch').pop()).toEqual([
      '--parsable',
      `--chdir=${realpathSync(root)}`
    ]);
  });

  it('accepts a script with CRLF line endings', async () => {
    const res = await submit({
      script: `${HEADER}#SBATCH --job-name=crlf\necho hi\n`.replace(
        /\n/g,
        '\r\n'
      )
    });
    expect(res.status).toBe(201);
    const job = scontrolJob(res.json<{ jobId: string }>().jobId);
    // The #SBATCH lines were read: the name is not "crlf\r".
    expect(job?.JobName).toBe('crlf');
  });

  it('submits from a folder inside the root', async () => {
    const res = await submit({ script: HEADER, cwd: 'sub' });
    expect(res.status).toBe(201);
    expect(scontrolJob(res.json<{ jobId: string }>().jobId)?.WorkDir).toBe(
      join(realpathSync(root), 'sub')
    );
  });

  it.each([
    ['no #! line', { script: 'echo hello\n' }, 'NOT_A_BATCH_SCRIPT'],
    ['cwd ../..', { script: HEADER, cwd: '../..' }, 'BAD_CWD'],
    ['an absolute cwd outside', { script: HEADER, cwd: 'OUTSIDE' }, 'BAD_CWD'],
    ['/etc as cwd', { script: HEADER, cwd: '/etc' }, 'BAD_CWD'],
    ['a symlink leading out', { script: HEADER, cwd: 'escape' }, 'BAD_CWD'],
    ['a missing folder', { script: HEADER, cwd: 'nope' }, 'BAD_CWD'],
    [
      'an unknown profile',
      { script: HEADER, profile: 'Nope' },
      'UNKNOWN_PROFILE'
    ],
    [
      'an option with shell syntax',
      { script: HEADER, options: { partition: 'debug;id' } },
      'INVALID_INPUT'
    ],
    [
      'an unknown option',
      { script: HEADER, options: { wrap: 'id' } },
      'INVALID_INPUT'
    ]
  ])('refuses %s with 400 before sbatch runs', async (_why, body, code) => {
    const runs = sbatchRuns();
    const res = await submit(
      JSON.parse(JSON.stringify(body).replace('OUTSIDE', outside))
    );
    expect(res.status).toBe(400);
    expect(res.json<IErrorJson>().error.code).toBe(code);
    expect(sbatchRuns()).toBe(runs);
  });

  it('refuses a 10 MB script with 413', async () => {
    const runs = sbatchRuns();
    const script = `${HEADER}${'# padding padding padding\n'.repeat(400_000)}`;
    expect(script.length).toBeGreaterThan(10_000_000);
    const res = await postEarlyAnswer(
      '/api/slurm/jobs',
      JSON.stringify({ script })
    );
    expect(res.status).toBe(413);
    expect(res.body).toMatch(/too large/i);
    expect(sbatchRuns()).toBe(runs);
  });

  it("applies a profile from the site's configuration", async () => {
    const res = await submit({ script: HEADER, profile: 'Debug' });
    expect(res.status).toBe(201);
    expect(scontrolJob(res.json<{ jobId: string }>().jobId)).toMatchObject({
      Partition: 'debug',
      TimeLimit: '00:10:00',
      Comment: 'from-profile'
    });
  });

  it("reports Slurm's refusal of a partition in Slurm's words", async () => {
    const runs = sbatchRuns();
    const res = await submit({
      script: HEADER,
      options: { partition: 'nosuchpartition' }
    });
    expect(res.status).toBe(400);
    const { error } = res.json<IErrorJson>();
    expect(error.code).toBe('SBATCH_REJECTED');
    expect(error.message).toContain('Invalid partition');
    expect(error.message).toContain('nosuchpartition');
    expect(sbatchRuns()).toBe(runs + 1);
  });

  it('submits a name with shell syntax as a literal name', async () => {
    const name = `$(touch PWNED1) \`touch PWNED2\`; touch ${root}/PWNED3`;
    const res = await submit({ script: HEADER, options: { name } });
    expect(res.status).toBe(201);
    const jobId = res.json<{ jobId: string }>().jobId;
    expect(scontrolJob(jobId)?.JobName).toBe(name);
    expect(shims.calls('sbatch').pop()).toContain(`--job-name=${name}`);
    expect(pwned(root)).toEqual([]);
    expect(existsSync(join(process.cwd(), 'PWNED1'))).toBe(false);
  });

  it('needs the token', async () => {
    const runs = sbatchRuns();
    const res = await http({
      port,
      method: 'POST',
      path: '/api/slurm/jobs',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ script: HEADER })
    });
    expect(res.status).toBe(401);
    expect(sbatchRuns()).toBe(runs);
    const ok = await http({
      port,
      path: '/api/slurm/profiles',
      headers: tokenHeader(TOKEN)
    });
    expect(ok.status).toBe(200);
  });
});
