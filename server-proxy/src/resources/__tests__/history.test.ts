import { History, IHistoryInput } from '../history';

const sample = (
  t: number,
  gpus: IHistoryInput['gpus'] = []
): IHistoryInput => ({
  time: t,
  cpu: { usedCores: t === 0 ? null : t / 10, limitCores: 4 },
  memory: { usedBytes: t * 100, limitBytes: null, swapBytes: 0 },
  oomKills: 0,
  gpus
});
const gpu = (uuid: string, util: number | null): IHistoryInput['gpus'][0] => ({
  uuid,
  index: 0,
  name: 'G',
  utilizationPct: util,
  memoryUsedBytes: 5,
  memoryTotalBytes: 10
});

describe('History', () => {
  it('keeps the last `capacity` samples, oldest first, unknown as null', () => {
    const h = new History(3);
    for (let t = 0; t < 5; t++) {
      h.push(sample(t * 1000));
    }
    expect(h.size).toBe(3);
    const s = h.series(0);
    expect(s.time).toEqual([2000, 3000, 4000]);
    expect(s.cpu.usedCores).toEqual([200, 300, 400]);
    expect(s.memory.limitBytes).toEqual([null, null, null]);
    expect(h.series(3000).time).toEqual([3000, 4000]);
  });

  it('GPUs get columns when first seen; absent ones read null, even in reused slots', () => {
    const h = new History(2);
    h.push(sample(1000, [gpu('GPU-a', 50)]));
    h.push(sample(2000, [gpu('GPU-a', null), gpu('GPU-b', 7)]));
    h.push(sample(3000, [gpu('GPU-b', 8)]));
    const s = h.series(0);
    expect(s.gpus.map(g => [g.uuid, g.utilizationPct])).toEqual([
      ['GPU-a', [null, null]],
      ['GPU-b', [7, 8]]
    ]);
    const samples = h.samples(0);
    expect(samples).toHaveLength(2);
    expect(samples[1].gpus.find(g => g.uuid === 'GPU-b')).toMatchObject({
      utilizationPct: 8,
      memoryTotalBytes: 10
    });
  });

  it('MIG devices keep their own memory series', () => {
    const h = new History(4);
    const withMig = (used: number | null): IHistoryInput['gpus'][0] => ({
      ...gpu('GPU-a', null),
      migDevices: [
        {
          uuid: 'MIG-1',
          profile: '1g.10gb',
          memoryUsedBytes: used,
          memoryTotalBytes: 100
        }
      ]
    });
    h.push(sample(1000, [withMig(1)]));
    h.push(sample(2000, [withMig(null)]));
    h.push(sample(3000, [withMig(3)]));
    expect(h.series(0).gpus[0].migDevices).toEqual([
      {
        uuid: 'MIG-1',
        profile: '1g.10gb',
        memoryTotalBytes: 100,
        memoryUsedBytes: [1, null, 3]
      }
    ]);
  });
});
