/**
 * Test doubles at the seams of the Dask service: a fake scheduler HTTP server
 * (the endpoints of dask-anchors §7.3 with 2022.12's shapes) and a fake
 * backend that writes a scheduler file pointing at it and "connects" workers
 * by adding them to the fake's identity. Not a test file itself.
 */
import { writeFileSync } from 'node:fs';
import {
  createServer,
  IncomingMessage,
  Server,
  ServerResponse
} from 'node:http';
import { AddressInfo } from 'node:net';
import { SpawnError } from '../../exec';
import type {
  IClusterPreview,
  IClusterRecord,
  IClusterWorker,
  IDaskBackend
} from '../types';

export class FakeScheduler {
  port = 0;
  healthy = true;
  workers = new Map<
    string,
    { name: string; nthreads: number; memory: number }
  >();
  counts: Record<string, number> = {
    processing: 0,
    waiting: 0,
    memory: 0,
    erred: 0,
    released: 0,
    desired_workers: 0
  };
  forgotten: number | null = 0;
  plots: Record<string, string> = {};
  retired: string[][] = [];
  hits: string[] = [];

  async start(): Promise<void> {
    this._server = createServer((req, res) => this._answer(req, res));
    await new Promise<void>(r => this._server?.listen(0, '127.0.0.1', r));
    this.port = (this._server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this._server?.closeAllConnections();
    await new Promise(r => this._server?.close(r));
  }

  /** Connects worker `name` (address derived from a counter). */
  connect(name: string, nthreads = 2, memory = 1 << 30): string {
    const address = `tcp://127.0.0.1:${40000 + this._next++}`;
    this.workers.set(address, { name, nthreads, memory });
    return address;
  }

  disconnect(name: string): void {
    for (const [address, w] of this.workers) {
      if (w.name === name) {
        this.workers.delete(address);
      }
    }
  }

  /** A scheduler file's text pointing at this fake. */
  schedulerFile(): string {
    return JSON.stringify({
      type: 'Scheduler',
      address: 'tcp://127.0.0.1:1',
      services: { dashboard: this.port },
      workers: {}
    });
  }

  private _answer(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '';
    this.hits.push(`${req.method} ${path}`);
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!this.healthy) {
      res.writeHead(500).end('down');
      return;
    }
    if (path === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else if (path === '/json/identity.json') {
      const workers: Record<string, unknown> = {};
      for (const [address, w] of this.workers) {
        workers[address] = {
          type: 'Worker',
          name: w.name,
          nthreads: w.nthreads,
          memory_limit: w.memory,
          metrics: {
            task_counts: { executing: 1 },
            memory: w.memory / 4,
            cpu: 12.5
          }
        };
      }
      json({ type: 'Scheduler', address: 'tcp://127.0.0.1:1', workers });
    } else if (path === '/json/counts.json') {
      json({ ...this.counts, workers: this.workers.size });
    } else if (path === '/individual-plots.json') {
      json(this.plots);
    } else if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(
        this.forgotten === null
          ? '# Prometheus metrics are not available\n'
          : `# TYPE dask_scheduler_tasks_forgotten_total counter\ndask_scheduler_tasks_forgotten_total ${this.forgotten}\n`
      );
    } else if (path === '/api/v1/retire_workers' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const addresses = (JSON.parse(body) as { workers: string[] }).workers;
        this.retired.push(addresses);
        json({});
      });
    } else {
      res.writeHead(404).end('404: Not Found');
    }
  }

  private _server: Server | undefined;
  private _next = 0;
}

/** What the fake backend was asked to do. */
export interface IBackendCall {
  method: string;
  id: string;
  n?: number;
}

export class FakeBackend implements IDaskBackend {
  constructor(private readonly _scheduler: FakeScheduler) {}

  calls: IBackendCall[] = [];
  /** What alive() answers (per cluster id, else `aliveDefault`). */
  aliveById = new Map<string, boolean>();
  aliveDefault = true;
  /** start(): write the scheduler file (else the scheduler "never starts"). */
  writeFile = true;
  /** start(): connect the requested workers at once. */
  connectWorkers = true;
  startError: Error | null = null;

  preview(record: IClusterRecord): IClusterPreview {
    return {
      scheduler: { argv: ['scheduler', record.schedulerFile] },
      worker: { argv: ['worker', String(record.spec?.threadsPerWorker)] }
    };
  }

  async start(record: IClusterRecord): Promise<void> {
    this.calls.push({ method: 'start', id: record.id, n: record.requested });
    if (this.startError) {
      throw this.startError;
    }
    record.schedulerPid = 4242;
    record.workerPids = [];
    if (this.writeFile) {
      writeFileSync(record.schedulerFile, this._scheduler.schedulerFile());
    }
    this._grow(record, record.requested);
  }

  async scale(
    record: IClusterRecord,
    n: number,
    _current: IClusterWorker[]
  ): Promise<void> {
    this.calls.push({ method: 'scale', id: record.id, n });
    const pids = record.workerPids ?? [];
    if (n > pids.length) {
      this._grow(record, n);
    } else {
      for (let i = n; i < pids.length; i++) {
        this._scheduler.disconnect(`${record.id}-w${i}`);
      }
      record.workerPids = pids.slice(0, n);
    }
  }

  async stop(record: IClusterRecord): Promise<void> {
    this.calls.push({ method: 'stop', id: record.id });
    this.aliveById.set(record.id, false);
  }

  async alive(record: IClusterRecord): Promise<boolean> {
    this.calls.push({ method: 'alive', id: record.id });
    return this.aliveById.get(record.id) ?? this.aliveDefault;
  }

  async logTail(_record: IClusterRecord, lines: number): Promise<string[]> {
    return ['line 1', 'ModuleNotFoundError: No module named distributed'].slice(
      -lines
    );
  }

  count(method: string): number {
    return this.calls.filter(c => c.method === method).length;
  }

  private _grow(record: IClusterRecord, n: number): void {
    const pids = record.workerPids ?? [];
    for (let i = pids.length; i < n; i++) {
      pids.push(5000 + i);
      if (this.connectWorkers) {
        this._scheduler.connect(`${record.id}-w${i}`);
      }
    }
    record.workerPids = pids;
  }
}

export const notFound = new SpawnError(
  '/nonexistent/python',
  'ENOENT',
  '/nonexistent/python: command not found'
);
