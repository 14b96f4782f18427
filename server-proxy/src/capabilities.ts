/**
 * What this machine offers, found by really asking: which commands exist, the
 * Slurm version and clusters, whether the controller answers and accounting
 * works, whether nvidia-smi sees GPUs, whether the configured Python imports
 * Dask. Every probe has its own timeout and one failing never hides the others.
 * Results are cached (single flight) so `api/version` stays cheap.
 */
import { accessSync, constants } from 'node:fs';
import type { IHpcConfig } from './config';
import { detectCgroup } from './resources/cgroup';
import { Executor, IRunResult, lastLine, SpawnError } from './exec';

export interface ISlurmCapability {
  available: boolean;
  version?: string;
  clusters: string[];
  accounting: boolean;
  accountingReason?: string;
  reason?: string;
}

export interface ICapabilities {
  slurm: ISlurmCapability;
  gpu: { available: boolean; count?: number; reason?: string };
  dask: {
    available: boolean;
    version?: string;
    python: string;
    reason?: string;
  };
  gallery: { available: boolean; catalogues: number; reason?: string };
  /** The resource meter: always there; says where memory is accounted. */
  resources?: {
    available: boolean;
    cgroupVersion: 1 | 2 | null;
    cgroupPath: string | null;
    reason?: string;
  };
  /** Absolute path of each command the suite may run, or null if absent. */
  commands: Record<string, string | null>;
  checkedAt: string;
}

const COMMANDS = [
  'squeue',
  'sinfo',
  'scontrol',
  'sbatch',
  'scancel',
  'sacct',
  'sacctmgr',
  'nvidia-smi',
  'git'
];

/** `sinfo --version` → "22.05.8". */
export function parseSlurmVersion(text: string): string | undefined {
  return /^slurm(?:-wlm)?\s+(\S+)/m.exec(text)?.[1];
}

/** `scontrol show config` → its `Key = Value` lines as a map. */
export function parseScontrolConfig(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z][A-Za-z0-9_]*)\s+=\s?(.*)$/.exec(line);
    if (m) {
      map.set(m[1], m[2].trim());
    }
  }
  return map;
}

/** `sacctmgr -n -P list clusters format=Cluster,ControlHost` → live clusters. */
export function parseSacctmgrClusters(text: string): string[] {
  return text
    .split('\n')
    .map(line => line.split('|'))
    .filter(([name, host]) => name && host)
    .map(([name]) => name.trim());
}

/** `nvidia-smi -L` → number of GPUs listed (MIG device lines excluded). */
export function countNvidiaSmiGpus(text: string): number {
  return text.split('\n').filter(l => /^GPU \d+:/.test(l)).length;
}

/** A short reason from a failed run, for people. */
function failure(result: IRunResult, what: string): string {
  if (result.timedOut) {
    return `${what} did not answer within ${Math.round(result.durationMs / 1000)} s`;
  }
  return lastLine(result) || `${what} exited with status ${result.code}`;
}

export interface ICapabilityOptions {
  executor: Executor;
  config: IHpcConfig;
  /** Timeout of each Slurm probe; the controller's MessageTimeout fits inside. */
  slurmTimeoutMs?: number;
}

export class CapabilityService {
  constructor(options: ICapabilityOptions) {
    this._exec = options.executor;
    this._config = options.config;
    this._slurmTimeoutMs = options.slurmTimeoutMs ?? 20_000;
  }

  /**
   * The cached capabilities, detected again when older than the configured
   * TTL or when `refresh` is set. Concurrent callers share one detection.
   */
  get(refresh = false): Promise<ICapabilities> {
    const ttl = this._config.capabilities.ttlSeconds * 1000;
    const fresh = this._cached && Date.now() - this._cachedAt < ttl;
    if (this._pending) {
      return this._pending;
    }
    if (fresh && !refresh && this._cached) {
      return Promise.resolve(this._cached);
    }
    this._pending = this._detect()
      .then(result => {
        this._cached = result;
        this._cachedAt = Date.now();
        return result;
      })
      .finally(() => {
        this._pending = null;
      });
    return this._pending;
  }

  private async _detect(): Promise<ICapabilities> {
    const commands: Record<string, string | null> = {};
    for (const name of COMMANDS) {
      commands[name] = this._exec.which(name);
    }
    const [slurm, gpu, dask] = await Promise.all([
      this._slurm(commands),
      this._gpu(commands),
      this._dask()
    ]);
    return {
      slurm,
      gpu,
      dask,
      gallery: this._gallery(),
      resources: this._resources(),
      commands,
      checkedAt: new Date().toISOString()
    };
  }

  private async _run(
    command: string,
    args: string[],
    timeoutMs = this._slurmTimeoutMs
  ): Promise<IRunResult | SpawnError> {
    try {
      return await this._exec.run(command, args, { timeoutMs });
    } catch (e) {
      if (e instanceof SpawnError) {
        return e;
      }
      throw e;
    }
  }

  private async _slurm(
    commands: Record<string, string | null>
  ): Promise<ISlurmCapability> {
    const none = { clusters: [], accounting: false };
    if (!commands.squeue) {
      return {
        ...none,
        available: false,
        reason: `squeue was not found on the server's PATH (${this._exec.path}): install Slurm's client commands, or load their module before starting Jupyter.`
      };
    }
    const versionRun = await this._run('sinfo', ['--version'], 10_000);
    const version =
      versionRun instanceof SpawnError
        ? undefined
        : parseSlurmVersion(versionRun.stdout);
    // `scontrol show config` needs the controller: it tells at once whether
    // Slurm is usable and names the cluster and its accounting set-up.
    const conf = await this._run('scontrol', ['show', 'config']);
    if (conf instanceof SpawnError) {
      return { ...none, available: false, version, reason: conf.message };
    }
    if (conf.code !== 0 || conf.timedOut) {
      return {
        ...none,
        available: false,
        version,
        reason: `The Slurm controller is not answering: ${failure(conf, 'scontrol')}`
      };
    }
    const settings = parseScontrolConfig(conf.stdout);
    const clusterName = settings.get('ClusterName');
    const storage = settings.get('AccountingStorageType') ?? '';
    const accounting = await this._accounting(storage);
    let clusters = this._config.slurm.clusters;
    if (!clusters.length && accounting.accounting) {
      clusters = await this._discoverClusters();
    }
    if (!clusters.length && clusterName) {
      clusters = [clusterName];
    }
    return { available: true, version, clusters, ...accounting };
  }

  private async _accounting(
    storage: string
  ): Promise<Pick<ISlurmCapability, 'accounting' | 'accountingReason'>> {
    if (!storage || storage.endsWith('/none')) {
      return {
        accounting: false,
        accountingReason: 'Slurm accounting storage is disabled on this cluster'
      };
    }
    const run = await this._run('sacct', [
      '-n',
      '-X',
      '-P',
      '-S',
      'now',
      '-o',
      'JobID'
    ]);
    if (run instanceof SpawnError) {
      return { accounting: false, accountingReason: run.message };
    }
    return run.code === 0 && !run.timedOut
      ? { accounting: true }
      : { accounting: false, accountingReason: failure(run, 'sacct') };
  }

  private async _discoverClusters(): Promise<string[]> {
    const run = await this._run('sacctmgr', [
      '-n',
      '-P',
      'list',
      'clusters',
      'format=Cluster,ControlHost'
    ]);
    return run instanceof SpawnError || run.code !== 0
      ? []
      : parseSacctmgrClusters(run.stdout);
  }

  private async _gpu(
    commands: Record<string, string | null>
  ): Promise<ICapabilities['gpu']> {
    if (!commands['nvidia-smi']) {
      return {
        available: false,
        reason: 'nvidia-smi was not found: no NVIDIA driver on this machine'
      };
    }
    const run = await this._run('nvidia-smi', ['-L'], 15_000);
    if (run instanceof SpawnError) {
      return { available: false, reason: run.message };
    }
    const count = countNvidiaSmiGpus(run.stdout);
    if (run.code !== 0 || count === 0) {
      return {
        available: false,
        count: 0,
        reason: failure(run, 'nvidia-smi') || 'nvidia-smi lists no GPU'
      };
    }
    return { available: true, count };
  }

  private async _dask(): Promise<ICapabilities['dask']> {
    const python = this._config.dask.python;
    const run = await this._run(
      python,
      ['-c', 'import distributed; print(distributed.__version__)'],
      30_000
    );
    if (run instanceof SpawnError) {
      return {
        available: false,
        python,
        reason: `The configured Python (${python}) cannot be run: ${run.message}`
      };
    }
    if (run.code !== 0) {
      return {
        available: false,
        python,
        reason: `The configured Python (${python}) cannot import Dask: ${failure(run, python)}`
      };
    }
    return { available: true, python, version: run.stdout.trim() };
  }

  private _resources(): NonNullable<ICapabilities['resources']> {
    const cgroup = detectCgroup();
    return {
      available: true,
      cgroupVersion: cgroup.version,
      cgroupPath: cgroup.memoryPath,
      ...(cgroup.version === null
        ? {
            reason:
              'No memory cgroup was found: memory is the whole machine’s (/proc/meminfo)'
          }
        : {})
    };
  }

  private _gallery(): ICapabilities['gallery'] {
    const files = this._config.gallery.catalogues;
    const readable = files.filter(file => {
      try {
        accessSync(file, constants.R_OK);
        return true;
      } catch {
        return false;
      }
    });
    if (!files.length) {
      return {
        available: false,
        catalogues: 0,
        reason: 'No gallery catalogue is configured (gallery.catalogues)'
      };
    }
    if (!readable.length) {
      return {
        available: false,
        catalogues: 0,
        reason: `None of the configured catalogues can be read: ${files.join(', ')}`
      };
    }
    return { available: true, catalogues: readable.length };
  }

  private _exec: Executor;
  private _config: IHpcConfig;
  private _slurmTimeoutMs: number;
  private _cached: ICapabilities | null = null;
  private _cachedAt = 0;
  private _pending: Promise<ICapabilities> | null = null;
}
