/**
 * The queue's freshness, derived from each answer (pure functions).
 */
import { HpcRequestError } from '../request';
import type { IQueue } from './types';

/** How the last refresh went. */
export interface IQueueStatus {
  /** Nothing has answered yet for the current scope. */
  loading: boolean;
  /** The jobs shown are the last good list, not the current queue. */
  stale: boolean;
  /** Why the last refresh failed, null when it worked. */
  error: { code: string; message: string } | null;
  /** When squeue last answered (ISO), as the server says. */
  fetchedAt: string | null;
  /** When the jobs' times were true, in this browser's clock (ms), or 0. */
  asOf: number;
}

/** Before any answer. */
export const EMPTY_STATUS: IQueueStatus = {
  loading: true,
  stale: false,
  error: null,
  fetchedAt: null,
  asOf: 0
};

/** The status after an answer received at `received` (ms). */
export function answered(
  queue: IQueue,
  previous: IQueueStatus,
  received: number
): IQueueStatus {
  const fetched = queue.fetchedAt ? Date.parse(queue.fetchedAt) : NaN;
  let asOf: number;
  if (queue.fetchedAt === previous.fetchedAt && previous.asOf > 0) {
    // The same data again (the server's cache): nothing changed.
    asOf = previous.asOf;
  } else {
    // A browser clock behind the server's must not run times back.
    asOf = fetched > 0 && fetched <= received ? fetched : received;
  }
  return {
    loading: false,
    stale: queue.stale,
    error: queue.error ?? null,
    fetchedAt: queue.fetchedAt,
    asOf
  };
}

/** The status after a failed request: the last good jobs stay, stale. */
export function failed(error: unknown, previous: IQueueStatus): IQueueStatus {
  const { code, message } =
    error instanceof HpcRequestError
      ? error
      : { code: 'ERROR', message: String(error) };
  return { ...previous, loading: false, stale: true, error: { code, message } };
}
