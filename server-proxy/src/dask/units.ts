/**
 * Sizes and walltimes as people and Slurm write them, read into numbers, and
 * written back the way Dask (`--memory-limit` in bytes) and Slurm (`--mem` in
 * MiB, `-t`) read them. Slurm's suffixes are binary: `4G` is 4 GiB, while
 * Dask's `4GB` is 4·10⁹ bytes (dask-anchors §8.14), so both are accepted and
 * kept apart.
 */

/** A size or walltime that can't be read; `code` is the API's error code. */
export class UnitError extends Error {
  constructor(
    readonly code: 'BAD_MEMORY' | 'BAD_WALLTIME',
    message: string
  ) {
    super(message);
    this.name = 'UnitError';
  }
}

const KIB = 1024;
const MIB = KIB * 1024;
const POWERS: Record<string, number> = { K: 1, M: 2, G: 3, T: 4, P: 5 };

/**
 * `"4GiB"`, `"4GB"` (decimal), `"4G"` (Slurm's: GiB), `"512M"`, `"1.5GiB"`,
 * `"1073741824"` (bytes) or a number of bytes → bytes (an integer above 0).
 */
export function parseMemory(value: string | number): number {
  const text = String(value).trim();
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*(?:([KMGTP])(i?)(B?)|(B?))$/i.exec(text);
  if (!m) {
    throw new UnitError(
      'BAD_MEMORY',
      `"${text}" is not a memory size: write a number with a unit, e.g. 4GiB, 4G (Slurm's G is GiB), 4GB (10^9 bytes), 512MiB or 512M, or a number of bytes.`
    );
  }
  const [, amount, prefix, binary, byte] = m;
  let bytes = Number(amount);
  if (prefix) {
    const power = POWERS[prefix.toUpperCase()];
    // "4GB" is decimal as Dask means it; "4G" and "4GiB" are binary.
    const base = byte && !binary ? 1000 : 1024;
    bytes *= base ** power;
  }
  bytes = Math.floor(bytes);
  if (bytes < 1) {
    throw new UnitError(
      'BAD_MEMORY',
      `"${text}" is no memory at all: give a size above zero, e.g. 2GiB.`
    );
  }
  if (bytes > Number.MAX_SAFE_INTEGER) {
    throw new UnitError(
      'BAD_MEMORY',
      `"${text}" is larger than any machine's memory: give a size in GiB or TiB.`
    );
  }
  return bytes;
}

/** Bytes as Dask's `--memory-limit` takes them (a plain integer). */
export function daskMemory(bytes: number): string {
  return String(Math.floor(bytes));
}

/** Bytes as Slurm's `--mem` takes them: MiB, rounded up (`"2048M"`). */
export function slurmMemory(bytes: number): string {
  return `${Math.max(1, Math.ceil(bytes / MIB))}M`;
}

/** Bytes for people: `"2 GiB"`, `"1.5 GiB"`, `"512 MiB"`. */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = Number.isInteger(value) ? value : Number(value.toFixed(1));
  return `${shown} ${units[unit]}`;
}

const WALLTIME_HELP =
  'use one of Slurm\'s formats: "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM" or "D-HH:MM:SS" (e.g. 01:30:00 or 2-00)';

/**
 * A Slurm walltime → seconds (above zero). Unlimited (`0`, `UNLIMITED`,
 * `INFINITE`) is refused: a Dask cluster's jobs must end by themselves.
 */
export function parseWalltime(value: string): number {
  const text = value.trim();
  if (/^(0+|unlimited|infinite)$/i.test(text)) {
    throw new UnitError(
      'BAD_WALLTIME',
      `"${text}" would be an unlimited walltime: give a limit, e.g. 01:00:00, so that the cluster's jobs end by themselves.`
    );
  }
  const bad = (why = ''): UnitError =>
    new UnitError(
      'BAD_WALLTIME',
      `"${text}" is not a walltime${why}: ${WALLTIME_HELP}.`
    );
  const days = /^([0-9]+)-([0-9]+)(?::([0-9]+))?(?::([0-9]+))?$/.exec(text);
  let seconds: number;
  if (days) {
    const [d, h, m, s] = days.slice(1).map(x => Number(x ?? 0));
    if (h >= 24 || m >= 60 || s >= 60) {
      throw bad(' (hours must be below 24, minutes and seconds below 60)');
    }
    seconds = ((d * 24 + h) * 60 + m) * 60 + s;
  } else if (/^[0-9]+(:[0-9]+){0,2}$/.test(text)) {
    const parts = text.split(':').map(Number);
    if (parts.length === 1) {
      seconds = parts[0] * 60; // "MM"
    } else if (parts.length === 2) {
      if (parts[1] >= 60) {
        throw bad(' (seconds must be below 60)');
      }
      seconds = parts[0] * 60 + parts[1]; // "MM:SS"
    } else {
      if (parts[1] >= 60 || parts[2] >= 60) {
        throw bad(' (minutes and seconds must be below 60)');
      }
      seconds = (parts[0] * 60 + parts[1]) * 60 + parts[2]; // "HH:MM:SS"
    }
  } else {
    throw bad();
  }
  if (seconds <= 0) {
    throw bad(' (it is zero)');
  }
  if (seconds > 365 * 86400) {
    throw bad(' (it is longer than a year)');
  }
  return seconds;
}

/** Seconds as Slurm's `-t` takes them: `"HH:MM:SS"`, or `"D-HH:MM:SS"`. */
export function slurmWalltime(seconds: number): string {
  const total = Math.ceil(seconds);
  const two = (n: number): string => String(n).padStart(2, '0');
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const hms = `${two(h)}:${two(m)}:${two(s)}`;
  return d ? `${d}-${hms}` : hms;
}
