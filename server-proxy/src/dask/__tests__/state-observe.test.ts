import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MetricsRing,
  parseSchedulerInfo,
  readSchedulerFile,
  tasksFrom,
  workerIndex,
  workersFrom
} from '../observe';
import { forgottenTotal, parseAddress } from '../scheduler-http';
import {
  defaultStateDir,
  ensureStateDir,
  newRecord,
  removeStaleSchedulerFile,
  writeRecord
} from '../state';

describe('state', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hpc-dask-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('follows Jupyter’s data-dir rules', () => {
    expect(defaultStateDir({ JUPYTER_DATA_DIR: '/j', HOME: '/h' })).toBe(
      '/j/jupyterlab-hpc/dask'
    );
    expect(defaultStateDir({ XDG_DATA_HOME: '/x', HOME: '/h' })).toBe(
      '/x/jupyter/jupyterlab-hpc/dask'
    );
    expect(defaultStateDir({ HOME: '/h' })).toBe(
      '/h/.local/share/jupyter/jupyterlab-hpc/dask'
    );
  });

  it('creates a 0700 state dir, tightens a loose one, accepts a symlink to one', () => {
    const state = join(dir, 'a', 'b');
    ensureStateDir(state);
    expect(statSync(state).mode & 0o777).toBe(0o700);
    chmodSync(state, 0o755);
    ensureStateDir(state);
    expect(statSync(state).mode & 0o777).toBe(0o700);
    const link = join(dir, 'link');
    symlinkSync(state, link);
    expect(() => ensureStateDir(link)).not.toThrow();
    writeFileSync(join(dir, 'file'), '');
    expect(() => ensureStateDir(join(dir, 'file'))).toThrow();
  });

  it('writes records atomically, leaving no temporary file', () => {
    const record = newRecord(dir, 'abcdef123456', 'local', 'n', undefined);
    mkdirSync(record.dir);
    writeRecord(record);
    writeRecord({ ...record, requested: 3 });
    expect(readdirSync(record.dir)).toEqual(['cluster.json']);
    expect(statSync(join(record.dir, 'cluster.json')).mode & 0o777).toBe(0o600);
  });

  it('removes a stale scheduler file only inside the cluster’s dir', () => {
    const outside = join(dir, 'theirs.json');
    writeFileSync(outside, '{}');
    const record = newRecord(dir, 'abcdef123456', 'external', 'n', undefined);
    removeStaleSchedulerFile({ ...record, schedulerFile: outside });
    expect(readdirSync(dir)).toContain('theirs.json');
    const own = newRecord(dir, 'abcdef654321', 'local', 'n', undefined);
    mkdirSync(own.dir);
    writeFileSync(own.schedulerFile, '{}');
    removeStaleSchedulerFile(own);
    expect(readdirSync(own.dir)).toEqual([]);
  });
});

describe('what the scheduler says', () => {
  it('reads scheduler files, and not half-written ones', () => {
    const text =
      '{"type": "Scheduler", "id": "Scheduler-9d87", "address": "tcp://127.0.0.1:40661", "services": {"dashboard": 8787}, "started": 1795438919.05, "workers": {}}';
    expect(parseSchedulerInfo(text)).toEqual({
      address: 'tcp://127.0.0.1:40661',
      scheduler: { host: '127.0.0.1', port: 40661 },
      dashboard: { host: '127.0.0.1', port: 8787 }
    });
    expect(parseSchedulerInfo(text.slice(0, 60))).toBeNull();
    expect(parseSchedulerInfo('{"address": "inproc://x"}')).toBeNull();
    expect(
      parseSchedulerInfo('{"address": "tls://[::1]:9000", "services": {}}')
    ).toEqual({
      address: 'tls://[::1]:9000',
      scheduler: { host: '::1', port: 9000 },
      dashboard: null
    });
    expect(readSchedulerFile('/nonexistent/scheduler.json')).toBeNull();
  });

  it('parses addresses strictly', () => {
    expect(parseAddress('tcp://node-7.cluster:8786')).toEqual({
      host: 'node-7.cluster',
      port: 8786
    });
    for (const bad of [
      'http://h:1',
      'tcp://h',
      'tcp://h:0',
      'tcp://h:99999',
      'tcp://a b:1'
    ]) {
      expect(parseAddress(bad)).toBeNull();
    }
  });

  it('reads the forgotten-tasks counter from /metrics (2022.12)', () => {
    const metrics =
      '# HELP dask_scheduler_tasks_forgotten_total Total number of processed tasks\n# TYPE dask_scheduler_tasks_forgotten_total counter\ndask_scheduler_tasks_forgotten_total 1234.0\ndask_scheduler_tasks{state="memory"} 3.0\n';
    expect(forgottenTotal(metrics)).toBe(1234);
    expect(
      forgottenTotal(
        '# Prometheus metrics are not available, see: https://docs.dask.org\n'
      )
    ).toBeNull();
  });

  it('orders workers by their index and maps Slurm jobs', () => {
    const record = {
      ...newRecord('/s', 'abcdef123456', 'slurm', 'n', undefined),
      workerJobIds: ['101', '102']
    };
    expect(workerIndex(record, 'abcdef123456-102')).toBe(1);
    expect(workerIndex(record, 'abcdef123456-w7')).toBe(7);
    expect(workerIndex(record, 'other-w1')).toBeNull();
    const workers = workersFrom(
      {
        workers: {
          'tcp://a:1': { name: 'stranger', nthreads: 1 },
          'tcp://a:2': {
            name: 'abcdef123456-102',
            nthreads: 2,
            memory_limit: 0
          },
          'tcp://a:3': {
            name: 'abcdef123456-101',
            nthreads: 4,
            memory_limit: 1024
          }
        }
      },
      record
    );
    expect(workers.map(w => [w.name, w.jobId])).toEqual([
      ['abcdef123456-101', '101'],
      ['abcdef123456-102', '102'],
      ['stranger', undefined]
    ]);
    expect(workers[1].memoryLimitBytes).toBeNull(); // 0 = no limit
    expect(
      tasksFrom({ waiting: 1, waiting_data: 2, unrunnable: 3, processing: 4 })
    ).toEqual({
      processing: 4,
      waiting: 6,
      memory: 0,
      erred: 0
    });
  });

  it('keeps one hour of samples', () => {
    const ring = new MetricsRing(3600_000, 10_000);
    const sample = {
      workers: 0,
      threads: 0,
      memoryBytes: 0,
      memoryLimitBytes: 0,
      processing: 0,
      queued: 0,
      tasksPerSecond: 0
    };
    for (let t = 0; t <= 7200; t += 2) {
      ring.push({ ...sample, time: t * 1000 });
    }
    expect(ring.length).toBe(1801);
    expect(ring.since(60, 7200_000)).toHaveLength(31);
  });
});
