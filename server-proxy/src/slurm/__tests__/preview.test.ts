/**
 * `POST api/slurm/jobs/preview` through the whole app (schema, error
 * handler, service) with a recording executor: a preview runs nothing, and
 * shows exactly what the same submission runs.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app';
import type { IAuthenticator } from '../../auth';
import type { CapabilityService } from '../../capabilities';
import { parseConfig } from '../../config';
import type { Executor, IRunOptions, IRunResult } from '../../exec';

interface ICall {
  command: string;
  args: string[];
  options: IRunOptions;
}

/** Records every command; sbatch answers with job 4242. */
class RecordingExecutor {
  calls: ICall[] = [];

  async run(
    command: string,
    args: readonly string[],
    options: IRunOptions = {}
  ): Promise<IRunResult> {
    this.calls.push({ command, args: [...args], options });
    return {
      command,
      args: [...args],
      code: 0,
      signal: null,
      stdout: command === 'sbatch' ? '4242\n' : '',
      stderr: '',
      truncated: false,
      timedOut: false,
      durationMs: 1
    };
  }

  dispose(): void {}
}

const letIn: IAuthenticator = { check: async () => undefined };

describe('POST api/slurm/jobs/preview', () => {
  let base: string;
  let root: string;
  let exec: RecordingExecutor;
  let app: FastifyInstance;

  beforeEach(async () => {
    base = mkdtempSync(join(tmpdir(), 'hpc-preview-unit-'));
    root = join(base, 'root');
    mkdirSync(join(root, 'sub'), { recursive: true });
    mkdirSync(join(base, 'outside'));
    exec = new RecordingExecutor();
    app = buildApp({
      config: parseConfig({
        slurm: {
          profiles: [
            {
              name: 'Debug short',
              partition: 'debug',
              time: '00:05:00',
              cpus: 2,
              modules: ['gcc/12'],
              directives: ['#SBATCH --comment=from-profile']
            }
          ]
        }
      }),
      auth: letIn,
      root,
      executor: exec as unknown as Executor,
      capabilities: {
        get: async () => ({})
      } as unknown as CapabilityService,
      logLevel: false
    });
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
    rmSync(base, { recursive: true, force: true });
  });

  function post(url: string, body: unknown) {
    return app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      payload: typeof body === 'string' ? body : JSON.stringify(body)
    });
  }

  const request = {
    script: '#!/bin/bash\r\n#SBATCH -J mine\r\necho hi\r\n',
    cwd: 'sub',
    profile: 'Debug short',
    options: { time: '00:02:00', mem: '1G', name: 'a b; $(id)' }
  };

  it('answers the final script and argv, and runs nothing', async () => {
    const res = await post('/api/slurm/jobs/preview', request);
    expect(res.statusCode).toBe(200);
    const sub = join(realpathSync(root), 'sub');
    expect(res.json()).toEqual({
      script: [
        '#!/bin/bash',
        '#SBATCH --comment=from-profile',
        '#SBATCH -J mine',
        'module load gcc/12',
        'echo hi',
        ''
      ].join('\n'),
      argv: [
        'sbatch',
        '--parsable',
        `--chdir=${sub}`,
        '--partition=debug',
        '--time=00:02:00',
        '--cpus-per-task=2',
        '--mem=1G',
        '--job-name=a b; $(id)'
      ]
    });
    expect(exec.calls).toEqual([]);
  });

  it('shows exactly what the same submission then runs', async () => {
    const preview = (await post('/api/slurm/jobs/preview', request)).json<{
      script: string;
      argv: string[];
    }>();
    const submitted = await post('/api/slurm/jobs', request);
    expect(submitted.statusCode).toBe(201);
    expect(exec.calls).toHaveLength(1);
    const [call] = exec.calls;
    expect([call.command, ...call.args]).toEqual(preview.argv);
    expect(call.options.input).toBe(preview.script);
  });

  it.each([
    [{ script: 'echo no shebang\n' }, 400, 'NOT_A_BATCH_SCRIPT'],
    [{ script: '#!/bin/sh\n', cwd: '../outside' }, 400, 'BAD_CWD'],
    [{ script: '#!/bin/sh\n', cwd: 'missing' }, 400, 'BAD_CWD'],
    [{ script: '#!/bin/sh\n', profile: 'Nope' }, 400, 'UNKNOWN_PROFILE'],
    [{ script: '' }, 400, 'INVALID_INPUT'],
    [{ script: '#!/bin/sh\n', options: { qos: 'a;b' } }, 400, 'INVALID_INPUT'],
    [{ script: '#!/bin/sh\n', options: { nodes: '2' } }, 400, 'INVALID_INPUT'],
    [{ script: '#!/bin/sh\n', options: { wrap: 'id' } }, 400, 'INVALID_INPUT'],
    [{ script: '#!/bin/sh\n', extra: 1 }, 400, 'INVALID_INPUT'],
    ['{"script": ', 400, 'INVALID_JSON']
  ])(
    'refuses %j like submit does (%i %s), running nothing',
    async (body, status, code) => {
      for (const url of ['/api/slurm/jobs/preview', '/api/slurm/jobs']) {
        const res = await post(url, body);
        expect(res.statusCode).toBe(status);
        expect(res.json<{ error: { code: string } }>().error.code).toBe(code);
      }
      expect(exec.calls).toEqual([]);
    }
  );

  it('refuses a script over 1 MiB with 413', async () => {
    const res = await post('/api/slurm/jobs/preview', {
      script: `#!/bin/sh\n${'#'.repeat(1 << 20)}`
    });
    expect(res.statusCode).toBe(413);
    expect(exec.calls).toEqual([]);
  });
});
