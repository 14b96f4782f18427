import {
  byteUnit,
  formatBytes,
  formatCores,
  formatDuration,
  formatUsedOf,
  ratio,
  sampleTime
} from '../format';

describe('meter formatting', () => {
  it('writes bytes in the unit that suits them', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512 * 1024 ** 2)).toBe('512 MB');
    expect(formatBytes(3.14 * 1024 ** 3)).toBe('3.1 GB');
    expect(byteUnit(1023)).toBe(0);
    expect(byteUnit(1024)).toBe(1);
  });

  it('writes used/limit in the limit’s unit so they read as one scale', () => {
    expect(formatUsedOf(302 * 1024 ** 2, 4 * 1024 ** 3)).toBe('0.3/4.0 GB');
    expect(formatUsedOf(3.1 * 1024 ** 3, 16 * 1024 ** 3)).toBe('3.1/16 GB');
  });

  it('writes cores without a useless decimal', () => {
    expect(formatCores(4)).toBe('4');
    expect(formatCores(1.23)).toBe('1.2');
    expect(formatCores(12.6)).toBe('13');
  });

  it('writes time left coarsely', () => {
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(4 * 60 + 59)).toBe('4m');
    expect(formatDuration(3600 + 12 * 60)).toBe('1h12m');
    expect(formatDuration(3600 + 5 * 60)).toBe('1h05m');
    expect(formatDuration(2 * 86400 + 3 * 3600)).toBe('2d3h');
    expect(formatDuration(-5)).toBe('0s');
  });

  it('knows when a ratio is unknown', () => {
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(null, 4)).toBeNull();
    expect(ratio(1, null)).toBeNull();
    expect(ratio(1, 0)).toBeNull();
  });

  it('reads sample times as ISO or epoch milliseconds', () => {
    expect(sampleTime('2026-11-23T15:00:00.000Z')).toBe(
      Date.UTC(2026, 10, 23, 15)
    );
    expect(sampleTime(1234)).toBe(1234);
  });
});
