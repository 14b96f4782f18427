/**
 * The submit form's logic as pure functions: its fields checked the way the
 * server checks them (so mistakes show beside the field, before any
 * request), the request built from them, and errors explained with what to
 * do next.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { HpcRequestError } from '../../request';
import { formatDuration } from '../jobs';
import type {
  IPartition,
  IProfile,
  ISubmitOptions,
  ISubmitRequest
} from './api';

/** The form's fields as typed (text); '' means "not set". */
export interface IFormValues {
  profile: string;
  partition: string;
  account: string;
  qos: string;
  time: string;
  nodes: string;
  cpus: string;
  mem: string;
  gpus: string;
  name: string;
}

export type FieldName = keyof IFormValues;

/** A message per field that is wrong. */
export type FieldErrors = Partial<Record<FieldName, string>>;

export const EMPTY_VALUES: IFormValues = {
  profile: '',
  partition: '',
  account: '',
  qos: '',
  time: '',
  nodes: '',
  cpus: '',
  mem: '',
  gpus: '',
  name: ''
};

/** What a new script starts from (the palette's "New Slurm Job"). */
export const SCRIPT_TEMPLATE = `#!/bin/bash
#SBATCH --output=slurm-%j.out

echo "Job $SLURM_JOB_ID on $(hostname)"
`;

/** Files offered "Submit as Slurm Job" in the file browser. */
export function isBatchScriptPath(path: string): boolean {
  return /\.(sh|sbatch|slurm)$/i.test(path);
}

const SLURM_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
// minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS (sbatch --time)
const TIME = /^(\d+-\d+(:\d+){0,2}|\d+(:\d+){0,2})$/;

function integer(
  text: string,
  min: number,
  max: number
): number | undefined | null {
  if (!text) {
    return undefined;
  }
  if (!/^\d+$/.test(text)) {
    return null;
  }
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

/**
 * The request the form describes, or what is wrong with its fields. Values
 * are trimmed; memory is written the way sbatch reads it ("8gb" → "8G").
 */
export function buildRequest(
  values: IFormValues,
  script: string,
  cwd: string,
  trans: TranslationBundle
): { request: ISubmitRequest; errors: FieldErrors } {
  const v = Object.fromEntries(
    Object.entries(values).map(([k, text]) => [k, String(text).trim()])
  ) as unknown as IFormValues;
  const errors: FieldErrors = {};
  const options: ISubmitOptions = {};

  for (const field of ['partition', 'account', 'qos'] as const) {
    if (v[field] && !SLURM_NAME.test(v[field])) {
      errors[field] = trans.__(
        'Letters, digits, "_", "." and "-" only (at most 64).'
      );
    } else if (v[field]) {
      options[field] = v[field];
    }
  }
  if (v.time && !(TIME.test(v.time) && v.time.length <= 16)) {
    errors.time = trans.__('Minutes, HH:MM:SS or D-HH:MM:SS, e.g. 00:30:00.');
  } else if (v.time) {
    options.time = v.time;
  }
  const counts: Array<[FieldName, keyof ISubmitOptions, number, number]> = [
    ['nodes', 'nodes', 1, 100000],
    ['cpus', 'cpusPerTask', 1, 100000],
    ['gpus', 'gpus', 0, 1024]
  ];
  for (const [field, option, min, max] of counts) {
    const n = integer(v[field], min, max);
    if (n === null) {
      errors[field] = trans.__('A whole number from %1 to %2.', min, max);
    } else if (n !== undefined) {
      (options as Record<string, number>)[option] = n;
    }
  }
  const mem = v.mem.toUpperCase().replace(/^(\d+)\s*([KMGT])I?B?$/, '$1$2');
  if (v.mem && !/^\d+[KMGT]?$/.test(mem)) {
    errors.mem = trans.__('A size such as 500M or 8G (K, M, G, T).');
  } else if (v.mem) {
    options.mem = mem;
  }
  if (v.name.length > 200 || v.name.includes('\u0000')) {
    errors.name = trans.__('At most 200 characters.');
  } else if (v.name) {
    options.name = v.name;
  }

  const request: ISubmitRequest = { script, cwd };
  if (v.profile) {
    request.profile = v.profile;
  }
  if (Object.keys(options).length) {
    request.options = options;
  }
  return { request, errors };
}

/** The profile's value a field falls back to (shown as its placeholder). */
export function profileDefault(
  profile: IProfile | undefined,
  field: FieldName
): string {
  if (!profile) {
    return '';
  }
  const value = {
    partition: profile.partition,
    account: profile.account,
    qos: profile.qos,
    time: profile.time,
    nodes: profile.nodes,
    cpus: profile.cpus,
    mem: profile.memory,
    gpus: profile.gpus
  }[field as string];
  return value === undefined ? '' : String(value);
}

/** One line about a partition: "debug (default): 6 of 8 CPUs idle, max 1:00:00". */
export function partitionSummary(
  p: IPartition,
  trans: TranslationBundle
): string {
  const name = p.isDefault ? trans.__('%1 (default)', p.name) : p.name;
  const parts = [
    p.available ? '' : trans.__('down'),
    trans.__('%1 of %2 CPUs idle', p.cpus.idle, p.cpus.total),
    p.gres ? trans.__('GPUs %1', p.gres) : '',
    p.maxTimeSec === null
      ? trans.__('no time limit')
      : trans.__('max %1', formatDuration(p.maxTimeSec))
  ].filter(Boolean);
  return trans.__('%1: %2', name, parts.join(', '));
}

/** An argv as one shell-readable line (for reading; nothing runs it). */
export function commandLine(argv: readonly string[]): string {
  return argv
    .map(arg =>
      /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)
        ? arg
        : `'${arg.replace(/'/g, `'\\''`)}'`
    )
    .join(' ');
}

/** What the user can do about a failed preview or submission. */
export function advice(error: unknown, trans: TranslationBundle): string {
  if (!(error instanceof HpcRequestError)) {
    return '';
  }
  if (error.status === 413) {
    return trans.__(
      'Scripts are limited to 1 MiB: keep data in files the script reads.'
    );
  }
  switch (error.code) {
    case 'NOT_A_BATCH_SCRIPT':
      return trans.__(
        'Put the #! line at the very top of the script (no blank line or comment before it), then submit again.'
      );
    case 'SBATCH_REJECTED':
      return trans.__(
        'Nothing was submitted. Check the partition, account, QOS, time and resources against what the cluster allows, then submit again.'
      );
    case 'BAD_CWD':
      return trans.__(
        'Jobs run in a folder inside your Jupyter root: save the script there.'
      );
    case 'UNKNOWN_PROFILE':
      return trans.__(
        'The site profiles have changed: pick a profile from the list.'
      );
    case 'INVALID_INPUT':
      return trans.__('Correct the value named above, then submit again.');
    default:
      return error.status >= 500 || error.status === 0
        ? trans.__('Nothing was submitted. Try again in a moment.')
        : '';
  }
}

/** An error's message and advice, for a notification or the form. */
export function explain(error: unknown, trans: TranslationBundle): string {
  const message = error instanceof Error ? error.message : String(error);
  const todo = advice(error, trans);
  if (!todo) {
    return message;
  }
  // Slurm's messages don't always end a sentence.
  const ended = /[.!?]$/.test(message) ? message : `${message}.`;
  return trans.__('%1 %2', ended, todo);
}
