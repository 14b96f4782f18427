/**
 * Create requests: their JSON schema (strict: unknown fields are refused)
 * and their normalisation into an IClusterSpec with units read and site
 * defaults filled in. Every refusal is a 400 with a sentence.
 */
import type { IHpcConfig } from '../config';
import { errors, HpcError } from '../errors';
import type { IAdapt, IClusterSpec } from './types';
import { humanBytes, parseMemory, parseWalltime, UnitError } from './units';

/** The body of `POST api/dask/clusters` and of its preview. */
export interface ICreateRequest {
  backend: 'local' | 'slurm';
  workers: number;
  threadsPerWorker?: number;
  memoryPerWorker?: string | number;
  walltime?: string;
  partition?: string;
  account?: string;
  name?: string;
  adapt?: IAdapt | null;
}

const slurmName = {
  type: 'string',
  pattern: '^[A-Za-z0-9_.-]{1,64}$'
} as const;

export const adaptSchema = {
  type: 'object',
  required: ['minimum', 'maximum'],
  additionalProperties: false,
  properties: {
    minimum: { type: 'integer', minimum: 0 },
    maximum: { type: 'integer', minimum: 1 }
  }
} as const;

export const createBodySchema = {
  type: 'object',
  required: ['backend', 'workers'],
  additionalProperties: false,
  properties: {
    backend: { enum: ['local', 'slurm'] },
    workers: { type: 'integer', minimum: 0 },
    threadsPerWorker: { type: 'integer', minimum: 1, maximum: 1024 },
    memoryPerWorker: {
      anyOf: [
        { type: 'string', minLength: 1, maxLength: 32 },
        { type: 'integer', minimum: 1 }
      ]
    },
    walltime: { type: 'string', minLength: 1, maxLength: 32 },
    partition: slurmName,
    account: slurmName,
    // Printable: no control characters (it ends up in job names, logs).
    name: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      pattern: '^[^\\u0000-\\u001f\\u007f]+$'
    },
    adapt: { anyOf: [adaptSchema, { type: 'null' }] }
  }
} as const;

/** 400 WORKERS_ABOVE_MAXIMUM when `n` is above the site's maximum. */
export function checkWorkers(
  n: number,
  maxWorkers: number,
  what = 'workers'
): void {
  if (n > maxWorkers) {
    throw errors.badRequest(
      `${n} ${what} is above this site's maximum of ${maxWorkers} workers per cluster (dask.maxWorkers): ask for ${maxWorkers} or fewer.`,
      'WORKERS_ABOVE_MAXIMUM'
    );
  }
}

/** Checks an adapt range against itself and the site's maximum. */
export function checkAdapt(adapt: IAdapt, maxWorkers: number): void {
  if (adapt.minimum > adapt.maximum) {
    throw errors.badRequest(
      `The adaptive minimum (${adapt.minimum}) is above its maximum (${adapt.maximum}): swap them.`,
      'INVALID_INPUT'
    );
  }
  checkWorkers(adapt.maximum, maxWorkers, 'workers (the adaptive maximum)');
}

function unit<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof UnitError) {
      throw new HpcError(400, e.code, e.message);
    }
    throw e;
  }
}

/**
 * A validated request → the spec a backend runs. Slurm requests take the
 * site's `dask.slurmDefaults` for what they leave out; a local cluster has
 * no walltime, partition or account (checked, then ignored), and its memory
 * limit is Dask's default unless given.
 */
export function normalizeSpec(
  body: ICreateRequest,
  config: IHpcConfig['dask'],
  defaultName: string
): IClusterSpec {
  checkWorkers(body.workers, config.maxWorkers);
  const adapt = body.adapt ?? null;
  if (adapt) {
    checkAdapt(adapt, config.maxWorkers);
  }
  const memory =
    body.memoryPerWorker !== undefined
      ? unit(() => parseMemory(body.memoryPerWorker as string | number))
      : null;
  if (memory !== null && memory < 64 << 20) {
    throw errors.badRequest(
      `${humanBytes(memory)} per worker is too little for a Dask worker: give at least 64 MiB (e.g. 2GiB).`,
      'BAD_MEMORY'
    );
  }
  const walltime =
    body.walltime !== undefined
      ? unit(() => parseWalltime(body.walltime as string))
      : null;
  const slurm = config.slurmDefaults;
  if (body.backend === 'slurm') {
    return {
      backend: 'slurm',
      name: body.name ?? defaultName,
      workers: body.workers,
      threadsPerWorker: body.threadsPerWorker ?? slurm.threadsPerWorker,
      memoryPerWorkerBytes: memory ?? parseMemory(slurm.memoryPerWorker),
      walltimeSeconds: walltime ?? parseWalltime(slurm.walltime),
      partition: body.partition ?? slurm.partition,
      account: body.account ?? slurm.account,
      adapt
    };
  }
  return {
    backend: 'local',
    name: body.name ?? defaultName,
    workers: body.workers,
    threadsPerWorker: body.threadsPerWorker ?? 1,
    memoryPerWorkerBytes: memory,
    walltimeSeconds: null,
    partition: null,
    account: null,
    adapt
  };
}
