import { chartRows, processLabel } from '../charts';
import { h100, sample, trans } from './fixtures';

const t = (s: number) =>
  new Date(Date.UTC(2026, 10, 23, 15, 0, s)).toISOString();

describe('chart rows', () => {
  it('keeps the samples within the range of the latest, GPU values by UUID', () => {
    const rows = chartRows(
      [
        sample({ time: t(0) }),
        sample({ time: t(40), gpus: [h100] }),
        sample({
          time: t(50),
          gpus: [{ ...h100, utilizationPct: null, memoryUsedBytes: null }]
        })
      ],
      30
    );
    expect(rows.map(r => r.t)).toEqual([Date.parse(t(40)), Date.parse(t(50))]);
    expect(rows[0][`util:${h100.uuid}`]).toBe(45);
    expect(rows[0][`mem:${h100.uuid}`]).toBe(25);
    // Unknown stays unknown (a gap in the line), never 0.
    expect(rows[1][`util:${h100.uuid}`]).toBeNull();
    expect(rows[1][`mem:${h100.uuid}`]).toBeNull();
  });

  it('is empty without samples', () => {
    expect(chartRows([], 300)).toEqual([]);
  });
});

describe('process labels', () => {
  const kernel = {
    pid: 4242,
    name: 'python3',
    kernelId: '5f2c1a7e-0000-4000-8000-000000000000',
    rssBytes: 1
  };

  it('name a kernel by its notebook when the session is known', () => {
    const names = new Map([[kernel.kernelId, 'work/analysis.ipynb']]);
    expect(processLabel(kernel, names, trans)).toBe(
      'kernel of work/analysis.ipynb'
    );
  });

  it('fall back to the kernel id, and to the command name', () => {
    expect(processLabel(kernel, new Map(), trans)).toBe(
      'python3 (kernel 5f2c1a7e)'
    );
    expect(
      processLabel(
        { pid: 1, name: 'jupyter-server', rssBytes: 1 },
        new Map(),
        trans
      )
    ).toBe('jupyter-server');
  });
});
