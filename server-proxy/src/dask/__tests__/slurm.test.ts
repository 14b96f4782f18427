import { parseConfig } from '../../config';
import { parseJobLines } from '../slurm';
import {
  lifetime,
  schedulerScript,
  shellQuote,
  workerScript
} from '../slurm-scripts';
import type { IClusterRecord } from '../types';

const GiB = 1024 ** 3;

function record(over: Partial<IClusterRecord> = {}): IClusterRecord {
  return {
    version: 1,
    id: 'abc123def456',
    name: 'test',
    backend: 'slurm',
    dir: '/home/alice/.local/share/jupyter/jupyterlab-hpc/dask/abc123def456',
    schedulerFile:
      '/home/alice/.local/share/jupyter/jupyterlab-hpc/dask/abc123def456/scheduler.json',
    requested: 2,
    adapt: null,
    createdAt: '2026-11-23T00:00:00Z',
    uid: 1001,
    spec: {
      backend: 'slurm',
      name: 'test',
      workers: 2,
      threadsPerWorker: 4,
      memoryPerWorkerBytes: 8 * GiB,
      walltimeSeconds: 2 * 3600,
      partition: 'debug',
      account: 'proj1',
      adapt: null
    },
    ...over
  };
}

describe('Dask job scripts for Slurm', () => {
  const config = parseConfig({}).dask;

  it('asks for the worker’s cores, memory and time, and names and tags the job', () => {
    const script = workerScript(record(), config);
    const lines = script.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    expect(lines).toEqual(
      expect.arrayContaining([
        '#SBATCH --job-name=dask-abc123def456-worker',
        '#SBATCH --comment=jupyterlab-hpc-dask:abc123def456',
        '#SBATCH --partition=debug',
        '#SBATCH --account=proj1',
        '#SBATCH --cpus-per-task=4',
        '#SBATCH --mem=8192M',
        '#SBATCH --time=02:00:00'
      ])
    );
    const exec = lines.find(l => l.startsWith('exec '));
    // Dask's limit is under Slurm's, so the nanny acts before the OOM killer.
    expect(exec).toContain(`--memory-limit ${Math.floor(8 * GiB * 0.95)}`);
    expect(exec).toContain('--nthreads 4');
    expect(exec).toContain('--death-timeout 60');
    // Retire 10 minutes (10 %, at most 10 min) before the walltime, staggered.
    expect(exec).toContain('--lifetime 6600s --lifetime-stagger 60s');
    expect(exec).toContain(
      '--name abc123def456-"$SLURM_ARRAY_JOB_ID"_"$SLURM_ARRAY_TASK_ID"'
    );
    expect(exec).toMatch(
      /^exec \/usr\/bin\/python3 -m distributed\.cli\.dask_worker --scheduler-file \/home\/alice\//
    );
  });

  it('starts the scheduler with its HTTP API, on a free port, reachable by name', () => {
    const script = schedulerScript(record(), config);
    expect(script).toContain('#SBATCH --job-name=dask-abc123def456-scheduler');
    expect(script).toContain('#SBATCH --cpus-per-task=1');
    expect(script).toContain('#SBATCH --mem=1024M');
    expect(script).toContain('distributed.http.scheduler.api');
    expect(script).toMatch(
      /exec \/usr\/bin\/python3 -m distributed\.cli\.dask_scheduler --scheduler-file \S+ --port 0 --dashboard-address :0 --host "\$\(hostname\)"\n/
    );
  });

  it('uses the site’s interface, prologue and commands when configured', () => {
    const site = parseConfig({
      dask: {
        workerCommand: [
          '/opt/env/bin/python',
          '-m',
          'distributed.cli.dask_worker'
        ],
        slurmDefaults: {
          interface: 'ib0',
          prologue: ['module load python/3.11']
        }
      }
    }).dask;
    const script = workerScript(record(), site);
    expect(script).toContain('module load python/3.11\n');
    expect(script).toContain(
      'exec /opt/env/bin/python -m distributed.cli.dask_worker'
    );
    expect(script).toContain('--interface ib0');
    expect(schedulerScript(record(), site)).toContain('--interface ib0\n');
  });

  it('leaves out the account and partition when none is given', () => {
    const r = record();
    r.spec = { ...r.spec!, partition: null, account: null };
    const script = workerScript(r, config);
    expect(script).not.toMatch(/--partition|--account/);
  });

  it('refuses a cluster directory that a #SBATCH line could not carry', () => {
    expect(() =>
      workerScript(record({ dir: '/home/a b/dask' }), config)
    ).toThrow(/dask\.stateDir/);
    expect(() =>
      schedulerScript(record({ dir: '/home/a\n#SBATCH --x' }), config)
    ).toThrow(/special characters/);
  });

  it('quotes words for bash', () => {
    expect(shellQuote('/usr/bin/python3')).toBe('/usr/bin/python3');
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
  });

  it('retires workers before the walltime, not at all for very short ones', () => {
    expect(lifetime(600)).toEqual([
      '--lifetime',
      '540s',
      '--lifetime-stagger',
      '15s'
    ]);
    expect(lifetime(120)).toEqual([]);
    expect(lifetime(24 * 3600)[1]).toBe(`${24 * 3600 - 600}s`);
  });
});

describe('squeue lines of a cluster', () => {
  it('gives each job its role, pending reason and worker name', () => {
    const out = [
      '201|dask-abc123def456-scheduler|RUNNING|None',
      '202_0|dask-abc123def456-worker|RUNNING|None',
      '202_1|dask-abc123def456-worker|PENDING|Resources',
      ''
    ].join('\n');
    expect(parseJobLines(out, 'abc123def456')).toEqual([
      { jobId: '201', role: 'scheduler', state: 'RUNNING' },
      {
        jobId: '202_0',
        role: 'worker',
        state: 'RUNNING',
        workerName: 'abc123def456-202_0'
      },
      { jobId: '202_1', role: 'worker', state: 'PENDING', reason: 'Resources' }
    ]);
  });
});
