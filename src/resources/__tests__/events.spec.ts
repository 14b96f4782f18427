import { meterEvents } from '../events';
import { at, GiB, sample } from './fixtures';

const NOW = at('2026-11-23T15:00:00.000Z');

describe('meter events', () => {
  it('reports a rise in OOM kills with the limit, not one seen at first sight', () => {
    const warned = new Set<string>();
    expect(
      meterEvents(null, sample({ oomKills: 3 }), NOW, 900, warned)
    ).toEqual([]);
    expect(
      meterEvents(
        sample({ oomKills: 3 }),
        sample({ oomKills: 3 }),
        NOW,
        900,
        warned
      )
    ).toEqual([]);
    expect(
      meterEvents(
        sample({ oomKills: 3 }),
        sample({ oomKills: 5 }),
        NOW,
        900,
        warned
      )
    ).toEqual([{ kind: 'oom', kills: 2, limitBytes: 16 * GiB }]);
  });

  it('ignores an unknown OOM count', () => {
    expect(
      meterEvents(
        sample({ oomKills: null }),
        sample({ oomKills: 2 }),
        NOW,
        900,
        new Set()
      )
    ).toEqual([]);
  });

  it('warns once per job when the allocation gets short, even at first sight', () => {
    const warned = new Set<string>();
    const job = (secondsLeft: number) =>
      sample({ job: { jobId: '42', endTime: null, secondsLeft } });
    expect(meterEvents(null, job(3600), NOW, 900, warned)).toEqual([]);
    expect(meterEvents(job(3600), job(600), NOW, 900, warned)).toEqual([
      { kind: 'time', jobId: '42', secondsLeft: 600 }
    ]);
    expect(meterEvents(job(600), job(590), NOW, 900, warned)).toEqual([]);
    const fresh = new Set<string>();
    expect(meterEvents(null, job(300), NOW, 900, fresh)).toHaveLength(1);
    // 0 turns the warning off.
    expect(meterEvents(null, job(300), NOW, 0, new Set())).toEqual([]);
  });
});
