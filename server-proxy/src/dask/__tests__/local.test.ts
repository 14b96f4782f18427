import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, waitFor } from '../../__tests__/helpers';
import { parseConfig } from '../../config';
import { Executor, signalGroup } from '../../exec';
import { LocalDaskBackend, tailFile } from '../local';
import { groupMembers } from '../procs';
import type { IClusterRecord } from '../types';

describe('LocalDaskBackend', () => {
  let dir: string;
  let executor: Executor;
  const groups: number[] = [];

  function record(extra: Partial<IClusterRecord> = {}): IClusterRecord {
    const clusterDir = join(dir, 'abcdef123456');
    mkdirSync(clusterDir, { recursive: true });
    return {
      version: 1,
      id: 'abcdef123456',
      name: 'x',
      backend: 'local',
      dir: clusterDir,
      schedulerFile: join(clusterDir, 'scheduler.json'),
      requested: 1,
      adapt: null,
      createdAt: '',
      uid: 0,
      spec: {
        backend: 'local',
        name: 'x',
        workers: 1,
        threadsPerWorker: 3,
        memoryPerWorkerBytes: 1 << 30,
        walltimeSeconds: null,
        partition: null,
        account: null,
        adapt: null
      },
      ...extra
    };
  }

  /** A stand-in daemon; `marker` in its argv when given. */
  async function daemon(marker?: string): Promise<number> {
    const d = await executor.daemon(
      '/bin/sh',
      ['-c', 'sleep 60 & wait', 'sh', ...(marker ? [marker] : [])],
      { logFile: join(dir, 'd.log') }
    );
    groups.push(d.pid);
    return d.pid;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hpc-dask-local-'));
    executor = new Executor();
  });
  afterEach(() => {
    for (const pgid of groups.splice(0)) {
      signalGroup(pgid, 'SIGKILL');
    }
    executor.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds the scheduler and worker commands from the config', () => {
    const backend = new LocalDaskBackend(
      executor,
      parseConfig({ dask: { host: '10.1.2.3', deathTimeoutSeconds: 30 } }).dask
    );
    const r = record();
    const p = backend.preview(r);
    expect(p.scheduler.argv).toEqual([
      '/usr/bin/python3',
      '-m',
      'distributed.cli.dask_scheduler',
      '--host',
      '10.1.2.3',
      '--port',
      '0',
      '--dashboard-address',
      '10.1.2.3:0',
      '--scheduler-file',
      r.schedulerFile,
      '--pid-file',
      join(r.dir, 'scheduler.pid')
    ]);
    expect(p.worker.argv).toEqual([
      '/usr/bin/python3',
      '-m',
      'distributed.cli.dask_worker',
      '--scheduler-file',
      r.schedulerFile,
      '--name',
      'abcdef123456-w0',
      '--nthreads',
      '3',
      '--memory-limit',
      String(1 << 30),
      '--nanny',
      '--death-timeout',
      '30',
      '--local-directory',
      join(r.dir, 'workers'),
      '--host',
      '10.1.2.3',
      '--dashboard-address',
      '10.1.2.3:0'
    ]);
    const custom = new LocalDaskBackend(
      executor,
      parseConfig({
        dask: { host: '::1', schedulerCommand: ['/usr/bin/dask', 'scheduler'] }
      }).dask
    ).preview(record({ spec: undefined }));
    expect(custom.scheduler.argv.slice(0, 2)).toEqual([
      '/usr/bin/dask',
      'scheduler'
    ]);
    expect(custom.scheduler.argv).toContain('[::1]:0');
    expect(custom.worker.argv).not.toContain('--memory-limit');
  });

  it('is not fooled by a reused pid: alive() and stop() leave it alone', async () => {
    const backend = new LocalDaskBackend(executor, parseConfig({}).dask, {
      graceMs: 2000
    });
    const stranger = await daemon(); // no scheduler file in its argv
    const r = record({ schedulerPid: stranger, workerPids: [stranger] });
    expect(await backend.alive(r)).toBe(false);
    await backend.stop(r);
    expect(alive(stranger)).toBe(true);
  });

  it('stops the scheduler group and every worker group', async () => {
    const backend = new LocalDaskBackend(executor, parseConfig({}).dask, {
      graceMs: 2000
    });
    const r0 = record();
    const scheduler = await daemon(r0.schedulerFile);
    const worker = await daemon(r0.schedulerFile);
    const r = record({ schedulerPid: scheduler, workerPids: [worker] });
    expect(await backend.alive(r)).toBe(true);
    await backend.stop(r);
    expect(await waitFor(() => !alive(scheduler) && !alive(worker))).toBe(true);
    expect(groupMembers(worker)).toEqual([]); // its `sleep` child too
    expect(await backend.alive(r)).toBe(false);
  });

  it('scales worker groups up and down, replacing a dead one', async () => {
    // Stand-ins: `sh -c ... sh <worker options>` carries the scheduler file.
    const standIn = ['/bin/sh', '-c', 'sleep 60 & wait', 'sh'];
    const backend = new LocalDaskBackend(
      executor,
      parseConfig({
        dask: { schedulerCommand: standIn, workerCommand: standIn }
      }).dask,
      { graceMs: 2000 }
    );
    const r = record({ requested: 2 });
    await backend.start(r);
    groups.push(r.schedulerPid as number, ...(r.workerPids ?? []));
    expect(r.workerPids).toHaveLength(2);
    const [w0, w1] = r.workerPids as number[];
    await backend.scale(r, 3, []);
    groups.push(...(r.workerPids ?? []));
    expect(r.workerPids?.slice(0, 2)).toEqual([w0, w1]);
    expect(r.workerPids).toHaveLength(3);
    const w2 = (r.workerPids as number[])[2];
    await backend.scale(r, 1, []);
    expect(r.workerPids).toEqual([w0]);
    expect(groupMembers(w1)).toEqual([]);
    expect(groupMembers(w2)).toEqual([]);
    expect(alive(w0)).toBe(true);
    signalGroup(w0, 'SIGKILL');
    expect(await waitFor(() => groupMembers(w0).length === 0)).toBe(true);
    await backend.scale(r, 1, []);
    groups.push(...(r.workerPids ?? []));
    expect(r.workerPids).toHaveLength(1);
    expect(r.workerPids?.[0]).not.toBe(w0);
    expect(alive((r.workerPids as number[])[0])).toBe(true);
    await backend.stop(r);
    expect(await backend.alive(r)).toBe(false);
  });

  it('starts a scheduler command that fails with its reason in the log', async () => {
    const backend = new LocalDaskBackend(
      executor,
      parseConfig({
        dask: {
          schedulerCommand: [
            '/bin/sh',
            '-c',
            'echo "No module named distributed" >&2; exit 1',
            'sh'
          ]
        }
      }).dask
    );
    const r = record({ requested: 0 });
    await backend.start(r);
    expect(r.schedulerPid).toBeGreaterThan(1);
    expect(await waitFor(() => !alive(r.schedulerPid as number))).toBe(true);
    expect(await backend.logTail(r, 5)).toEqual([
      'No module named distributed'
    ]);
    const missing = new LocalDaskBackend(
      executor,
      parseConfig({ dask: { python: '/nonexistent/python' } }).dask
    );
    await expect(missing.start(record())).rejects.toThrow(/command not found/);
  });
});

describe('tailFile', () => {
  it('gives the last non-empty lines, or none for a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpc-tail-'));
    const file = join(dir, 'log');
    writeFileSync(file, `${'x'.repeat(100_000)}\na\n\nb\nc\n`);
    expect(tailFile(file, 2)).toEqual(['b', 'c']);
    expect(tailFile(join(dir, 'nope'), 2)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});
