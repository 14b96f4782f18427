/**
 * Short texts for the cluster cards: sizes, ages, memory strings.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ClusterBackend, ClusterStatus } from './types';

export { formatBytes } from '../resources/format';

/** "45s", "12m", "3h 5m", "2d 4h" since `since` (ISO time). */
export function formatAge(since: string, now: number): string {
  const start = Date.parse(since);
  const s = Number.isFinite(start)
    ? Math.max(0, Math.floor((now - start) / 1000))
    : 0;
  if (s < 60) {
    return `${s}s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m}m`;
  }
  const h = Math.floor(m / 60);
  if (h < 24) {
    return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  }
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

export function backendLabel(
  backend: ClusterBackend,
  trans: TranslationBundle
): string {
  switch (backend) {
    case 'local':
      return trans.__('Local');
    case 'slurm':
      return trans.__('Slurm');
    case 'external':
      return trans.__('External');
  }
}

export function statusLabel(
  status: ClusterStatus,
  trans: TranslationBundle
): string {
  switch (status) {
    case 'starting':
      return trans.__('starting…');
    case 'running':
      return trans.__('running');
    case 'scaling':
      return trans.__('scaling…');
    case 'stopping':
      return trans.__('stopping…');
    case 'stopped':
      return trans.__('stopped');
    case 'failed':
      return trans.__('failed');
  }
}
