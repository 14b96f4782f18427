/**
 * One sampler shared by every client: every `sampleSeconds` it reads the
 * cgroup (memory, CPU), every `processSeconds` the process tree, and takes
 * the GPU monitor's latest lines and the Slurm allocation; the result is the
 * current sample and a row of the history ring buffer.
 *
 * It starts on the first request and stops (nvidia-smi included) after
 * `idleStopSeconds` without one: an open Lab polls the status bar all the
 * time, so while anyone looks the history fills, and a server nobody looks
 * at costs nothing. `idleStopSeconds: 0` keeps it always on from start-up.
 */
import { cpus } from 'node:os';
import type { IHpcConfig } from '../config';
import { Executor } from '../exec';
import { AllocationWatcher, IAllocation } from './allocation';
import { CgroupReader, ILocations } from './cgroup';
import { GpuMonitor, IGpu, IGpuError } from './gpu';
import { History, IHistoryInput, IHistorySeries } from './history';
import { IProcessSample, ProcessScanner } from './procs';

export interface ISample {
  /** Epoch milliseconds. */
  time: number;
  /** Increases by one per sample (the ETag). */
  seq: number;
  cpu: {
    /** Cores used since the previous sample; null on the first. */
    usedCores: number | null;
    /** Cores allowed: CFS quota or cpuset, else the node's cores. */
    limitCores: number;
    limitFrom: 'quota' | 'cpuset' | 'node';
    /** usedCores / limitCores × 100. */
    percent: number | null;
    nodeCores: number;
    throttledPercent: number | null;
    cgroup: { version: 1 | 2 | null; path: string | null };
  };
  memory: {
    /** Working set: usage − inactive file cache (what the OOM killer can't reclaim). */
    usedBytes: number | null;
    /** Usage including all page cache. */
    usageBytes: number | null;
    /** The effective limit (tightest ancestor); null: none, see nodeTotalBytes. */
    limitBytes: number | null;
    nodeTotalBytes: number | null;
    peakBytes: number | null;
    swapBytes: number | null;
    cgroup: {
      version: 1 | 2 | null;
      path: string | null;
      limitPath: string | null;
    };
  };
  /** Processes of the server's cgroup killed by the OOM killer, ever. */
  oomKills: number | null;
  gpus: IGpu[];
  gpuError?: IGpuError;
  job: IAllocation | null;
  processes: (IProcessSample & { sampledAt: number }) | null;
  /** The site's warning threshold (fraction of a limit). */
  warnAt: number;
}

export interface IClock {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realClock: IClock = {
  now: () => Date.now(),
  setInterval: (fn, ms) => {
    const t = setInterval(fn, ms);
    t.unref?.();
    return t;
  },
  clearInterval: h => clearInterval(h as NodeJS.Timeout)
};

export interface IResourceServiceOptions {
  config: IHpcConfig['resources'];
  executor: Executor;
  /** The server's environment (CUDA_VISIBLE_DEVICES, SLURM_JOB_ID...). */
  env?: NodeJS.ProcessEnv;
  /** The root of the process tree shown (default: the server's parent). */
  rootPid?: number;
  cgroup?: CgroupReader;
  scanner?: ProcessScanner;
  /** null: no GPU monitoring. */
  gpu?: GpuMonitor | null;
  allocation?: AllocationWatcher;
  clock?: IClock;
  nodeCores?: number;
  log?: (level: 'info' | 'warn', message: string) => void;
}

export class ResourceService {
  constructor(options: IResourceServiceOptions) {
    const config = options.config;
    const env = options.env ?? process.env;
    this._config = config;
    this._clock = options.clock ?? realClock;
    this._cgroup = options.cgroup ?? new CgroupReader();
    this._scanner =
      options.scanner ?? new ProcessScanner({ top: config.topProcesses });
    this._rootPid = options.rootPid ?? process.ppid;
    this._gpu =
      options.gpu !== undefined
        ? options.gpu
        : config.gpu
          ? new GpuMonitor({
              executor: options.executor,
              intervalMs: Math.max(config.sampleSeconds, 1) * 1000,
              visible: env.CUDA_VISIBLE_DEVICES,
              command: config.nvidiaSmi,
              migSeconds: config.migSeconds,
              log: options.log
            })
          : null;
    this._allocation =
      options.allocation ??
      new AllocationWatcher({
        env,
        executor: options.executor,
        now: () => this._clock.now()
      });
    this._nodeCores = options.nodeCores ?? cpus().length;
    this._history = new History(
      Math.ceil(config.historySeconds / config.sampleSeconds)
    );
  }

  get running(): boolean {
    return this._timer !== null;
  }

  get gpuMonitor(): GpuMonitor | null {
    return this._gpu;
  }

  /** Starts sampling (idempotent); resolves after the first sample. */
  start(): Promise<void> {
    this._starting ??= this._start();
    return this._starting;
  }

  private async _start(): Promise<void> {
    this._timer = this._clock.setInterval(
      () => this._tick(),
      this._config.sampleSeconds * 1000
    );
    const gpu = this._gpu;
    if (gpu) {
      // A first sample with the GPUs' first line, if nvidia-smi answers promptly.
      const deadline = Date.now() + 3000;
      await Promise.race([
        gpu.start(),
        new Promise(r => setTimeout(r, 3000).unref?.())
      ]);
      while (
        Date.now() < deadline &&
        gpu.running &&
        gpu.snapshot().gpus.some(g => g.stale)
      ) {
        await new Promise(r => setTimeout(r, 50).unref?.());
      }
    }
    if (this._timer !== null) {
      this._tick();
    }
  }

  stop(): void {
    if (this._timer !== null) {
      this._clock.clearInterval(this._timer);
      this._timer = null;
    }
    this._starting = null;
    this._prevCpu = null; // a rate across the pause would mislead
    this._gpu?.stop();
  }

  /** The latest sample (sampling starts, or goes on, because someone asked). */
  async current(): Promise<ISample> {
    this._lastRequest = this._clock.now();
    if (this._timer === null || !this._latest) {
      await this.start();
    }
    if (!this._latest) {
      // Stopped while starting (the server is closing): take one now.
      this._tick();
    }
    return this._latest as unknown as ISample;
  }

  /** History of the last `seconds`, as columns or one object per sample. */
  async history(
    seconds: number,
    format: 'samples' | 'columns'
  ): Promise<
    | { format: 'samples'; samples: IHistoryInput[] }
    | ({ format: 'columns' } & IHistorySeries)
  > {
    const latest = await this.current();
    const since = latest.time - seconds * 1000;
    return format === 'columns'
      ? { format, ...this._history.series(since) }
      : { format, samples: this._history.samples(since) };
  }

  /** Takes one sample now (the timer's work; public for tests). */
  _tick(): void {
    const now = this._clock.now();
    const idle = this._config.idleStopSeconds;
    if (idle > 0 && this._latest && now - this._lastRequest > idle * 1000) {
      this.stop();
      return;
    }
    if (!this._locations || now - this._locatedAt > 30_000) {
      this._locations = this._cgroup.locate();
      this._locatedAt = now;
    }
    const mem = this._cgroup.memory(this._locations);
    const cpu = this._cgroup.cpu(this._locations);
    let usedCores: number | null = null;
    let throttled: number | null = null;
    const prev = this._prevCpu;
    if (prev && cpu.usageNs !== null && now > prev.at) {
      const d = cpu.usageNs - prev.usageNs;
      usedCores = d >= 0 ? d / 1e6 / (now - prev.at) : null; // a reset: unknown
      if (cpu.nrPeriods !== null && prev.nrPeriods !== null) {
        const periods = cpu.nrPeriods - prev.nrPeriods;
        const thr = (cpu.nrThrottled ?? 0) - (prev.nrThrottled ?? 0);
        throttled = periods > 0 && thr >= 0 ? (thr / periods) * 100 : null;
      }
    }
    this._prevCpu =
      cpu.usageNs === null
        ? null
        : {
            usageNs: cpu.usageNs,
            at: now,
            nrPeriods: cpu.nrPeriods,
            nrThrottled: cpu.nrThrottled
          };
    const limitCores = cpu.limitCores ?? this._nodeCores;
    if (
      !this._processes ||
      now - this._processes.sampledAt >= this._config.processSeconds * 1000
    ) {
      this._processes = {
        ...this._scanner.scan(this._rootPid, now),
        sampledAt: now
      };
    }
    const gpu = this._gpu?.snapshot() ?? {
      gpus: [],
      error: {
        code: 'GPU_DISABLED',
        message: 'GPU monitoring is turned off in the server configuration.'
      }
    };
    const sample: ISample = {
      time: now,
      seq: ++this._seq,
      cpu: {
        usedCores,
        limitCores,
        limitFrom: cpu.limitFrom ?? 'node',
        percent: usedCores === null ? null : (usedCores / limitCores) * 100,
        nodeCores: this._nodeCores,
        throttledPercent: throttled,
        cgroup: { version: cpu.version, path: cpu.path }
      },
      memory: {
        usedBytes: mem.usedBytes,
        usageBytes: mem.usageBytes,
        limitBytes: mem.limitBytes,
        nodeTotalBytes: mem.nodeTotalBytes,
        peakBytes: mem.peakBytes,
        swapBytes: mem.swapBytes,
        cgroup: {
          version: mem.version,
          path: mem.path,
          limitPath: mem.limitPath
        }
      },
      oomKills: mem.oomKills,
      gpus: gpu.gpus,
      ...(gpu.error ? { gpuError: gpu.error } : {}),
      job: this._allocation.get(),
      processes: this._processes,
      warnAt: this._config.warnAt
    };
    this._latest = sample;
    this._history.push(sample);
  }

  dispose(): void {
    this.stop();
  }

  private _config: IHpcConfig['resources'];
  private _clock: IClock;
  private _cgroup: CgroupReader;
  private _scanner: ProcessScanner;
  private _rootPid: number;
  private _gpu: GpuMonitor | null;
  private _allocation: AllocationWatcher;
  private _nodeCores: number;
  private _history: History;
  private _timer: unknown = null;
  private _starting: Promise<void> | null = null;
  private _latest: ISample | null = null;
  private _seq = 0;
  private _lastRequest = 0;
  private _locations: ILocations | null = null;
  private _locatedAt = 0;
  private _prevCpu: {
    usageNs: number;
    at: number;
    nrPeriods: number | null;
    nrThrottled: number | null;
  } | null = null;
  private _processes: (IProcessSample & { sampledAt: number }) | null = null;
}
