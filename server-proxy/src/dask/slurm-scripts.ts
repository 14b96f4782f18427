/**
 * The job scripts of a Dask cluster on Slurm (the scheduler-file pattern of
 * dask-anchors §7.1): one scheduler job, and worker jobs as job arrays that
 * start once the scheduler job has started (`--dependency=after:`). Workers
 * find the scheduler through the scheduler file in the cluster's directory,
 * which must be on a file system the compute nodes see (the user's home).
 * The scripts are run by Slurm's bash on the node, never by this server.
 */
import type { IHpcConfig } from '../config';
import { SCHEDULER_HTTP_ROUTES } from './local';
import type { IClusterRecord } from './types';
import {
  daskMemory,
  parseMemory,
  parseWalltime,
  slurmMemory,
  slurmWalltime
} from './units';

/** The prefix of every job name of cluster `id` (`dask-<id>-scheduler`...). */
export function jobName(id: string, role: 'scheduler' | 'worker'): string {
  return `dask-${id}-${role}`;
}

/** The `--comment` that tags a cluster's jobs (found again with squeue %k). */
export function jobComment(id: string): string {
  return `jupyterlab-hpc-dask:${id}`;
}

/** A word for bash, single-quoted unless it is plainly safe. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word)
    ? word
    : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * A value in a `#SBATCH` line: Slurm splits those lines at white space and
 * has no quoting a user could rely on, so anything else is refused.
 */
function directiveValue(value: string, what: string): string {
  if (!/^[A-Za-z0-9_./:=@%+,~-]+$/.test(value)) {
    throw new Error(
      `The ${what} "${value}" can't go into a job script (spaces or special characters): ` +
        'set dask.stateDir in the server configuration to a plain path.'
    );
  }
  return value;
}

/** What both scripts need, resolved from the spec and the site defaults. */
export interface IJobSizes {
  walltimeSeconds: number;
  threads: number;
  /** Slurm's `--mem` of a worker job and Dask's limit inside it. */
  workerMemBytes: number;
  daskLimitBytes: number;
  schedulerMemBytes: number;
  partition: string | null;
  account: string | null;
}

export function jobSizes(
  record: IClusterRecord,
  config: IHpcConfig['dask']
): IJobSizes {
  const spec = record.spec;
  const d = config.slurmDefaults;
  const workerMem =
    spec?.memoryPerWorkerBytes ?? parseMemory(d.memoryPerWorker);
  return {
    walltimeSeconds: spec?.walltimeSeconds ?? parseWalltime(d.walltime),
    threads: spec?.threadsPerWorker ?? d.threadsPerWorker,
    workerMemBytes: workerMem,
    // The nanny restarts a worker at its limit: leave Slurm's OOM killer a
    // margin so that Dask, not Slurm, handles a worker that grows too big.
    daskLimitBytes: Math.floor(workerMem * 0.95),
    schedulerMemBytes: parseMemory(d.schedulerMemory),
    partition: spec?.partition ?? d.partition,
    account: spec?.account ?? d.account
  };
}

/**
 * `--lifetime` a little under the walltime, so that workers retire (moving
 * their data) before Slurm kills them; none for walltimes under 3 minutes.
 */
export function lifetime(walltimeSeconds: number): string[] {
  if (walltimeSeconds < 180) {
    return [];
  }
  const margin = Math.min(600, Math.max(60, Math.round(walltimeSeconds * 0.1)));
  const stagger = Math.min(60, Math.round(margin / 4));
  return [
    '--lifetime',
    `${walltimeSeconds - margin}s`,
    '--lifetime-stagger',
    `${stagger}s`
  ];
}

function header(
  record: IClusterRecord,
  role: 'scheduler' | 'worker',
  sizes: IJobSizes,
  cpus: number,
  memBytes: number
): string[] {
  const dir = directiveValue(record.dir, 'cluster directory');
  const log = role === 'scheduler' ? 'scheduler-%j.log' : 'worker-%A_%a.log';
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${jobName(record.id, role)}`,
    `#SBATCH --comment=${jobComment(record.id)}`,
    `#SBATCH --output=${dir}/${log}`,
    ...(sizes.partition ? [`#SBATCH --partition=${sizes.partition}`] : []),
    ...(sizes.account ? [`#SBATCH --account=${sizes.account}`] : []),
    '#SBATCH --ntasks=1',
    '#SBATCH --nodes=1',
    `#SBATCH --cpus-per-task=${cpus}`,
    `#SBATCH --mem=${slurmMemory(memBytes)}`,
    `#SBATCH --time=${slurmWalltime(sizes.walltimeSeconds)}`
  ];
}

function python(
  config: IHpcConfig['dask'],
  role: 'scheduler' | 'worker'
): string[] {
  const command =
    role === 'scheduler' ? config.schedulerCommand : config.workerCommand;
  return (
    command ?? [
      config.python,
      '-m',
      role === 'scheduler'
        ? 'distributed.cli.dask_scheduler'
        : 'distributed.cli.dask_worker'
    ]
  );
}

/** The common middle: the site's prologue, then Dask's HTTP routes. */
function prologue(config: IHpcConfig['dask']): string[] {
  return [
    ...config.slurmDefaults.prologue,
    '# The scheduler HTTP API (retire_workers) on top of the default routes.',
    `export DASK_DISTRIBUTED__SCHEDULER__HTTP__ROUTES=${shellQuote(JSON.stringify(SCHEDULER_HTTP_ROUTES))}`
  ];
}

export function schedulerScript(
  record: IClusterRecord,
  config: IHpcConfig['dask']
): string {
  const sizes = jobSizes(record, config);
  const iface = config.slurmDefaults.interface;
  const argv = [
    ...python(config, 'scheduler'),
    '--scheduler-file',
    record.schedulerFile,
    '--port',
    '0',
    '--dashboard-address',
    ':0'
  ].map(shellQuote);
  // The address workers and this server reach: the named interface, or the
  // node's name as the cluster resolves it.
  const host = iface
    ? ['--interface', shellQuote(iface)]
    : ['--host', '"$(hostname)"'];
  return [
    ...header(record, 'scheduler', sizes, 1, sizes.schedulerMemBytes),
    ...prologue(config),
    `exec ${[...argv, ...host].join(' ')}`,
    ''
  ].join('\n');
}

export function workerScript(
  record: IClusterRecord,
  config: IHpcConfig['dask']
): string {
  const sizes = jobSizes(record, config);
  const iface = config.slurmDefaults.interface;
  const argv = [
    ...python(config, 'worker'),
    '--scheduler-file',
    record.schedulerFile,
    '--nthreads',
    String(sizes.threads),
    '--memory-limit',
    daskMemory(sizes.daskLimitBytes),
    '--nanny',
    '--death-timeout',
    String(config.deathTimeoutSeconds),
    ...lifetime(sizes.walltimeSeconds),
    ...(iface ? ['--interface', iface] : [])
  ].map(shellQuote);
  // `<id>-<array>_<task>`: the name the service maps back to the job.
  const name = `--name ${shellQuote(record.id)}-"$SLURM_ARRAY_JOB_ID"_"$SLURM_ARRAY_TASK_ID"`;
  const local = `--local-directory "\${TMPDIR:-/tmp}"/dask-${record.id}-"$SLURM_JOB_ID"`;
  return [
    ...header(record, 'worker', sizes, sizes.threads, sizes.workerMemBytes),
    ...prologue(config),
    `exec ${[...argv, name, local].join(' ')}`,
    ''
  ].join('\n');
}
