import { ConfigError, parseConfig } from '../../config';

const problems = (raw: unknown): string[] => {
  try {
    parseConfig(raw, 'test.json');
  } catch (e) {
    return (e as ConfigError).problems;
  }
  return [];
};

describe('resources config', () => {
  it('defaults', () => {
    expect(parseConfig({}).resources).toEqual({
      sampleSeconds: 1,
      historySeconds: 3600,
      warnAt: 0.8,
      idleStopSeconds: 600,
      processSeconds: 5,
      topProcesses: 10,
      gpu: true,
      nvidiaSmi: 'nvidia-smi',
      migSeconds: 10
    });
  });

  it('refuses bad values by their JSON path', () => {
    expect(problems({ resources: { sampleSeconds: 0.1 } })).toEqual([
      '/resources/sampleSeconds: must be >= 0.2'
    ]);
    expect(problems({ resources: { idleStopSeconds: -1 } })).toEqual([
      '/resources/idleStopSeconds: must be >= 0'
    ]);
    expect(problems({ resources: { topProcesses: 1000 } })).toEqual([
      '/resources/topProcesses: must be <= 100'
    ]);
    expect(problems({ resources: { gpu: 'yes' } })).toEqual([
      '/resources/gpu: must be boolean'
    ]);
    expect(problems({ resources: { nvidiaSmi: '' } })).toEqual([
      '/resources/nvidiaSmi: must NOT have fewer than 1 characters'
    ]);
    expect(problems({ resources: { sampleRate: 1 } })).toEqual([
      '/resources: unknown key "sampleRate"'
    ]);
  });

  it('refuses a history too long for the sampling interval', () => {
    expect(
      problems({ resources: { sampleSeconds: 0.2, historySeconds: 86400 } })
    ).toEqual([
      '/resources/historySeconds: 86400 s at one sample every 0.2 s is 432000 samples, more than the 200000 kept'
    ]);
    expect(
      problems({ resources: { sampleSeconds: 1, historySeconds: 86400 } })
    ).toEqual([]);
  });
});
