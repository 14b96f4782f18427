/**
 * Number formatting for the meter: short, unit-aware, locale-independent
 * where it matters (the status bar must stay narrow).
 */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** The unit (power of 1024) that suits a value, for a "used / limit" pair. */
export function byteUnit(bytes: number): number {
  let unit = 0;
  let value = Math.abs(bytes);
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit;
}

/** `bytes` in a given unit, 1 decimal below 10 and none above. */
export function inUnit(bytes: number, unit: number): string {
  const value = bytes / Math.pow(1024, unit);
  return value >= 10 || unit === 0 ? value.toFixed(0) : value.toFixed(1);
}

/** "3.1 GB", "512 MB", "0 B". */
export function formatBytes(bytes: number): string {
  const unit = byteUnit(bytes);
  return `${inUnit(bytes, unit)} ${UNITS[unit]}`;
}

/** "3.1/16 GB": both in the limit's unit, so they read as one scale. */
export function formatUsedOf(used: number, limit: number): string {
  const unit = byteUnit(limit);
  return `${inUnit(used, unit)}/${inUnit(limit, unit)} ${UNITS[unit]}`;
}

/** "1.2" cores, trimmed: "4" not "4.0". */
export function formatCores(cores: number): string {
  const text = cores >= 10 ? cores.toFixed(0) : cores.toFixed(1);
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}

/** A time left, coarse enough for a status bar: "2d3h", "1h12m", "4m", "45s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (days > 0) {
    return `${days}d${hours}h`;
  }
  if (hours > 0) {
    return `${hours}h${String(minutes).padStart(2, '0')}m`;
  }
  if (minutes > 0) {
    return `${minutes}m`;
  }
  return `${s}s`;
}

/** The time of a sample in epoch milliseconds. */
export function sampleTime(time: string | number): number {
  return typeof time === 'number' ? time : Date.parse(time);
}

/** used / limit, or null when either is unknown or the limit is 0. */
export function ratio(
  used: number | null | undefined,
  limit: number | null | undefined
): number | null {
  if (used === null || used === undefined || !limit) {
    return null;
  }
  return used / limit;
}
