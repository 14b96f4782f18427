/**
 * The meter's model: polls the server's shared sampler (the server samples
 * whether or not anyone looks; this only fetches), keeps the recent samples
 * for the charts, and reports OOM kills and the allocation running out.
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import { HpcRequestError } from '../request';
import type { ResourcesClient } from './api';
import { meterEvents, type MeterEvent } from './events';
import { sampleTime } from './format';
import type { ISample } from './types';

export const DEFAULT_REFRESH_SECONDS = 2;
/** The longest history kept in the page (the server keeps its own). */
export const HISTORY_SECONDS = 3600;

export class ResourceModel {
  constructor(options: ResourceModel.IOptions) {
    this._client = options.client;
    this._refreshSeconds = options.refreshSeconds;
    this._now = options.now ?? Date.now;
    this._poll = new Poll({
      factory: () => this._fetch(),
      frequency: this._frequency(),
      standby: () => !this._enabled || 'when-hidden',
      name: 'jupyterlab-hpc:resources'
    });
  }

  /** The latest sample, null before the first answer. */
  get latest(): ISample | null {
    return this._samples.length
      ? this._samples[this._samples.length - 1]
      : null;
  }

  /** Samples of the last hour, oldest first. */
  get samples(): readonly ISample[] {
    return this._samples;
  }

  /** Why the last fetch failed (the last good sample is kept), or null. */
  get error(): string | null {
    return this._error;
  }

  get refreshSeconds(): number {
    return this._refreshSeconds;
  }
  set refreshSeconds(seconds: number) {
    this._refreshSeconds = Math.max(1, seconds);
    this._poll.frequency = this._frequency();
  }

  /** Seconds before the allocation's end that warn (0: never). */
  timeWarnSeconds = 15 * 60;

  /** Polling only while the server is there. */
  get enabled(): boolean {
    return this._enabled;
  }
  set enabled(enabled: boolean) {
    if (enabled === this._enabled) {
      return;
    }
    this._enabled = enabled;
    if (enabled) {
      void this._poll.refresh();
    }
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  /** OOM kills and the allocation running out, as they happen. */
  get events(): ISignal<this, MeterEvent[]> {
    return this._events;
  }

  /** Fetch now and resolve when applied. */
  async refresh(): Promise<void> {
    await this._poll.refresh();
    await this._poll.tick;
  }

  /** Merge the server's history (for charts that show the past at once). */
  async loadHistory(seconds = HISTORY_SECONDS): Promise<void> {
    const { samples } = await this._client.history(seconds);
    const byTime = new Map<number, ISample>();
    for (const sample of [...samples, ...this._samples]) {
      byTime.set(sampleTime(sample.time), sample);
    }
    this._samples = [...byTime.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(entry => entry[1]);
    this._trim();
    this._changed.emit();
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    let sample: ISample;
    try {
      sample = await this._client.sample();
    } catch (error) {
      this._error =
        error instanceof HpcRequestError || error instanceof Error
          ? error.message
          : String(error);
      this._changed.emit();
      throw error; // Poll backs off
    }
    const previous = this.latest;
    this._error = null;
    if (!previous || sampleTime(previous.time) !== sampleTime(sample.time)) {
      this._samples.push(sample);
      this._trim();
    }
    const events = meterEvents(
      this._first ? null : previous,
      sample,
      this._now(),
      this.timeWarnSeconds,
      this._warnedJobs
    );
    this._first = false;
    this._changed.emit();
    if (events.length) {
      this._events.emit(events);
    }
  }

  private _trim(): void {
    const latest = this.latest;
    if (!latest) {
      return;
    }
    const cutoff = sampleTime(latest.time) - HISTORY_SECONDS * 1000;
    let drop = 0;
    while (
      drop < this._samples.length &&
      sampleTime(this._samples[drop].time) < cutoff
    ) {
      drop++;
    }
    if (drop) {
      this._samples.splice(0, drop);
    }
  }

  private _frequency() {
    const interval = this._refreshSeconds * 1000;
    return { interval, backoff: true, max: Math.max(interval, 60_000) };
  }

  private _client: ResourcesClient;
  private _refreshSeconds: number;
  private _now: () => number;
  private _poll: Poll;
  private _enabled = false;
  private _first = true;
  private _samples: ISample[] = [];
  private _error: string | null = null;
  private _warnedJobs = new Set<string>();
  private _changed = new Signal<this, void>(this);
  private _events = new Signal<this, MeterEvent[]>(this);
}

export namespace ResourceModel {
  export interface IOptions {
    client: ResourcesClient;
    refreshSeconds: number;
    /** The clock (tests). */
    now?: () => number;
  }
}
