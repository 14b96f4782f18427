/**
 * The Slurm feature: queue pollers, job details, actions, submission,
 * output, history, partitions. Commands via the exec module only.
 */
import { open, realpath, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { IHpcConfig, IProfile } from '../config';
import { errors, HpcError } from '../errors';
import { Executor, IRunResult, lastLine, SpawnError } from '../exec';
import { parseScontrolConfig } from '../capabilities';
import {
  Action,
  actionCommand,
  ISubmitOptions,
  sacctArgs,
  sbatchArgs,
  scontrolShowJobArgs,
  Scope,
  sinfoArgs
} from './commands';
import { withoutThrottle } from './ids';
import {
  IHistoryJob,
  IPartition,
  parseJobcomp,
  parseSacct,
  parseScontrolJobs,
  parseSinfo
} from './parse';
import { rootRelative } from './paths';
import { IQueueAnswer, QueuePoller, squeueError } from './queue';

/** The body of `POST api/slurm/jobs` and of its preview. */
export interface ISubmitRequest {
  script: string;
  cwd?: string;
  profile?: string;
  options?: ISubmitOptions;
}

/** What a submission runs: the final script (stdin) and sbatch's arguments. */
export interface IPreparedSubmission {
  script: string;
  args: string[];
  cwd: string;
}

export interface IActionResult {
  jobId: string;
  ok: boolean;
  message?: string;
}

/** Slurm's message for one id, without the command's prefix. */
function slurmMessage(run: IRunResult): string {
  const lines = `${run.stderr}\n${run.stdout}`
    .split('\n')
    .map(l => l.trim())
    .filter(
      l =>
        l &&
        !/^scancel: Terminating job/.test(l) &&
        !/^slurm_suspend error/.test(l)
    );
  const last = lines.pop() ?? '';
  return last
    .replace(/^scancel: error: Kill job error on job id \S+: /, '')
    .replace(/^scancel: error: /, '')
    .replace(/ for job \S+$/, '');
}

/** Fails a run whose output says the controller is down with 503. */
function controllerDown(run: IRunResult): HpcError | null {
  const text = `${run.stderr}\n${run.stdout}`;
  if (run.timedOut || /Unable to contact slurm controller/.test(text)) {
    const e = squeueError(lastLine(run) || 'timed out');
    return errors.unavailable(e.message, e.code);
  }
  return null;
}

export class SlurmService {
  constructor(
    private readonly _exec: Executor,
    private readonly _config: IHpcConfig,
    private readonly _root: string
  ) {}

  /** The shared poller of one (scope, cluster). */
  poller(scope: Scope, cluster?: string): QueuePoller {
    const key = `${scope}\0${cluster ?? ''}`;
    let p = this._pollers.get(key);
    if (!p) {
      p = new QueuePoller({
        executor: this._exec,
        scope,
        cluster,
        pollSeconds: Math.max(
          this._config.slurm.pollSeconds,
          this._config.slurm.minPollSeconds
        )
      });
      this._pollers.set(key, p);
    }
    return p;
  }

  queue(scope: Scope, cluster?: string): Promise<IQueueAnswer> {
    return this.poller(scope, cluster).get();
  }

  private _acted(): void {
    for (const p of this._pollers.values()) {
      p.invalidate();
    }
  }

  async detail(
    jobId: string,
    cluster?: string
  ): Promise<Record<string, unknown>> {
    const run = await this._run(
      'scontrol',
      scontrolShowJobArgs(jobId, cluster)
    );
    const down = controllerDown(run);
    if (down) {
      throw down;
    }
    const records = parseScontrolJobs(run.stdout);
    if (run.code !== 0 || !records.length) {
      throw errors.notFound(
        `Slurm does not know job ${jobId}: ${slurmMessage(run) || 'no such job'} (finished jobs leave the queue after a few minutes; see the history).`,
        'JOB_NOT_FOUND'
      );
    }
    const fields = records[0];
    const workDir = fields.WorkDir || null;
    const stdout = fields.StdOut || null;
    const stderr = fields.StdErr || null;
    // Relative to the root, for Jupyter's file browser and editors.
    const [workDirPath, stdOutPath, stdErrPath] = await Promise.all(
      [workDir, stdout, stderr].map(p => rootRelative(this._root, p))
    );
    return {
      jobId: fields.JobId ?? jobId,
      fields,
      state: fields.JobState ?? '',
      reason: fields.Reason && fields.Reason !== 'None' ? fields.Reason : null,
      workDir,
      stdout,
      stderr,
      workDirPath,
      stdOutPath,
      stdErrPath,
      // Array tasks and het parts come as several records.
      records: records.length > 1 ? records : undefined
    };
  }

  async act(
    action: Action,
    ids: string[],
    cluster?: string
  ): Promise<IActionResult[]> {
    const results = await Promise.all(
      ids.map(async (jobId): Promise<IActionResult> => {
        const target = action === 'cancel' ? withoutThrottle(jobId) : jobId;
        const [command, args] = actionCommand(action, target, cluster);
        let run: IRunResult;
        try {
          run = await this._run(command, args);
        } catch (e) {
          return { jobId, ok: false, message: (e as Error).message };
        }
        const message = slurmMessage(run);
        // scancel -v reports errors with exit 0 (e.g. an unknown job id).
        const failed =
          run.code !== 0 || run.timedOut || /error/i.test(run.stderr);
        return failed
          ? {
              jobId,
              ok: false,
              message: message || `${command} exited with status ${run.code}`
            }
          : { jobId, ok: true };
      })
    );
    this._acted();
    return results;
  }

  profiles(): IProfile[] {
    return this._config.slurm.profiles;
  }

  /** Resolves `cwd` (relative to the root) and refuses anything outside it. */
  async confine(cwd: string | undefined): Promise<string> {
    const root = await realpath(this._root);
    const wanted = resolve(root, cwd ?? '.');
    let real: string;
    try {
      real = await realpath(wanted);
    } catch {
      throw errors.badRequest(`The folder "${cwd}" does not exist.`, 'BAD_CWD');
    }
    const rel = relative(root, real);
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw errors.badRequest(
        `The folder "${cwd}" is outside your Jupyter root: jobs can only be submitted from inside it.`,
        'BAD_CWD'
      );
    }
    if (!(await stat(real)).isDirectory()) {
      throw errors.badRequest(`"${cwd}" is not a folder.`, 'BAD_CWD');
    }
    return real;
  }

  /**
   * Validates a submission and builds exactly what `submit` runs, running
   * nothing: the script with the profile applied and sbatch's arguments.
   * Submit and preview both go through here, so a preview is never a guess.
   */
  async prepare(request: ISubmitRequest): Promise<IPreparedSubmission> {
    let script = request.script.replace(/\r\n?/g, '\n');
    if (!script.startsWith('#!')) {
      throw errors.badRequest(
        'This is not a batch script: its first line must start with #! and an interpreter, e.g. #!/bin/bash',
        'NOT_A_BATCH_SCRIPT'
      );
    }
    const cwd = await this.confine(request.cwd);
    let profile: IProfile | undefined;
    if (request.profile !== undefined) {
      profile = this._config.slurm.profiles.find(
        p => p.name === request.profile
      );
      if (!profile) {
        throw errors.badRequest(
          `There is no submission profile named "${request.profile}".`,
          'UNKNOWN_PROFILE'
        );
      }
      script = applyProfileToScript(script, profile);
    }
    const args = sbatchArgs(cwd, {
      ...profileOptions(profile),
      ...request.options
    });
    return { script, args, cwd };
  }

  /** `POST api/slurm/jobs/preview`: what a submission would run, as argv. */
  async preview(
    request: ISubmitRequest
  ): Promise<{ script: string; argv: string[] }> {
    const { script, args } = await this.prepare(request);
    return { script, argv: ['sbatch', ...args] };
  }

  async submit(
    request: ISubmitRequest
  ): Promise<{ jobId: string; cluster?: string; warnings: string[] }> {
    const { script, args, cwd } = await this.prepare(request);
    const run = await this._run('sbatch', args, { input: script, cwd });
    const down = controllerDown(run);
    if (down) {
      throw down;
    }
    const warnings = run.stderr
      .split('\n')
      .map(l => l.trim())
      .filter(l => l && !/^sbatch: error:/.test(l));
    if (run.code !== 0) {
      const problems = run.stderr
        .split('\n')
        .filter(l => /^sbatch: error:/.test(l))
        .map(l => l.replace(/^sbatch: error: /, '').trim());
      throw errors.badRequest(
        `Slurm refused the job: ${problems.join(' ') || lastLine(run) || `sbatch exited with status ${run.code}`}`,
        'SBATCH_REJECTED'
      );
    }
    const [jobId, cluster] = run.stdout.trim().split(';');
    this._acted();
    return { jobId, ...(cluster ? { cluster } : {}), warnings };
  }

  /** Up to `max` bytes of the job's output file from `offset`. */
  async output(
    jobId: string,
    stream: 'stdout' | 'stderr',
    offset: number,
    max = 256 << 10
  ): Promise<{ text: string; nextOffset: number; path: string; size: number }> {
    const detail = await this.detail(jobId);
    const path = detail[stream] as string | null;
    if (!path) {
      throw errors.notFound(`Job ${jobId} has no ${stream} file.`, 'NO_OUTPUT');
    }
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw errors.notFound(
        code === 'ENOENT'
          ? `${path} does not exist yet: the job has not started writing (state ${String(detail.state)}).`
          : `${path} cannot be read: ${(e as Error).message}`,
        'OUTPUT_NOT_READABLE'
      );
    }
    try {
      const buffer = Buffer.alloc(max);
      const { bytesRead } = await handle.read(buffer, 0, max, offset);
      // The size lets a client start a long file near its end.
      const { size } = await handle.stat();
      return {
        text: buffer.subarray(0, bytesRead).toString('utf8'),
        nextOffset: offset + bytesRead,
        path,
        size: Math.max(size, offset + bytesRead)
      };
    } finally {
      await handle.close();
    }
  }

  async history(
    days: number
  ): Promise<{ jobs: IHistoryJob[]; source: 'sacct' | 'jobcomp' }> {
    const conf = await this._slurmConfig();
    const storage = conf.get('AccountingStorageType') ?? '';
    if (storage && !storage.endsWith('/none')) {
      const run = await this._run('sacct', sacctArgs(days), {
        maxOutputBytes: 64 << 20
      });
      if (run.code === 0 && !run.timedOut) {
        return { jobs: parseSacct(run.stdout), source: 'sacct' };
      }
    }
    const jobcomp =
      conf.get('JobCompType') === 'jobcomp/filetxt'
        ? conf.get('JobCompLoc')
        : undefined;
    if (jobcomp) {
      try {
        return { jobs: await readJobcomp(jobcomp, days), source: 'jobcomp' };
      } catch {
        // unreadable: fall through to the explanation
      }
    }
    throw errors.unavailable(
      'Job history needs Slurm accounting (slurmdbd), which is not enabled on this cluster; the queue still works.',
      'ACCOUNTING_DISABLED'
    );
  }

  async partitions(): Promise<IPartition[]> {
    const run = await this._run('sinfo', sinfoArgs());
    const down = controllerDown(run);
    if (down) {
      throw down;
    }
    if (run.code !== 0) {
      throw errors.commandFailed(`sinfo failed: ${lastLine(run)}`);
    }
    return parseSinfo(run.stdout);
  }

  private async _slurmConfig(): Promise<Map<string, string>> {
    if (!this._conf || Date.now() - this._confAt > 300_000) {
      const run = await this._run('scontrol', ['show', 'config']);
      const down = controllerDown(run);
      if (down) {
        throw down;
      }
      this._conf = parseScontrolConfig(run.stdout);
      this._confAt = Date.now();
    }
    return this._conf;
  }

  private async _run(
    command: string,
    args: string[],
    options: { input?: string; cwd?: string; maxOutputBytes?: number } = {}
  ): Promise<IRunResult> {
    try {
      return await this._exec.run(command, args, {
        timeoutMs: 30_000,
        ...options
      });
    } catch (e) {
      if (e instanceof SpawnError) {
        throw errors.unavailable(
          `Slurm is not available here: ${e.message}`,
          'SLURM_UNAVAILABLE'
        );
      }
      throw e;
    }
  }

  private _pollers = new Map<string, QueuePoller>();
  private _conf: Map<string, string> | null = null;
  private _confAt = 0;
}

function profileOptions(profile?: IProfile): ISubmitOptions {
  if (!profile) {
    return {};
  }
  return {
    partition: profile.partition,
    account: profile.account,
    qos: profile.qos,
    time: profile.time,
    nodes: profile.nodes,
    cpusPerTask: profile.cpus,
    mem: profile.memory,
    gpus: profile.gpus
  };
}

/** Adds a profile's #SBATCH directives after the #! line and its module loads after the header. */
export function applyProfileToScript(
  script: string,
  profile: IProfile
): string {
  const lines = script.split('\n');
  const shebang = lines.shift() ?? '#!/bin/bash';
  let header = 0;
  while (header < lines.length && /^\s*(#|$)/.test(lines[header])) {
    header++;
  }
  const modules = (profile.modules ?? []).map(m => `module load ${m}`);
  return [
    shebang,
    ...(profile.directives ?? []),
    ...lines.slice(0, header),
    ...modules,
    ...lines.slice(header)
  ].join('\n');
}

async function readJobcomp(file: string, days: number): Promise<IHistoryJob[]> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(file, 'utf8');
  const me = userInfo().username;
  const since = Date.now() - days * 86400_000;
  return parseJobcomp(text)
    .filter(j => j.user === me)
    .filter(j => !j.endTime || Date.parse(j.endTime) >= since)
    .reverse();
}
