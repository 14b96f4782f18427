/**
 * The shapes of the resource routes (`hpc/api/resources`, server-proxy/API.md;
 * the contract is DESIGN.md's `Sample`). Unknown values are null, never 0.
 */

export interface IMigDevice {
  uuid: string;
  name?: string | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
}

export interface IGpu {
  uuid: string;
  index: number;
  name: string;
  utilizationPct: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  temperatureC: number | null;
  powerW: number | null;
  migDevices?: IMigDevice[];
}

export interface IProcess {
  pid: number;
  /** What the user would call it: "python3 (kernel abc123)", "jupyter-lab". */
  name: string;
  rssBytes: number | null;
  pssBytes?: number | null;
  cpuPercent?: number | null;
}

export interface ISample {
  /** ISO time or epoch milliseconds of the sample. */
  time: string | number;
  cpu: {
    usedCores: number | null;
    limitCores: number | null;
    percent?: number | null;
  };
  memory: {
    usedBytes: number | null;
    /** The cgroup's effective limit; null when unlimited. */
    limitBytes: number | null;
    peakBytes?: number | null;
    swapBytes?: number | null;
    /** The node's memory, the real ceiling when the cgroup has no limit. */
    nodeBytes?: number | null;
  };
  oomKills: number | null;
  gpus: IGpu[];
  /** Why there are no GPUs (no nvidia-smi, no driver, none visible). */
  gpuError?: string | null;
  job?: {
    jobId: string;
    endTime: string | null;
    secondsLeft: number | null;
  } | null;
  processes?: IProcess[];
}

export interface IHistory {
  samples: ISample[];
}
