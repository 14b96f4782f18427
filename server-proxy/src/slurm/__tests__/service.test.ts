import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IProfile, parseConfig } from '../../config';
import { HpcError } from '../../errors';
import type { Executor, IRunOptions, IRunResult } from '../../exec';
import { SpawnError } from '../../exec';
import { optionArgs } from '../commands';
import { applyProfileToScript, SlurmService } from '../service';

describe('optionArgs', () => {
  it('writes each value inside its own --option=value argument', () => {
    expect(
      optionArgs({
        partition: 'gpu',
        account: 'proj1',
        qos: 'normal',
        time: '1-00:00:00',
        nodes: 2,
        cpusPerTask: 4,
        mem: '8G',
        gpus: 1,
        name: 'my job'
      })
    ).toEqual([
      '--partition=gpu',
      '--account=proj1',
      '--qos=normal',
      '--time=1-00:00:00',
      '--nodes=2',
      '--cpus-per-task=4',
      '--mem=8G',
      '--gpus=1',
      '--job-name=my job'
    ]);
  });

  it('leaves out what is unset, empty, or zero GPUs', () => {
    expect(optionArgs({})).toEqual([]);
    expect(
      optionArgs({ partition: '', gpus: 0, name: undefined, nodes: 1 })
    ).toEqual(['--nodes=1']);
  });

  it('never lets a value become an option or a word of its own', () => {
    const args = optionArgs({ name: '$(touch PWNED) --partition=x -p y' });
    expect(args).toEqual(['--job-name=$(touch PWNED) --partition=x -p y']);
    const dashName = optionArgs({ name: '--wrap=rm -rf ~' });
    expect(dashName).toEqual(['--job-name=--wrap=rm -rf ~']);
  });
});

describe('applyProfileToScript', () => {
  const profile: IProfile = {
    name: 'Debug',
    directives: ['#SBATCH --comment=from-profile', '#SBATCH --qos=debug'],
    modules: ['gcc/12', 'python/3.11']
  };

  it("puts the directives after #! (the script's own #SBATCH lines come later and win) and module loads after the header", () => {
    const script =
      '#!/bin/bash\n#SBATCH -J mine\n# a comment\n\necho one\necho two\n';
    expect(applyProfileToScript(script, profile)).toBe(
      [
        '#!/bin/bash',
        '#SBATCH --comment=from-profile',
        '#SBATCH --qos=debug',
        '#SBATCH -J mine',
        '# a comment',
        '',
        'module load gcc/12',
        'module load python/3.11',
        'echo one',
        'echo two',
        ''
      ].join('\n')
    );
  });

  it('handles a script that is only a #! line, and a profile without extras', () => {
    expect(applyProfileToScript('#!/bin/sh', profile)).toBe(
      [
        '#!/bin/sh',
        '#SBATCH --comment=from-profile',
        '#SBATCH --qos=debug',
        'module load gcc/12',
        'module load python/3.11'
      ].join('\n')
    );
    const script = '#!/bin/bash\necho hi\n';
    expect(applyProfileToScript(script, { name: 'plain' })).toBe(script);
  });

  it('never moves commands before #SBATCH lines (sbatch stops reading at the first command)', () => {
    const out = applyProfileToScript(
      '#!/bin/bash\n#SBATCH -n1\nhostname\n#SBATCH -n2\n',
      profile
    );
    const lines = out.split('\n');
    const firstCommand = lines.findIndex(l => l && !l.startsWith('#'));
    expect(lines[firstCommand]).toBe('module load gcc/12');
    expect(
      lines.slice(0, firstCommand).filter(l => l.startsWith('#SBATCH'))
    ).toEqual([
      '#SBATCH --comment=from-profile',
      '#SBATCH --qos=debug',
      '#SBATCH -n1'
    ]);
  });
});

type Answer = Partial<IRunResult> | Error;

/** An Executor stand-in: records each call, answers from `reply`. */
class FakeExecutor {
  calls: Array<{ command: string; args: string[]; options: IRunOptions }> = [];
  reply: (command: string, args: string[]) => Answer = () => ({});

  async run(
    command: string,
    args: readonly string[],
    options: IRunOptions = {}
  ): Promise<IRunResult> {
    this.calls.push({ command, args: [...args], options });
    const answer = this.reply(command, [...args]);
    if (answer instanceof Error) {
      throw answer;
    }
    return {
      command,
      args: [...args],
      code: 0,
      signal: null,
      stdout: '',
      stderr: '',
      truncated: false,
      timedOut: false,
      durationMs: 1,
      ...answer
    };
  }
}

async function refusal(p: Promise<unknown>): Promise<HpcError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HpcError);
    return e as HpcError;
  }
  throw new Error('expected a refusal');
}

describe('SlurmService', () => {
  let root: string;
  let outside: string;
  let exec: FakeExecutor;
  let service: SlurmService;

  beforeEach(() => {
    const base = mkdtempSync(join(tmpdir(), 'hpc-slurm-unit-'));
    root = join(base, 'root');
    outside = join(base, 'outside');
    mkdirSync(join(root, 'sub'), { recursive: true });
    mkdirSync(outside);
    symlinkSync(outside, join(root, 'escape'));
    symlinkSync(join(root, 'sub'), join(root, 'inside-link'));
    writeFileSync(join(root, 'file.txt'), 'x');
    exec = new FakeExecutor();
    service = new SlurmService(
      exec as unknown as Executor,
      parseConfig({
        slurm: {
          profiles: [
            {
              name: 'Debug',
              partition: 'debug',
              time: '00:10:00',
              cpus: 2,
              directives: ['#SBATCH --comment=from-profile']
            }
          ]
        }
      }),
      root
    );
  });

  afterEach(() => {
    rmSync(join(root, '..'), { recursive: true, force: true });
  });

  describe('act', () => {
    it('runs one command per id and reports each one', async () => {
      exec.reply = (command, args) => {
        const id = args[args.length - 1];
        if (id === '7') {
          return {
            code: 210,
            stderr:
              'scancel: Terminating job 7\nscancel: error: Kill job error on job id 7: Access/permission denied\n'
          };
        }
        if (id === '99999') {
          // scancel -v exits 0 for an unknown id
          return {
            code: 0,
            stderr:
              'scancel: Terminating job 99999\nscancel: error: Kill job error on job id 99999: Invalid job id specified\n'
          };
        }
        if (id === '8') {
          return new SpawnError('scancel', 'EDISPOSED', 'shutting down');
        }
        return { code: 0, stderr: `scancel: Terminating job ${id}\n` };
      };
      const results = await service.act('cancel', [
        '5',
        '7',
        '99999',
        '8',
        '12_[4-9%2]'
      ]);
      expect(results).toEqual([
        { jobId: '5', ok: true },
        { jobId: '7', ok: false, message: 'Access/permission denied' },
        { jobId: '99999', ok: false, message: 'Invalid job id specified' },
        {
          jobId: '8',
          ok: false,
          message: 'Slurm is not available here: shutting down'
        },
        // reported under the id the client sent
        { jobId: '12_[4-9%2]', ok: true }
      ]);
      expect(exec.calls.map(c => [c.command, c.args])).toEqual([
        ['scancel', ['-v', '5']],
        ['scancel', ['-v', '7']],
        ['scancel', ['-v', '99999']],
        ['scancel', ['-v', '8']],
        // scancel refuses a throttle, and then cancels nothing at all
        ['scancel', ['-v', '12_[4-9]']]
      ]);
    });

    it('reads scontrol refusals', async () => {
      exec.reply = (_command, args) =>
        args[1] === '7'
          ? {
              code: 1,
              stderr:
                'Invalid user id for job 7\nslurm_suspend error: Invalid user id\n'
            }
          : {};
      const results = await service.act('hold', ['6', '7']);
      expect(results).toEqual([
        { jobId: '6', ok: true },
        { jobId: '7', ok: false, message: 'Invalid user id' }
      ]);
      expect(exec.calls.map(c => c.args)).toEqual([
        ['hold', '6'],
        ['hold', '7']
      ]);
    });

    it('makes the next queue read ask squeue again', async () => {
      exec.reply = command =>
        command === 'squeue' ? { stdout: '' } : { code: 0 };
      const poller = service.poller('all');
      await service.queue('all');
      await service.queue('all');
      expect(poller.runs).toBe(1);
      await service.act('release', ['5']);
      await service.queue('all');
      expect(poller.runs).toBe(2);
    });
  });

  describe('confine', () => {
    it('resolves folders inside the root', async () => {
      const real = realpathSync(root);
      await expect(service.confine(undefined)).resolves.toBe(real);
      await expect(service.confine('sub')).resolves.toBe(join(real, 'sub'));
      await expect(service.confine('sub/../sub/.')).resolves.toBe(
        join(real, 'sub')
      );
      await expect(service.confine('inside-link')).resolves.toBe(
        join(real, 'sub')
      );
    });

    it.each([
      ['..', 'outside'],
      ['../outside', 'outside'],
      ['sub/../../outside', 'outside'],
      ['/etc', 'outside'],
      ['escape', 'outside'],
      ['missing', 'does not exist'],
      ['file.txt', 'not a folder']
    ])('refuses %j (%s)', async (cwd, why) => {
      const e = await refusal(service.confine(cwd));
      expect(e.statusCode).toBe(400);
      expect(e.code).toBe('BAD_CWD');
      expect(e.message).toContain(why);
    });

    it('refuses an absolute path that is the outside folder', async () => {
      const e = await refusal(service.confine(outside));
      expect(e.code).toBe('BAD_CWD');
    });
  });

  describe('submit', () => {
    beforeEach(() => {
      exec.reply = command =>
        command === 'sbatch' ? { stdout: '4242\n' } : {};
    });

    it('normalises line endings and sends the script on stdin', async () => {
      const answer = await service.submit({
        script: '#!/bin/bash\r\n#SBATCH -n1\r\necho hi\r\n'
      });
      expect(answer).toEqual({ jobId: '4242', warnings: [] });
      const [call] = exec.calls;
      expect(call.command).toBe('sbatch');
      expect(call.args).toEqual([
        '--parsable',
        `--chdir=${realpathSync(root)}`
      ]);
      expect(call.options.input).toBe('#!/bin/bash\n#SBATCH -n1\necho hi\n');
      expect(call.options.cwd).toBe(realpathSync(root));
    });

    it('applies a profile, and the request options win over it', async () => {
      await service.submit({
        script: '#!/bin/bash\necho hi\n',
        cwd: 'sub',
        profile: 'Debug',
        options: { time: '00:05:00', name: 'x' }
      });
      const [call] = exec.calls;
      expect(call.args).toEqual([
        '--parsable',
        `--chdir=${join(realpathSync(root), 'sub')}`,
        '--partition=debug',
        '--time=00:05:00',
        '--cpus-per-task=2',
        '--job-name=x'
      ]);
      expect(call.options.input).toBe(
        '#!/bin/bash\n#SBATCH --comment=from-profile\necho hi\n'
      );
    });

    it('reads "id;cluster" and passes warnings on', async () => {
      exec.reply = () => ({
        stdout: '77;c2\n',
        stderr: 'sbatch: warning: something to know\n'
      });
      await expect(
        service.submit({ script: '#!/bin/sh\ntrue\n' })
      ).resolves.toEqual({
        jobId: '77',
        cluster: 'c2',
        warnings: ['sbatch: warning: something to know']
      });
    });

    it.each([
      [{ script: 'echo no shebang\n' }, 'NOT_A_BATCH_SCRIPT'],
      [{ script: '\n#!/bin/bash\n' }, 'NOT_A_BATCH_SCRIPT'],
      [{ script: '#!/bin/bash\n', cwd: '..' }, 'BAD_CWD'],
      [{ script: '#!/bin/bash\n', cwd: 'escape' }, 'BAD_CWD'],
      [{ script: '#!/bin/bash\n', profile: 'Nope' }, 'UNKNOWN_PROFILE']
    ])('refuses %j with %s before running anything', async (request, code) => {
      const e = await refusal(service.submit(request));
      expect(e.statusCode).toBe(400);
      expect(e.code).toBe(code);
      expect(exec.calls).toEqual([]);
    });

    it("reports sbatch's refusal in Slurm's words", async () => {
      exec.reply = () => ({
        code: 1,
        stderr:
          'sbatch: error: invalid partition specified: nosuch\nsbatch: error: Batch job submission failed: Invalid partition name specified\n'
      });
      const e = await refusal(
        service.submit({
          script: '#!/bin/bash\n',
          options: { partition: 'nosuch' }
        })
      );
      expect(e.statusCode).toBe(400);
      expect(e.code).toBe('SBATCH_REJECTED');
      expect(e.message).toContain('invalid partition specified: nosuch');
      expect(e.message).toContain('Invalid partition name specified');
    });

    it('turns an unreachable controller into 503', async () => {
      exec.reply = () => ({
        code: 1,
        stderr:
          'sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)\n'
      });
      const e = await refusal(service.submit({ script: '#!/bin/bash\n' }));
      expect(e.statusCode).toBe(503);
      expect(e.code).toBe('SLURM_CONTROLLER_DOWN');
    });
  });

  describe('detail', () => {
    it('answers 404 JOB_NOT_FOUND for an id Slurm does not know', async () => {
      exec.reply = () => ({
        code: 1,
        stderr: 'slurm_load_jobs error: Invalid job id specified\n'
      });
      const e = await refusal(service.detail('99999'));
      expect(e.statusCode).toBe(404);
      expect(e.code).toBe('JOB_NOT_FOUND');
      expect(e.message).toContain('Invalid job id specified');
      expect(exec.calls[0].args).toEqual(['-o', 'show', 'job', '99999']);
    });

    it('summarises the first record and keeps every field', async () => {
      exec.reply = () => ({
        stdout:
          'JobId=5 JobName=a b UserId=alice(1001) GroupId=alice(1001) JobState=PENDING Reason=Priority WorkDir=/w StdErr=/w/e.txt StdOut=/w/o.txt Power=\n'
      });
      const d = await service.detail('5');
      expect(d).toMatchObject({
        jobId: '5',
        state: 'PENDING',
        reason: 'Priority',
        workDir: '/w',
        stdout: '/w/o.txt',
        stderr: '/w/e.txt'
      });
      expect((d.fields as Record<string, string>).JobName).toBe('a b');
      expect(d.records).toBeUndefined();
    });
  });

  it('turns a missing command into 503 SLURM_UNAVAILABLE', async () => {
    exec.reply = () =>
      new SpawnError('sinfo', 'ENOENT', 'sinfo: command not found');
    const e = await refusal(service.partitions());
    expect(e.statusCode).toBe(503);
    expect(e.code).toBe('SLURM_UNAVAILABLE');
  });

  it('lists the profiles of the configuration', () => {
    expect(service.profiles().map(p => p.name)).toEqual(['Debug']);
  });
});
