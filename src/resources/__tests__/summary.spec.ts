import {
  levelOf,
  secondsLeft,
  summarize,
  type ISummaryOptions
} from '../summary';
import { at, GiB, h100, sample, trans } from './fixtures';

const options: ISummaryOptions = {
  warnAt: 0.8,
  dangerAt: 0.95,
  timeWarnSeconds: 900,
  show: { cpu: true, memory: true, gpu: true, time: true }
};
const NOW = at('2026-11-23T15:00:00.000Z');
const texts = (s = sample(), o = options) =>
  summarize(s, NOW, o, trans).map(p => p.text);

describe('status bar summary', () => {
  it('says CPU and memory against the limits', () => {
    expect(texts()).toEqual(['CPU 1.2/4', 'Mem 3.1/16 GB']);
  });

  it('falls back to the node’s memory when the cgroup has no limit, and says so', () => {
    const parts = summarize(
      sample({
        memory: {
          usedBytes: 2 * GiB,
          limitBytes: null,
          nodeTotalBytes: 64 * GiB
        }
      }),
      NOW,
      options,
      trans
    );
    const mem = parts.find(p => p.kind === 'memory');
    expect(mem?.text).toBe('Mem 2.0/64 GB');
    expect(mem?.detail).toContain('no memory limit');
  });

  it('leaves out what is unknown rather than showing 0', () => {
    const s = sample({
      cpu: { usedCores: null, limitCores: 4 },
      memory: { usedBytes: null, limitBytes: null }
    });
    expect(texts(s)).toEqual([]);
  });

  it('warns near a limit and is critical at it', () => {
    expect(levelOf(0.5, options)).toBe('ok');
    expect(levelOf(0.8, options)).toBe('warn');
    expect(levelOf(0.97, options)).toBe('danger');
    expect(levelOf(null, options)).toBe('ok');
    const full = summarize(
      sample({ memory: { usedBytes: 15.5 * GiB, limitBytes: 16 * GiB } }),
      NOW,
      options,
      trans
    );
    expect(full.find(p => p.kind === 'memory')?.level).toBe('danger');
  });

  it('shows GPUs only when there are some, with their use and memory', () => {
    const parts = summarize(sample({ gpus: [h100] }), NOW, options, trans);
    const gpu = parts.find(p => p.kind === 'gpu');
    expect(gpu?.text).toBe('GPU 45%');
    expect(gpu?.detail).toContain('NVIDIA H100 80GB HBM3');
    expect(gpu?.detail).toContain('20/80 GB');
    const two = summarize(
      sample({
        gpus: [h100, { ...h100, uuid: 'GPU-x', index: 1, utilizationPct: null }]
      }),
      NOW,
      options,
      trans
    );
    // An unknown utilisation is left out of the mean, not counted as 0.
    expect(two.find(p => p.kind === 'gpu')?.text).toBe('2 GPUs 45%');
  });

  it('counts the allocation down from its end time', () => {
    const s = sample({
      job: {
        jobId: '42',
        endTime: '2026-11-23T16:12:00.000Z',
        secondsLeft: 4320
      }
    });
    expect(secondsLeft(s, NOW)).toBe(4320);
    expect(secondsLeft(s, NOW + 60_000)).toBe(4260);
    expect(texts(s)).toContain('1h12m left');
    const soon = summarize(s, at('2026-11-23T16:00:00.000Z'), options, trans);
    expect(soon.find(p => p.kind === 'time')?.level).toBe('warn');
    const now = summarize(s, at('2026-11-23T16:10:00.000Z'), options, trans);
    expect(now.find(p => p.kind === 'time')?.level).toBe('danger');
  });

  it('uses secondsLeft when the end time is unknown, and hides the part outside a job', () => {
    const s = sample({ job: { jobId: '42', endTime: null, secondsLeft: 90 } });
    expect(secondsLeft(s, NOW)).toBe(90);
    expect(secondsLeft(sample(), NOW)).toBeNull();
    expect(texts(sample()).some(t => t.endsWith('left'))).toBe(false);
  });

  it('hides the parts the settings turn off', () => {
    const only = { ...options, show: { ...options.show, cpu: false } };
    expect(texts(sample({ gpus: [h100] }), only)).toEqual([
      'Mem 3.1/16 GB',
      'GPU 45%'
    ]);
  });
});
