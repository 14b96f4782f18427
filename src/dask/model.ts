/**
 * The clusters model: one `Poll` of `dask/clusters` (fast while a cluster is
 * on its way somewhere), the last good list, why the last refresh failed, the
 * selected cluster, and the user's actions, each followed by a refresh.
 */
import { IPoll, Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import { HpcRequestError } from '../request';
import type { DaskClient } from './api';
import { ClusterEvent, clusterEvents } from './events';
import {
  AdoptRequest,
  IAdapt,
  ICluster,
  ICreateRequest,
  isTransitional
} from './types';

export const DEFAULT_REFRESH_SECONDS = 5;
/** The interval while a cluster is starting, scaling or stopping. */
export const FAST_SECONDS = 2;
/** The longest back-off while the server fails. */
export const MAX_BACKOFF_MS = 60_000;

export class ClusterModel {
  constructor(options: ClusterModel.IOptions) {
    this._client = options.client;
    this._seconds = clampSeconds(
      options.refreshSeconds ?? DEFAULT_REFRESH_SECONDS
    );
    this._poll = new Poll({
      factory: () => this._fetch(),
      frequency: this._frequency(),
      standby: () => this._standby(),
      name: 'jupyterlab-hpc:dask-clusters'
    });
  }

  /** The clusters, in the server's order. */
  get clusters(): readonly ICluster[] {
    return this._clusters;
  }

  /** Whether the list was answered at least once. */
  get loaded(): boolean {
    return this._previous !== null;
  }

  /** Why the last refresh failed (the last good list is kept), or null. */
  get error(): string | null {
    return this._error;
  }

  /** Failed refreshes in a row (the poll backs off meanwhile). */
  get failures(): number {
    return this._failures;
  }

  /** The refresh interval in seconds while nothing is in transition. */
  get refreshSeconds(): number {
    return this._seconds;
  }
  set refreshSeconds(seconds: number) {
    const next = clampSeconds(seconds);
    if (next !== this._seconds) {
      this._seconds = next;
      this._updateFrequency();
    }
  }

  /** The interval the poll uses now (ms): fast while something moves. */
  get interval(): number {
    return this._frequency().interval as number;
  }

  /** False while Dask is unavailable: nothing is polled. */
  get enabled(): boolean {
    return this._enabled;
  }
  set enabled(enabled: boolean) {
    if (enabled === this._enabled) {
      return;
    }
    this._enabled = enabled;
    if (enabled) {
      void this.refresh();
    }
  }

  /** Whether a view shows the clusters. */
  get isActive(): boolean {
    return this._active;
  }
  set isActive(active: boolean) {
    if (active === this._active) {
      return;
    }
    this._active = active;
    if (active && this._enabled) {
      void this.refresh();
    }
  }

  /** The selected cluster's id (commands act on it), or null. */
  get selected(): string | null {
    return this._selected;
  }
  set selected(id: string | null) {
    if (id === this._selected) {
      return;
    }
    this._selected = id;
    this._changed.emit();
  }

  /** The selected cluster, or the only one when there is exactly one. */
  get selectedCluster(): ICluster | null {
    const found = this._clusters.find(c => c.id === this._selected);
    if (found) {
      return found;
    }
    return this._clusters.length === 1 ? this._clusters[0] : null;
  }

  find(id: string): ICluster | null {
    return this._clusters.find(c => c.id === id) ?? null;
  }

  /** Anything shown changed (list, error, selection). */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Clusters that came up, failed or went away (from the poll). */
  get events(): ISignal<this, ClusterEvent[]> {
    return this._events;
  }

  /** Fetch now (even in standby) and resolve once the answer is applied. */
  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    this._forced = true;
    try {
      await this._poll.refresh();
      await this._poll.tick;
    } catch (error) {
      if (!this.isDisposed) {
        throw error;
      }
    }
  }

  /** Start a cluster; the list shows it at once, "starting". */
  async create(request: ICreateRequest): Promise<ICluster> {
    const cluster = await this._client.create(request);
    this._upsert(cluster);
    this._selected = cluster.id;
    this._changed.emit();
    void this.refresh();
    return cluster;
  }

  async adopt(request: AdoptRequest): Promise<ICluster> {
    const cluster = await this._client.adopt(request);
    this._upsert(cluster);
    this._selected = cluster.id;
    this._changed.emit();
    void this.refresh();
    return cluster;
  }

  async scale(id: string, workers: number): Promise<ICluster> {
    return this._apply(await this._client.scale(id, workers));
  }

  async setAdapt(id: string, adapt: IAdapt | null): Promise<ICluster> {
    return this._apply(await this._client.adapt(id, adapt));
  }

  /**
   * Shut down (or forget, for an external cluster; or remove, for a failed
   * one). The card says "stopping…" at once; the server answers once
   * nothing of the cluster is left.
   */
  async shutdown(id: string): Promise<void> {
    // This page says so itself: the poll must not report it again.
    this._quiet.add(id);
    const cluster = this.find(id);
    if (cluster) {
      this._upsert({ ...cluster, status: 'stopping' });
      this._changed.emit();
    }
    try {
      await this._client.remove(id);
    } catch (error) {
      this._quiet.delete(id);
      if (cluster && this.find(id)?.status === 'stopping') {
        this._upsert(cluster);
        this._changed.emit();
      }
      void this.refresh();
      throw error;
    }
    void this.refresh();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    this._forced = false;
    const request = ++this._requests;
    let clusters: ICluster[];
    try {
      clusters = await this._client.clusters();
    } catch (error) {
      if (this.isDisposed || request !== this._requests) {
        return;
      }
      this._failures++;
      this._error = messageOf(error);
      this._changed.emit();
      // Rejecting makes the poll back off while the server can't answer.
      throw error;
    }
    if (this.isDisposed || request !== this._requests) {
      return;
    }
    const events = clusterEvents(this._previous, clusters, this._quiet);
    for (const id of [...this._quiet]) {
      if (!clusters.some(c => c.id === id && c.status !== 'stopped')) {
        this._quiet.delete(id);
      }
    }
    const changed =
      this._error !== null ||
      this._previous === null ||
      JSON.stringify(clusters) !== JSON.stringify(this._clusters);
    this._previous = clusters;
    this._clusters = clusters;
    this._error = null;
    this._failures = 0;
    this._updateFrequency();
    if (changed) {
      this._changed.emit();
    }
    if (events.length) {
      this._events.emit(events);
    }
  }

  private _apply(cluster: ICluster): ICluster {
    this._upsert(cluster);
    this._changed.emit();
    this._updateFrequency();
    void this.refresh();
    return cluster;
  }

  private _upsert(cluster: ICluster): void {
    const i = this._clusters.findIndex(c => c.id === cluster.id);
    this._clusters =
      i === -1
        ? [...this._clusters, cluster]
        : [
            ...this._clusters.slice(0, i),
            cluster,
            ...this._clusters.slice(i + 1)
          ];
  }

  private _moving(): boolean {
    return this._clusters.some(c => isTransitional(c.status));
  }

  private _standby(): boolean | Poll.Standby {
    if (this._forced) {
      return false;
    }
    if (!this._enabled) {
      return true;
    }
    // A hidden panel still watches the user's clusters (their
    // notifications: running, failed, gone); with none, nothing is asked
    // until the panel is shown. A hidden browser tab asks nothing.
    return this._active || this._clusters.length > 0 ? 'when-hidden' : true;
  }

  private _frequency(): IPoll.Frequency {
    const seconds = this._moving() ? FAST_SECONDS : this._seconds;
    const interval = seconds * 1000;
    return { interval, backoff: true, max: Math.max(interval, MAX_BACKOFF_MS) };
  }

  private _updateFrequency(): void {
    const next = this._frequency();
    const current = this._poll.frequency;
    if (next.interval !== current.interval || next.max !== current.max) {
      this._poll.frequency = next;
    }
  }

  private _client: DaskClient;
  private _poll: Poll;
  private _seconds: number;
  private _enabled = false;
  private _active = false;
  private _forced = false;
  private _requests = 0;
  private _clusters: ICluster[] = [];
  private _previous: ICluster[] | null = null;
  private _error: string | null = null;
  private _failures = 0;
  private _selected: string | null = null;
  private _quiet = new Set<string>();
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
  private _events = new Signal<this, ClusterEvent[]>(this);
}

export namespace ClusterModel {
  export interface IOptions {
    client: DaskClient;
    /** Seconds between polls while nothing moves (default 5, at least 1). */
    refreshSeconds?: number;
  }
}

/** The words of a failure (the server's message when it sent one). */
export function messageOf(error: unknown): string {
  if (error instanceof HpcRequestError || error instanceof Error) {
    return error.message;
  }
  return String(error);
}

function clampSeconds(seconds: number): number {
  return Number.isFinite(seconds)
    ? Math.max(1, seconds)
    : DEFAULT_REFRESH_SECONDS;
}
