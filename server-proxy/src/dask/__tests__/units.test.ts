import {
  daskMemory,
  humanBytes,
  parseMemory,
  parseWalltime,
  slurmMemory,
  slurmWalltime,
  UnitError
} from '../units';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe('parseMemory', () => {
  it.each([
    ['4GiB', 4 * GiB],
    ['4G', 4 * GiB], // Slurm's G is binary
    ['4g', 4 * GiB],
    ['4GB', 4e9], // Dask's GB is decimal
    ['512M', 512 * MiB],
    ['512MiB', 512 * MiB],
    ['1.5GiB', 1.5 * GiB],
    ['2 TiB', 2 * 1024 * GiB],
    ['1024', 1024],
    ['1024B', 1024],
    [2048, 2048]
  ])('%s → %d bytes', (text, bytes) => {
    expect(parseMemory(text)).toBe(bytes);
  });

  it.each([
    '',
    'lots',
    '4 GiBs',
    '-1G',
    '4X',
    '0',
    '0.1',
    'G',
    '1e9',
    '4GiB;rm'
  ])('refuses %j with BAD_MEMORY and an example', text => {
    let error: unknown;
    try {
      parseMemory(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnitError);
    expect((error as UnitError).code).toBe('BAD_MEMORY');
    expect((error as UnitError).message).toMatch(/GiB/);
  });

  it('refuses sizes beyond any machine', () => {
    expect(() => parseMemory('99999999P')).toThrow(/larger than any/);
  });
});

describe('memory out', () => {
  it('writes bytes for Dask and MiB (rounded up) for Slurm', () => {
    expect(daskMemory(4 * GiB)).toBe('4294967296');
    expect(slurmMemory(4 * GiB)).toBe('4096M');
    expect(slurmMemory(4e9)).toBe('3815M');
    expect(slurmMemory(1)).toBe('1M');
    expect(humanBytes(1.5 * GiB)).toBe('1.5 GiB');
    expect(humanBytes(512 * MiB)).toBe('512 MiB');
  });
});

describe('parseWalltime', () => {
  it.each([
    ['30', 30 * 60],
    ['90', 90 * 60],
    ['05:30', 5 * 60 + 30],
    ['01:00:00', 3600],
    ['36:00:00', 36 * 3600],
    ['2-00', 2 * 86400],
    ['1-12:30', 86400 + 12 * 3600 + 30 * 60],
    ['1-00:00:10', 86400 + 10]
  ])('%s → %d s', (text, seconds) => {
    expect(parseWalltime(text)).toBe(seconds);
  });

  it.each([
    ['', /not a walltime/],
    ['1h', /not a walltime/],
    ['01:60:00', /below 60/],
    ['10:75', /below 60/],
    ['1-24', /below 24/],
    ['1-2:3:4:5', /not a walltime/],
    ['0', /unlimited/],
    ['UNLIMITED', /unlimited/],
    ['00:00', /zero/],
    ['400-00', /longer than a year/]
  ])('refuses %j (%s)', (text, why) => {
    expect(() => parseWalltime(text)).toThrow(why);
    expect(() => parseWalltime(text)).toThrow(UnitError);
  });

  it('writes Slurm walltimes back', () => {
    for (const text of ['01:00:00', '00:05:30', '1-12:30:00', '12-00:00:01']) {
      expect(slurmWalltime(parseWalltime(text))).toBe(text);
    }
  });
});
