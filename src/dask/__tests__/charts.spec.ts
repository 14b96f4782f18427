import { json } from '../../__tests__/fakeServer';
import { clusterRows } from '../charts';
import type { IClusterSample } from '../types';
import { fakeClient } from './fixtures';

function sample(
  time: number,
  overrides: Partial<IClusterSample> = {}
): IClusterSample {
  return {
    time,
    workers: 2,
    threads: 4,
    memoryBytes: 512 * 1024 ** 2,
    memoryLimitBytes: 4 * 1024 ** 3,
    processing: 3,
    queued: 10,
    tasksPerSecond: 12.5,
    ...overrides
  };
}

describe('cluster chart rows', () => {
  it('orders samples by time and puts memory in the chosen unit', () => {
    const rows = clusterRows([sample(2000, { workers: 3 }), sample(1000)], 3);
    expect(rows.map(r => r.t)).toEqual([1000, 2000]);
    expect(rows.map(r => r.workers)).toEqual([2, 3]);
    expect(rows[0].memory).toBe(0.5);
    expect(rows[0].limit).toBe(4);
    expect(rows[0]).toMatchObject({
      processing: 3,
      queued: 10,
      throughput: 12.5
    });
  });
});

describe('DaskClient.metrics', () => {
  it('asks for the last 300 seconds of one cluster', async () => {
    const { client, requests } = fakeClient(() =>
      json(200, { samples: [sample(1000)] })
    );
    const samples = await client.metrics('a1b2c3d4e5f6', 300);
    expect(samples).toHaveLength(1);
    expect(requests[0].url).toBe(
      'http://localhost:8888/user/alice/hpc/api/dask/clusters/a1b2c3d4e5f6/metrics?seconds=300'
    );
  });
});
