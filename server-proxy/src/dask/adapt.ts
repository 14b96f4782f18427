/**
 * Adaptivity driven from outside the scheduler (dask-anchors §7.4): the
 * scheduler's `desired_workers` (`/json/counts.json`) clamped to the range
 * and the site's maximum; up at once, down only after the target stayed
 * lower for a while (hysteresis: a short lull doesn't drop workers that
 * hold data), never within a cooldown of the last scaling.
 */
import type { IAdapt } from './types';

export interface IAdaptTimings {
  adaptCooldownMs: number;
  adaptDownAfterMs: number;
}

export class AdaptPolicy {
  constructor(private readonly _timings: IAdaptTimings) {}

  /**
   * The number of workers to scale to now, or null to stay. `scaledAt` is
   * when the cluster was last scaled (epoch ms).
   */
  step(options: {
    now: number;
    desired: unknown;
    requested: number;
    range: IAdapt;
    maxWorkers: number;
    scaledAt: number;
  }): number | null {
    const { now, requested, range } = options;
    const wanted = Math.floor(Number(options.desired ?? 0)) || 0;
    const target = Math.min(
      Math.max(wanted, range.minimum),
      range.maximum,
      options.maxWorkers
    );
    if (target >= requested) {
      this._belowSince = null;
    } else {
      this._belowSince ??= now;
    }
    if (
      target === requested ||
      now - options.scaledAt < this._timings.adaptCooldownMs
    ) {
      return null;
    }
    if (
      target < requested &&
      now - (this._belowSince ?? now) < this._timings.adaptDownAfterMs
    ) {
      return null;
    }
    this._belowSince = null;
    return target;
  }

  /** Forget the lull (the range changed). */
  reset(): void {
    this._belowSince = null;
  }

  private _belowSince: number | null = null;
}
