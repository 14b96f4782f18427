/**
 * Samples shaped like the server's (`GET api/resources`), for the tests.
 */
import { nullTranslator } from '@jupyterlab/translation';
import type { ISample } from '../types';

export const trans = nullTranslator.load('jupyterlab_hpc');
export const GiB = 1024 ** 3;

export function sample(overrides: Partial<ISample> = {}): ISample {
  return {
    time: Date.UTC(2026, 10, 23, 15),
    cpu: { usedCores: 1.23, limitCores: 4, percent: 30.75 },
    memory: {
      usedBytes: 3.1 * GiB,
      limitBytes: 16 * GiB,
      peakBytes: 4 * GiB,
      swapBytes: 0,
      nodeTotalBytes: 64 * GiB
    },
    oomKills: 0,
    gpus: [],
    job: null,
    ...overrides
  };
}

/** An H100 with two MIG slices (names as nvidia-smi -L prints them). */
export const h100 = {
  uuid: 'GPU-2f6a1a4e-1d0c-7c1f-5c86-3b2e5d7e9a01',
  index: 0,
  name: 'NVIDIA H100 80GB HBM3',
  utilizationPct: 45,
  memoryUsedBytes: 20 * GiB,
  memoryTotalBytes: 80 * GiB,
  temperatureC: 41,
  powerW: 120.5,
  migDevices: [
    {
      uuid: 'MIG-a1b2c3d4-0000-5555-8888-000000000001',
      profile: '3g.40gb',
      memoryUsedBytes: 10 * GiB,
      memoryTotalBytes: 40 * GiB
    }
  ]
};

export const at = (iso: string) => Date.parse(iso);
