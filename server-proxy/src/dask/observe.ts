/**
 * What the scheduler says, turned into the API's shapes: its scheduler file,
 * `/json/identity.json` (the workers), `/json/counts.json` (tasks, desired
 * workers), and the metrics ring the charts read. Pure functions and one
 * small class; the HTTP is in scheduler-http.ts.
 */
import { readFileSync } from 'node:fs';
import type { IClusterRecord, IClusterSample, IClusterWorker } from './types';
import {
  forgottenTotal,
  getJson,
  IEndpoint,
  parseAddress,
  schedulerRequest
} from './scheduler-http';

/** The parts of a scheduler file (= `Scheduler.identity()`) we use. */
export interface ISchedulerInfo {
  address: string;
  scheduler: IEndpoint;
  dashboard: IEndpoint | null;
}

/** Reads a scheduler file's content; null when it is not one. */
export function parseSchedulerInfo(text: string): ISchedulerInfo | null {
  let data: { address?: unknown; services?: { dashboard?: unknown } };
  try {
    data = JSON.parse(text) as typeof data;
  } catch {
    return null; // written without rename: maybe half-written, read again
  }
  if (typeof data?.address !== 'string') {
    return null;
  }
  const scheduler = parseAddress(data.address);
  if (!scheduler) {
    return null;
  }
  const port = data.services?.dashboard;
  const dashboard =
    typeof port === 'number' && Number.isInteger(port) && port > 0
      ? { host: scheduler.host, port }
      : null;
  return { address: data.address, scheduler, dashboard };
}

/** The scheduler file at `path`, or null (missing, partial, not one). */
export function readSchedulerFile(path: string): ISchedulerInfo | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  return text.length > 1 << 20 ? null : parseSchedulerInfo(text);
}

interface IWorkerIdentity {
  name?: unknown;
  nthreads?: number;
  memory_limit?: number;
  metrics?: {
    memory?: number;
    cpu?: number;
    executing?: number;
    task_counts?: { executing?: number };
  };
}

export interface IIdentity {
  workers?: Record<string, IWorkerIdentity>;
}

/** `/json/counts.json` (2022.12 fields; newer ones may add more). */
export interface ICounts {
  processing?: number;
  waiting?: number;
  waiting_data?: number;
  unrunnable?: number;
  queued?: number;
  memory?: number;
  erred?: number;
  released?: number;
  desired_workers?: number;
}

const num = (v: unknown): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : 0;
const orNull = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : null;

/**
 * A worker's position among the record's workers: `<id>-w<n>` (local) or
 * `<id>-<jobId>` (Slurm: the n-th of `workerJobIds`); null when unknown.
 */
export function workerIndex(
  record: IClusterRecord,
  name: string
): number | null {
  const prefix = `${record.id}-`;
  if (!name.startsWith(prefix)) {
    return null;
  }
  const rest = name.slice(prefix.length);
  const local = /^w(\d+)$/.exec(rest);
  if (local) {
    return Number(local[1]);
  }
  const job = (record.workerJobIds ?? []).indexOf(rest);
  return job >= 0 ? job : null;
}

/** The connected workers, in the record's order (unknown names last). */
export function workersFrom(
  identity: IIdentity,
  record: IClusterRecord
): IClusterWorker[] {
  const list = Object.entries(identity.workers ?? {}).map(([address, w]) => {
    const name = String(w.name ?? address);
    const worker: IClusterWorker = {
      name,
      address,
      nthreads: num(w.nthreads),
      memoryLimitBytes: orNull(w.memory_limit) || null,
      memoryBytes: orNull(w.metrics?.memory),
      cpuPercent: orNull(w.metrics?.cpu),
      executing: num(w.metrics?.task_counts?.executing ?? w.metrics?.executing)
    };
    const index = workerIndex(record, name);
    const jobId = index === null ? undefined : record.workerJobIds?.[index];
    if (jobId) {
      worker.jobId = jobId;
    }
    return worker;
  });
  const order = (w: IClusterWorker): number =>
    workerIndex(record, w.name) ?? Number.MAX_SAFE_INTEGER;
  return list.sort(
    (a, b) => order(a) - order(b) || a.name.localeCompare(b.name)
  );
}

/** Totals over the connected workers. */
export function totals(workers: IClusterWorker[]): {
  threads: number;
  memoryBytes: number;
  memoryUsedBytes: number;
} {
  let threads = 0;
  let memoryBytes = 0;
  let memoryUsedBytes = 0;
  for (const w of workers) {
    threads += w.nthreads;
    memoryBytes += w.memoryLimitBytes ?? 0;
    memoryUsedBytes += w.memoryBytes ?? 0;
  }
  return { threads, memoryBytes, memoryUsedBytes };
}

/** The API's task counts: `waiting` is everything not yet computing. */
export function tasksFrom(counts: ICounts): {
  processing: number;
  waiting: number;
  memory: number;
  erred: number;
} {
  return {
    processing: num(counts.processing),
    waiting:
      num(counts.waiting) +
      num(counts.waiting_data) +
      num(counts.unrunnable) +
      num(counts.queued),
    memory: num(counts.memory),
    erred: num(counts.erred)
  };
}

/**
 * Tasks finished so far, as well as counts tell: those in memory, erred or
 * released, plus those already forgotten (`/metrics`, when there). Its rise
 * between two polls is the throughput.
 */
export function finishedTasks(
  counts: ICounts,
  forgotten: number | null
): number {
  return (
    num(counts.memory) +
    num(counts.erred) +
    num(counts.released) +
    (forgotten ?? 0)
  );
}

/** What one poll of a scheduler's dashboard port read. */
export interface ISchedulerRead {
  identity: IIdentity;
  counts: ICounts;
  plots: Record<string, string>;
  /** Finished tasks so far (see `finishedTasks`). */
  finished: number;
}

/**
 * Reads a scheduler's JSON endpoints: identity and counts every time,
 * `/individual-plots.json` once, `/metrics` while it has the forgotten-tasks
 * counter (not without prometheus_client). Rejects when one fails.
 */
export class SchedulerReader {
  async read(dashboard: IEndpoint): Promise<ISchedulerRead> {
    const [identity, counts] = await Promise.all([
      getJson<IIdentity>(dashboard, '/json/identity.json'),
      getJson<ICounts>(dashboard, '/json/counts.json')
    ]);
    this._plots ??= await getJson<Record<string, string>>(
      dashboard,
      '/individual-plots.json'
    ).catch(() => ({}));
    let forgotten: number | null = null;
    if (this._hasMetrics !== false) {
      const metrics = await schedulerRequest(dashboard, '/metrics').catch(
        () => null
      );
      forgotten = metrics?.status === 200 ? forgottenTotal(metrics.body) : null;
      this._hasMetrics = forgotten !== null;
    }
    return {
      identity,
      counts,
      plots: this._plots,
      finished: finishedTasks(counts, forgotten)
    };
  }

  private _plots: Record<string, string> | null = null;
  private _hasMetrics: boolean | null = null;
}

/** Samples of the last hour (at most `capacity`), oldest first. */
export class MetricsRing {
  constructor(
    private readonly _maxAgeMs = 3600_000,
    private readonly _capacity = 7200
  ) {}

  push(sample: IClusterSample): void {
    this._samples.push(sample);
    const oldest = sample.time - this._maxAgeMs;
    let drop = 0;
    while (
      drop < this._samples.length &&
      (this._samples[drop].time < oldest ||
        this._samples.length - drop > this._capacity)
    ) {
      drop++;
    }
    if (drop) {
      this._samples.splice(0, drop);
    }
  }

  /**
   * Adds the sample of one poll; tasks per second is the rise of `finished`
   * since the previous one.
   */
  record(
    now: number,
    workers: IClusterWorker[],
    counts: ICounts,
    finished: number
  ): void {
    const previous = this._finished;
    this._finished = { time: now, count: finished };
    const seconds = previous ? (now - previous.time) / 1000 : 0;
    const sums = totals(workers);
    const tasks = tasksFrom(counts);
    this.push({
      time: now,
      workers: workers.length,
      threads: sums.threads,
      memoryBytes: sums.memoryUsedBytes,
      memoryLimitBytes: sums.memoryBytes,
      processing: tasks.processing,
      queued: tasks.waiting,
      tasksPerSecond:
        previous && seconds > 0
          ? Math.max(0, finished - previous.count) / seconds
          : 0
    });
  }

  /** The samples of the last `seconds`. */
  since(seconds: number, now = Date.now()): IClusterSample[] {
    const from = now - seconds * 1000;
    return this._samples.filter(s => s.time >= from);
  }

  get length(): number {
    return this._samples.length;
  }

  private _samples: IClusterSample[] = [];
  private _finished: { time: number; count: number } | null = null;
}
