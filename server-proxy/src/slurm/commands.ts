/**
 * Argument arrays for the Slurm commands (pure: tested without Slurm).
 * Never a shell, never user text as an option: user values always follow
 * their option inside one argument (`--job-name=...`).
 */
import { FIELD, RECORD, SACCT_FIELDS, SQUEUE_FIELDS } from './parse';

export type Scope = 'mine' | 'all';

export function squeueArgs(scope: Scope, cluster?: string): string[] {
  const format = SQUEUE_FIELDS.map(
    (f, i) => `${f}:${i === SQUEUE_FIELDS.length - 1 ? RECORD : FIELD}`
  ).join(',');
  return [
    '--noheader',
    '--all', // hidden partitions too: they are the user's jobs all the same
    ...(scope === 'mine' ? ['--me'] : []),
    ...(cluster ? [`--clusters=${cluster}`] : []),
    `--Format=${format}`
  ];
}

export function scontrolShowJobArgs(id: string, cluster?: string): string[] {
  return [
    '-o',
    ...(cluster ? [`--clusters=${cluster}`] : []),
    'show',
    'job',
    id
  ];
}

export type Action = 'cancel' | 'hold' | 'release' | 'requeue';

/** One command per id, so one refusal never aborts the others. */
export function actionCommand(
  action: Action,
  id: string,
  cluster?: string
): [string, string[]] {
  const clusters = cluster ? [`--clusters=${cluster}`] : [];
  if (action === 'cancel') {
    // -v: without it scancel is silent (and exits 0) for an unknown job.
    return ['scancel', [...clusters, '-v', id]];
  }
  return ['scontrol', [...clusters, action, id]];
}

export function sacctArgs(days: number): string[] {
  return [
    '-X',
    '-n',
    '-P',
    `--delimiter=${FIELD}`,
    `--starttime=now-${days}days`,
    `--format=${SACCT_FIELDS.join(',')}`
  ];
}

export function sinfoArgs(): string[] {
  return ['-h', '-s', '-o', ['%P', '%a', '%F', '%C', '%G', '%l'].join(FIELD)];
}

/** A submission's options (form or profile), see `sbatchArgs`. */
export interface ISubmitOptions {
  partition?: string;
  account?: string;
  qos?: string;
  time?: string;
  nodes?: number;
  cpusPerTask?: number;
  mem?: string;
  gpus?: number;
  name?: string;
}

/** sbatch options, each value inside its own `--option=value` argument. */
export function optionArgs(o: ISubmitOptions): string[] {
  const args: string[] = [];
  const add = (flag: string, value: string | number | undefined): void => {
    if (value !== undefined && value !== '') {
      args.push(`--${flag}=${value}`);
    }
  };
  add('partition', o.partition);
  add('account', o.account);
  add('qos', o.qos);
  add('time', o.time);
  add('nodes', o.nodes);
  add('cpus-per-task', o.cpusPerTask);
  add('mem', o.mem);
  add('gpus', o.gpus || undefined);
  add('job-name', o.name);
  return args;
}

/**
 * `sbatch` reading the script on stdin, in `cwd` (an absolute folder already
 * confined to the root): it prints "id[;cluster]".
 */
export function sbatchArgs(cwd: string, options: ISubmitOptions): string[] {
  return ['--parsable', `--chdir=${cwd}`, ...optionArgs(options)];
}
