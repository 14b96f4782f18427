/**
 * The shapes of the resource routes (`hpc/api/resources`, server-proxy/API.md;
 * the contract is DESIGN.md's `Sample`). Unknown values are null, never 0.
 */

export interface IMigDevice {
  uuid: string;
  /** The MIG profile, e.g. `3g.40gb`. */
  profile?: string | null;
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
  name: string;
  command?: string;
  /** The Jupyter kernel's id when the command line names its connection file. */
  kernelId?: string | null;
  kernel?: string | null;
  rssBytes: number | null;
  /** null when smaps_rollup is not readable (then RSS is the best there is). */
  pssBytes?: number | null;
  cpuCores?: number | null;
}

export interface IProcesses {
  count: number;
  totalRssBytes: number | null;
  top: IProcess[];
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
    nodeTotalBytes?: number | null;
  };
  oomKills: number | null;
  gpus: IGpu[];
  /** Why there are no GPUs, or not all (code: NO_NVIDIA_SMI, NO_DRIVER, ...). */
  gpuError?: { code: string; message: string } | null;
  job?: {
    jobId: string;
    endTime: string | null;
    secondsLeft: number | null;
  } | null;
  processes?: IProcesses | null;
  /** The site's warning threshold (fraction of a limit). */
  warnAt?: number;
}

export interface IHistory {
  format?: 'samples';
  samples: ISample[];
}
