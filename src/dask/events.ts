/**
 * What changed between two answers of the cluster list that the user should
 * hear about: a cluster came up, failed, or is gone.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ICluster } from './types';

export type ClusterEvent =
  | { kind: 'running'; cluster: ICluster }
  | { kind: 'failed'; cluster: ICluster }
  | { kind: 'stopped'; cluster: ICluster };

/**
 * The events between `previous` and `next` (`previous` null: the first
 * answer, nothing to report). A cluster that leaves the list, or reaches
 * "stopped", was shut down; `quiet` ids (shut down by this page, which says
 * so itself) are not reported.
 */
export function clusterEvents(
  previous: readonly ICluster[] | null,
  next: readonly ICluster[],
  quiet: ReadonlySet<string> = new Set()
): ClusterEvent[] {
  if (previous === null) {
    return [];
  }
  const before = new Map(previous.map(c => [c.id, c]));
  const events: ClusterEvent[] = [];
  for (const cluster of next) {
    const old = before.get(cluster.id);
    before.delete(cluster.id);
    const was = old?.status;
    if (
      cluster.status === 'running' &&
      (was === undefined || was === 'starting')
    ) {
      // A new one seen running at once was started elsewhere (another tab):
      // still worth a word, as it is the user's.
      events.push({ kind: 'running', cluster });
    } else if (cluster.status === 'failed' && was !== 'failed') {
      events.push({ kind: 'failed', cluster });
    } else if (
      cluster.status === 'stopped' &&
      was !== undefined &&
      was !== 'stopped' &&
      !quiet.has(cluster.id)
    ) {
      events.push({ kind: 'stopped', cluster });
    }
  }
  for (const gone of before.values()) {
    if (
      gone.status !== 'stopped' &&
      gone.status !== 'failed' &&
      !quiet.has(gone.id)
    ) {
      events.push({ kind: 'stopped', cluster: gone });
    }
  }
  return events;
}

/** The notification's sentence for an event. */
export function eventMessage(
  event: ClusterEvent,
  trans: TranslationBundle
): string {
  const { cluster } = event;
  switch (event.kind) {
    case 'running':
      return trans._n(
        'Dask cluster %2 is running with %1 worker.',
        'Dask cluster %2 is running with %1 workers.',
        cluster.workers.connected,
        cluster.name
      );
    case 'failed':
      return trans.__(
        'Dask cluster %1 failed: %2',
        cluster.name,
        cluster.error?.message ?? trans.__('no reason given')
      );
    case 'stopped':
      return trans.__('Dask cluster %1 was shut down.', cluster.name);
  }
}
