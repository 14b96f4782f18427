/**
 * The queue table's hooks for revealing a job (scroll to it, clearing the
 * filters that hide it, and a brief highlight) and for its own width.
 */
import * as React from 'react';
import type { IJob } from '../types';

/** How long a revealed row stays highlighted (ms; the CSS animation's). */
export const REVEAL_MS = 2000;

/** A request to scroll to a job; a new `seq` is a new request. */
export interface IRevealRequest {
  jobId: string;
  seq: number;
}

export interface IUseRevealOptions {
  request: IRevealRequest | null;
  /** The request was taken (a later mount must not act on it again). */
  onTaken?: () => void;
  /** The jobs shown (filtered, sorted) and every job. */
  shown: readonly IJob[];
  jobs: readonly IJob[];
  /** Whether a filter is on, and how to clear them all. */
  filtered: boolean;
  clearFilters: () => void;
  /** The job is at `index` of those shown: focus it and scroll there. */
  onFound: (jobId: string, index: number) => void;
}

/**
 * Carries out reveal requests; returns the `jobId` to highlight now (for
 * `REVEAL_MS`), or null.
 */
export function useReveal(options: IUseRevealOptions): string | null {
  const { request, onTaken, shown, jobs, filtered } = options;
  const [revealing, setRevealing] = React.useState<string | null>(null);
  const [flashed, setFlashed] = React.useState<string | null>(null);
  const handled = React.useRef(0);
  const latest = React.useRef(options);
  latest.current = options;

  React.useEffect(() => {
    if (request && request.seq !== handled.current) {
      handled.current = request.seq;
      setRevealing(request.jobId);
      onTaken?.();
    }
  }, [request, onTaken]);

  React.useEffect(() => {
    if (revealing === null) {
      return;
    }
    const index = shown.findIndex(job => job.jobId === revealing);
    if (index < 0 && filtered && jobs.some(job => job.jobId === revealing)) {
      // Hidden by a filter: show every job, then look again.
      latest.current.clearFilters();
      return;
    }
    setRevealing(null);
    if (index >= 0) {
      setFlashed(revealing);
      latest.current.onFound(revealing, index);
    }
  }, [revealing, shown, filtered, jobs]);

  React.useEffect(() => {
    if (flashed === null) {
      return;
    }
    const timer = setTimeout(() => setFlashed(null), REVEAL_MS);
    return () => clearTimeout(timer);
  }, [flashed]);

  return flashed;
}

/**
 * The width of an element (px), followed as it changes; 0 until measured.
 */
export function useWidth(ref: React.RefObject<HTMLElement>): number {
  const [width, setWidth] = React.useState(0);
  React.useLayoutEffect(() => {
    const node = ref.current;
    if (!node) {
      return;
    }
    setWidth(node.clientWidth);
    if (typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(() => setWidth(node.clientWidth));
    observer.observe(node);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
