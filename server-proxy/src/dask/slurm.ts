/**
 * The Slurm backend: the scheduler as one job, workers as job arrays that
 * start after it (slurm-scripts.ts), all tagged with the cluster id in their
 * names so that squeue finds them again after a restart and `stop` can make
 * sure none is left. Commands go through the Executor (no shell); the
 * scripts reach sbatch on stdin.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { IHpcConfig } from '../config';
import { Executor, IRunResult, lastLine } from '../exec';
import { tailFile } from './local';
import { until } from './procs';
import { jobName, schedulerScript, workerScript } from './slurm-scripts';
import type {
  IClusterJob,
  IClusterPreview,
  IClusterRecord,
  IClusterWorker,
  IDaskBackend
} from './types';

/** Queue states in which a job still holds (or waits for) its allocation. */
const LIVE = new Set([
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'SUSPENDED',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT'
]);

export interface ISlurmBackendOptions {
  /** How long `stop` waits for the jobs to leave the queue. */
  stopTimeoutMs?: number;
  /** The user whose jobs these are (default: the server's user). */
  user?: string;
}

/** Slurm's own sentence from a failed command's output. */
function slurmSentence(run: IRunResult, command: string): string {
  const lines = `${run.stderr}`
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean)
    .map(l => l.replace(/^(sbatch|squeue|scancel): error: /, ''));
  return (
    lines.join(' ') ||
    lastLine(run) ||
    `${command} exited with status ${run.code}`
  );
}

/** One `squeue -r` line: `id|name|state|reason`. */
export function parseJobLines(stdout: string, id: string): IClusterJob[] {
  const scheduler = jobName(id, 'scheduler');
  const jobs: IClusterJob[] = [];
  for (const line of stdout.split('\n')) {
    const [jobId, name, state, reason] = line.trim().split('|');
    if (!jobId || !state) {
      continue;
    }
    const job: IClusterJob = {
      jobId,
      role: name === scheduler ? 'scheduler' : 'worker',
      state
    };
    if (state === 'PENDING' && reason && reason !== 'None') {
      job.reason = reason;
    }
    if (job.role === 'worker' && state === 'RUNNING') {
      job.workerName = `${id}-${jobId}`;
    }
    jobs.push(job);
  }
  return jobs;
}

export class SlurmDaskBackend implements IDaskBackend {
  constructor(
    private readonly _executor: Executor,
    private readonly _config: IHpcConfig['dask'],
    options: ISlurmBackendOptions = {}
  ) {
    this._stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
    this._user = options.user ?? userInfo().username;
  }

  preview(record: IClusterRecord): IClusterPreview {
    const after = record.schedulerJobId ?? '<scheduler job>';
    return {
      scheduler: {
        argv: ['sbatch', '--parsable'],
        script: schedulerScript(record, this._config)
      },
      worker: {
        argv: [
          'sbatch',
          '--parsable',
          `--dependency=after:${after}`,
          `--array=0-${Math.max(0, record.requested - 1)}`
        ],
        script: workerScript(record, this._config)
      }
    };
  }

  async start(record: IClusterRecord): Promise<void> {
    record.workerJobIds = [];
    record.schedulerJobId = await this._sbatch(
      record,
      [],
      schedulerScript(record, this._config)
    );
    try {
      await this._grow(record, record.requested);
    } catch (e) {
      // Never a scheduler job without its workers' cluster around it.
      await this._scancel([record.schedulerJobId]).catch(() => undefined);
      throw e;
    }
  }

  async scale(
    record: IClusterRecord,
    n: number,
    _current: IClusterWorker[]
  ): Promise<void> {
    // Jobs that ended by themselves (walltime, a crash) don't count.
    const live = new Set((await this._queue(record)).map(j => j.jobId));
    const ids = (record.workerJobIds ?? []).filter(id => live.has(id));
    record.workerJobIds = ids;
    if (n > ids.length) {
      await this._grow(record, n);
      return;
    }
    // The newest first (the service retired their workers already); they
    // are also the likeliest to be still pending.
    const leaving = ids.splice(n);
    record.workerJobIds = ids;
    await this._scancel(leaving);
  }

  async stop(record: IClusterRecord): Promise<void> {
    // The scheduler first: its workers close with it (dask-anchors §7.4);
    // then every job of the cluster by id, and by name for any id that was
    // never recorded (the server killed between sbatch and saving).
    if (record.schedulerJobId) {
      await this._scancel([record.schedulerJobId]);
    }
    await this._scancel(record.workerJobIds ?? []);
    await this._scancelByName(record);
    const gone = await until(
      async () => {
        try {
          return (await this._queue(record)).length === 0;
        } catch {
          return false;
        }
      },
      this._stopTimeoutMs,
      500
    );
    if (!gone) {
      const left = (await this._queue(record)).map(j => j.jobId);
      throw new Error(
        `Slurm still lists job(s) ${left.join(', ')} of cluster ${record.id}; cancel them with scancel.`
      );
    }
  }

  async alive(record: IClusterRecord): Promise<boolean> {
    if (!record.schedulerJobId) {
      return false;
    }
    const jobs = await this._queue(record);
    return jobs.some(
      j => j.jobId === record.schedulerJobId && LIVE.has(j.state)
    );
  }

  async jobs(record: IClusterRecord): Promise<IClusterJob[]> {
    return this._queue(record);
  }

  async logTail(record: IClusterRecord, lines: number): Promise<string[]> {
    if (!record.schedulerJobId) {
      return [];
    }
    return tailFile(
      join(record.dir, `scheduler-${record.schedulerJobId}.log`),
      lines
    );
  }

  /** Submits one worker array for the missing `n - ids` workers. */
  private async _grow(record: IClusterRecord, n: number): Promise<void> {
    const ids = record.workerJobIds ?? [];
    record.workerJobIds = ids;
    const count = n - ids.length;
    if (count <= 0) {
      return;
    }
    const arrayId = await this._sbatch(
      record,
      [`--dependency=after:${record.schedulerJobId}`, `--array=0-${count - 1}`],
      workerScript(record, this._config)
    );
    for (let i = 0; i < count; i++) {
      ids.push(`${arrayId}_${i}`);
    }
  }

  /** `sbatch --parsable` with the script on stdin → the job id. */
  private async _sbatch(
    record: IClusterRecord,
    args: string[],
    script: string
  ): Promise<string> {
    const run = await this._executor.run('sbatch', ['--parsable', ...args], {
      input: script,
      cwd: record.dir,
      timeoutMs: 60_000
    });
    const jobId = run.stdout.trim().split(';')[0];
    if (run.code !== 0 || !/^\d+$/.test(jobId)) {
      throw new Error(`Slurm refused the job: ${slurmSentence(run, 'sbatch')}`);
    }
    return jobId;
  }

  private async _scancel(ids: string[]): Promise<void> {
    if (!ids.length) {
      return;
    }
    const run = await this._executor.run('scancel', ids, { timeoutMs: 60_000 });
    // A job that already ended is "Invalid job id specified": fine here.
    if (
      run.code !== 0 &&
      !/Invalid job id specified|Job has already finished|already completing/i.test(
        run.stderr
      )
    ) {
      throw new Error(`scancel failed: ${slurmSentence(run, 'scancel')}`);
    }
  }

  private async _scancelByName(record: IClusterRecord): Promise<void> {
    const run = await this._executor.run(
      'scancel',
      [
        `--user=${this._user}`,
        `--name=${jobName(record.id, 'scheduler')},${jobName(record.id, 'worker')}`
      ],
      { timeoutMs: 60_000 }
    );
    if (run.code !== 0) {
      throw new Error(`scancel failed: ${slurmSentence(run, 'scancel')}`);
    }
  }

  /**
   * The cluster's jobs still in the queue, one line per array task. Throws
   * when squeue fails (controller down): "no jobs" must never be guessed.
   */
  private async _queue(record: IClusterRecord): Promise<IClusterJob[]> {
    const run = await this._executor.run(
      'squeue',
      [
        '--noheader',
        '--array',
        `--user=${this._user}`,
        `--name=${jobName(record.id, 'scheduler')},${jobName(record.id, 'worker')}`,
        '--format=%i|%j|%T|%r'
      ],
      { timeoutMs: 30_000 }
    );
    if (run.code !== 0) {
      throw new Error(`squeue failed: ${slurmSentence(run, 'squeue')}`);
    }
    return parseJobLines(run.stdout, record.id);
  }

  private _stopTimeoutMs: number;
  private _user: string;
}
