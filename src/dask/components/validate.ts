/**
 * The create form's values, their checks (the contract's formats, so most
 * mistakes are caught before a request) and the request they make.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ICreateRequest } from '../types';
import type { IDaskDefaults } from './props';

export interface ICreateValues {
  name: string;
  backend: 'local' | 'slurm';
  workers: string;
  threadsPerWorker: string;
  memoryPerWorker: string;
  walltime: string;
  partition: string;
  account: string;
  adapt: boolean;
  minimum: string;
  maximum: string;
}

export type CreateErrors = Partial<Record<keyof ICreateValues, string>>;

export function initialValues(
  defaults: IDaskDefaults,
  slurm: boolean
): ICreateValues {
  return {
    name: '',
    backend: defaults.backend === 'slurm' && slurm ? 'slurm' : 'local',
    workers: String(defaults.workers),
    threadsPerWorker: String(defaults.threadsPerWorker),
    memoryPerWorker: defaults.memoryPerWorker,
    walltime: defaults.walltime,
    partition: defaults.partition,
    account: defaults.account,
    adapt: false,
    minimum: '0',
    maximum: String(Math.max(1, defaults.workers))
  };
}

const INT = /^\d+$/;
/** "4GiB", "4GB", "4G", "512MiB", "512M", a bare number of bytes. */
export const MEMORY = /^\d+(\.\d+)?\s*([KMGTP](i?B)?|B)?$/i;
/** Slurm's time formats: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
export const WALLTIME =
  /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}(:\d{1,2}){0,2})$/;

/** Every field's problem, in words; empty when the form can be sent. */
export function validate(
  values: ICreateValues,
  trans: TranslationBundle
): CreateErrors {
  const errors: CreateErrors = {};
  const name = values.name.trim();
  const control = [...name].some(c => c.charCodeAt(0) < 32 || c === '\x7f');
  if (name.length > 64 || control) {
    errors.name = trans.__('At most 64 printable characters.');
  }
  if (!INT.test(values.workers.trim())) {
    errors.workers = trans.__('A whole number, 0 or more.');
  }
  const threads = values.threadsPerWorker.trim();
  if (threads && (!INT.test(threads) || Number(threads) < 1)) {
    errors.threadsPerWorker = trans.__('A whole number, 1 or more.');
  }
  const memory = values.memoryPerWorker.trim();
  if (memory && !MEMORY.test(memory)) {
    errors.memoryPerWorker = trans.__(
      'A size such as 4GiB, 4GB, 512MiB or 512M (Slurm’s G means GiB).'
    );
  }
  if (values.backend === 'slurm') {
    const walltime = values.walltime.trim();
    if (walltime && !WALLTIME.test(walltime)) {
      errors.walltime = trans.__(
        'A Slurm time: HH:MM:SS, MM:SS, MM or D-HH[:MM[:SS]].'
      );
    }
  }
  if (values.adapt) {
    const lo = values.minimum.trim();
    const hi = values.maximum.trim();
    if (!INT.test(lo)) {
      errors.minimum = trans.__('A whole number, 0 or more.');
    }
    if (!INT.test(hi) || Number(hi) < 1) {
      errors.maximum = trans.__('A whole number, 1 or more.');
    } else if (INT.test(lo) && Number(lo) > Number(hi)) {
      errors.maximum = trans.__('At least the minimum.');
    }
  }
  return errors;
}

/** The request of valid values (empty optional fields left out). */
export function toRequest(values: ICreateValues): ICreateRequest {
  const request: ICreateRequest = {
    backend: values.backend,
    workers: Number(values.workers.trim())
  };
  const text = (s: string) => s.trim() || undefined;
  const name = text(values.name);
  if (name) {
    request.name = name;
  }
  if (text(values.threadsPerWorker)) {
    request.threadsPerWorker = Number(values.threadsPerWorker.trim());
  }
  const memory = text(values.memoryPerWorker);
  if (memory) {
    request.memoryPerWorker = memory.replace(/\s+/g, '');
  }
  if (values.backend === 'slurm') {
    const walltime = text(values.walltime);
    const partition = text(values.partition);
    const account = text(values.account);
    if (walltime) {
      request.walltime = walltime;
    }
    if (partition) {
      request.partition = partition;
    }
    if (account) {
      request.account = account;
    }
  }
  if (values.adapt) {
    request.adapt = {
      minimum: Number(values.minimum.trim()),
      maximum: Number(values.maximum.trim())
    };
  }
  return request;
}

/** The field a server error code is about, to show it there. */
export function fieldOfCode(code: string): keyof ICreateValues | null {
  switch (code) {
    case 'BAD_MEMORY':
      return 'memoryPerWorker';
    case 'BAD_WALLTIME':
      return 'walltime';
    case 'WORKERS_ABOVE_MAXIMUM':
      return 'workers';
    default:
      return null;
  }
}
