/**
 * The site configuration: one JSON file (`--config`), validated against a
 * schema at start-up with every problem reported by its JSON path. Key names
 * are the contract of DESIGN.md ("Configuration").
 */
import Ajv, { ErrorObject } from 'ajv';
import { readFileSync } from 'node:fs';
import { parseMemory, parseWalltime } from './dask/units';

export interface IProfile {
  name: string;
  description?: string;
  partition?: string;
  account?: string;
  qos?: string;
  time?: string;
  nodes?: number;
  cpus?: number;
  memory?: string;
  gpus?: number;
  modules?: string[];
  directives?: string[];
}

export interface IHpcConfig {
  slurm: {
    pollSeconds: number;
    minPollSeconds: number;
    clusters: string[];
    profiles: IProfile[];
  };
  resources: {
    sampleSeconds: number;
    historySeconds: number;
    warnAt: number;
    idleStopSeconds: number;
    processSeconds: number;
    topProcesses: number;
    gpu: boolean;
    nvidiaSmi: string;
    migSeconds: number;
  };
  dask: {
    python: string;
    /** argv replacing `[python, -m, distributed.cli.dask_scheduler]`. */
    schedulerCommand: string[] | null;
    /** argv replacing `[python, -m, distributed.cli.dask_worker]`. */
    workerCommand: string[] | null;
    maxWorkers: number;
    /** Where cluster records live; null: the Jupyter data dir's `jupyterlab-hpc/dask`. */
    stateDir: string | null;
    /** The local backend's `--host`. */
    host: string;
    /** What start-up does with clusters still alive: watch them again or stop them. */
    onRestart: 'adopt' | 'cancel';
    deathTimeoutSeconds: number;
    slurmDefaults: {
      partition: string | null;
      account: string | null;
      walltime: string;
      memoryPerWorker: string;
      threadsPerWorker: number;
      schedulerMemory: string;
      interface: string | null;
      prologue: string[];
    };
  };
  gallery: {
    catalogues: string[];
    destination: string;
    stagingDir: string | null;
    reviewers: string[];
    /** Where the server keeps its gallery records (copies); null: the Jupyter data dir. */
    stateDir: string | null;
    /** Longest a Use or Update may take before it is stopped and cleaned up. */
    useTimeoutSeconds: number;
    /** URL schemes `source.git` may use (never `ext`, never credentials). */
    allowedProtocols: Array<'https' | 'file' | 'http' | 'ssh' | 'git'>;
  };
  exec: { maxConcurrent: number; timeoutSeconds: number };
  capabilities: { ttlSeconds: number };
}

const slurmName = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' };
/** A command line as an argument array (never a shell string). */
const argv = {
  type: 'array',
  minItems: 1,
  items: { type: 'string', minLength: 1 }
};
/** Sizes as units.ts reads them ("2GiB", "4G", "512M", bytes). */
const memory = { type: 'string', minLength: 1, maxLength: 32 };

/** JSON Schema of the file; `default`s fill in what the admin left out. */
export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    slurm: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        pollSeconds: { type: 'number', minimum: 1, default: 30 },
        minPollSeconds: { type: 'number', minimum: 10, default: 10 },
        clusters: { type: 'array', items: slurmName, default: [] },
        profiles: {
          type: 'array',
          default: [],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 64 },
              description: { type: 'string', maxLength: 1000 },
              partition: slurmName,
              account: slurmName,
              qos: slurmName,
              time: { type: 'string', pattern: '^[0-9:-]{1,16}$' },
              nodes: { type: 'integer', minimum: 1 },
              cpus: { type: 'integer', minimum: 1 },
              memory: { type: 'string', pattern: '^[0-9]+[KMGT]?$' },
              gpus: { type: 'integer', minimum: 0 },
              modules: {
                type: 'array',
                items: { type: 'string', pattern: '^[A-Za-z0-9_./+-]+$' }
              },
              directives: {
                type: 'array',
                items: { type: 'string', pattern: '^#SBATCH [^\\n]+$' }
              }
            }
          }
        }
      }
    },
    resources: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        sampleSeconds: { type: 'number', minimum: 0.2, default: 1 },
        historySeconds: { type: 'number', minimum: 10, default: 3600 },
        warnAt: {
          type: 'number',
          exclusiveMinimum: 0,
          maximum: 1,
          default: 0.8
        },
        idleStopSeconds: { type: 'number', minimum: 0, default: 600 },
        processSeconds: { type: 'number', minimum: 1, default: 5 },
        topProcesses: {
          type: 'integer',
          minimum: 1,
          maximum: 100,
          default: 10
        },
        gpu: { type: 'boolean', default: true },
        nvidiaSmi: { type: 'string', minLength: 1, default: 'nvidia-smi' },
        migSeconds: { type: 'number', minimum: 1, default: 10 }
      }
    },
    dask: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        python: { type: 'string', minLength: 1, default: '/usr/bin/python3' },
        schedulerCommand: { anyOf: [argv, { type: 'null' }], default: null },
        workerCommand: { anyOf: [argv, { type: 'null' }], default: null },
        maxWorkers: { type: 'integer', minimum: 1, default: 100 },
        stateDir: {
          anyOf: [{ type: 'string', pattern: '^/' }, { type: 'null' }],
          default: null
        },
        host: {
          type: 'string',
          pattern: '^[A-Za-z0-9_.:-]{1,253}$',
          default: '127.0.0.1'
        },
        onRestart: { enum: ['adopt', 'cancel'], default: 'adopt' },
        deathTimeoutSeconds: {
          type: 'integer',
          minimum: 1,
          maximum: 86400,
          default: 60
        },
        slurmDefaults: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            partition: { anyOf: [slurmName, { type: 'null' }], default: null },
            account: { anyOf: [slurmName, { type: 'null' }], default: null },
            walltime: {
              type: 'string',
              pattern: '^[0-9:-]{1,16}$',
              default: '01:00:00'
            },
            memoryPerWorker: { ...memory, default: '2GiB' },
            threadsPerWorker: { type: 'integer', minimum: 1, default: 1 },
            schedulerMemory: { ...memory, default: '1GiB' },
            interface: {
              anyOf: [
                { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' },
                { type: 'null' }
              ],
              default: null
            },
            prologue: {
              type: 'array',
              items: { type: 'string', pattern: '^[^\\n\\u0000]*$' },
              default: []
            }
          }
        }
      }
    },
    gallery: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        catalogues: { type: 'array', items: { type: 'string' }, default: [] },
        destination: { type: 'string', minLength: 1, default: 'examples' },
        stagingDir: { type: ['string', 'null'], default: null },
        reviewers: { type: 'array', items: { type: 'string' }, default: [] },
        stateDir: { type: ['string', 'null'], default: null },
        useTimeoutSeconds: {
          type: 'number',
          minimum: 5,
          maximum: 86400,
          default: 600
        },
        allowedProtocols: {
          type: 'array',
          uniqueItems: true,
          items: { enum: ['https', 'file', 'http', 'ssh', 'git'] },
          default: ['https', 'file']
        }
      }
    },
    exec: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxConcurrent: { type: 'integer', minimum: 1, maximum: 64, default: 8 },
        timeoutSeconds: { type: 'number', minimum: 1, default: 30 }
      }
    },
    capabilities: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        ttlSeconds: { type: 'number', minimum: 5, default: 300 }
      }
    }
  }
} as const;

/** Raised for a config file that can't be read or doesn't validate. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[]
  ) {
    super(
      `invalid configuration in ${source}:\n  - ${problems.join('\n  - ')}`
    );
    this.name = 'ConfigError';
  }
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const validate = ajv.compile(CONFIG_SCHEMA);

function describe(e: ErrorObject): string {
  const where = e.instancePath || '(top level)';
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string })
      .additionalProperty;
    return `${where}: unknown key "${extra}"`;
  }
  return `${where}: ${e.message ?? 'is invalid'}`;
}

/** Validates a parsed config object, filling in defaults. */
export function parseConfig(raw: unknown, source = 'config'): IHpcConfig {
  const data: unknown = raw === undefined || raw === null ? {} : raw;
  if (!validate(data)) {
    throw new ConfigError(source, (validate.errors ?? []).map(describe));
  }
  const config = data as unknown as IHpcConfig;
  if (config.slurm.pollSeconds < config.slurm.minPollSeconds) {
    throw new ConfigError(source, [
      `/slurm/pollSeconds: ${config.slurm.pollSeconds} is below the site's floor /slurm/minPollSeconds (${config.slurm.minPollSeconds})`
    ]);
  }
  const slots =
    config.resources.historySeconds / config.resources.sampleSeconds;
  if (slots > 200_000) {
    throw new ConfigError(source, [
      `/resources/historySeconds: ${config.resources.historySeconds} s at one sample every ${config.resources.sampleSeconds} s is ${Math.ceil(slots)} samples, more than the 200000 kept`
    ]);
  }
  const d = config.dask.slurmDefaults;
  const units: string[] = [];
  for (const [key, check] of [
    ['memoryPerWorker', () => parseMemory(d.memoryPerWorker)],
    ['schedulerMemory', () => parseMemory(d.schedulerMemory)],
    ['walltime', () => parseWalltime(d.walltime)]
  ] as const) {
    try {
      check();
    } catch (e) {
      units.push(`/dask/slurmDefaults/${key}: ${(e as Error).message}`);
    }
  }
  if (units.length) {
    throw new ConfigError(source, units);
  }
  return config;
}

/** Reads and validates the config file; no file means all defaults. */
export function loadConfig(file?: string): IHpcConfig {
  if (!file) {
    return parseConfig({}, 'defaults');
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [
      `cannot read the file: ${(e as Error).message}`
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, [`not valid JSON: ${(e as Error).message}`]);
  }
  return parseConfig(raw, file);
}
