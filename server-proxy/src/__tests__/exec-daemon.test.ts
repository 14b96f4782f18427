import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupMembers } from '../dask/procs';
import { Executor, signalGroup, SpawnError } from '../exec';
import { alive, waitFor } from './helpers';

describe('Executor.daemon', () => {
  let dir: string;
  let executor: Executor;
  const groups: number[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hpc-daemon-test-'));
    executor = new Executor({
      baseEnv: { PATH: '/usr/bin:/bin', SECRET_TOKEN: 'x', SLURM_JOB_ID: '7' }
    });
  });
  afterEach(() => {
    executor.dispose();
    for (const pgid of groups.splice(0)) {
      signalGroup(pgid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs in its own group with its output appended to a 0600 log', async () => {
    const log = join(dir, 'd.log');
    const d = await executor.daemon(
      '/bin/sh',
      [
        '-c',
        'echo "out $EXTRA ${SECRET_TOKEN:-none} ${SLURM_JOB_ID:-none} $(pwd)"; echo err >&2; sleep 30 & wait'
      ],
      { logFile: log, cwd: dir, env: { EXTRA: 'extra' } }
    );
    groups.push(d.pid);
    expect(await waitFor(() => readFileSync(log, 'utf8').includes('err'))).toBe(
      true
    );
    expect(readFileSync(log, 'utf8')).toContain(`out extra none none ${dir}`);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    const stat = readFileSync(`/proc/${d.pid}/stat`, 'utf8');
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    expect(pgrp).toBe(d.pid);
  });

  it('survives dispose() and stops with its group', async () => {
    const d = await executor.daemon('/bin/sh', ['-c', 'sleep 30 & wait'], {
      logFile: join(dir, 'd.log')
    });
    groups.push(d.pid);
    executor.dispose();
    await new Promise(r => setTimeout(r, 200));
    expect(alive(d.pid)).toBe(true);
    expect(signalGroup(d.pid, 0)).toBe(true);
    expect(signalGroup(d.pid, 'SIGTERM')).toBe(true);
    const exit = await d.exited;
    expect(exit.signal).toBe('SIGTERM');
    // The backgrounded sleep was in the group: nothing is left (zombies
    // awaiting a late reaper don't count).
    expect(await waitFor(() => groupMembers(d.pid).length === 0)).toBe(true);
  });

  it('appends to an existing log', async () => {
    const log = join(dir, 'd.log');
    for (const word of ['first', 'second']) {
      const d = await executor.daemon('/bin/echo', [word], { logFile: log });
      await d.exited;
    }
    expect(readFileSync(log, 'utf8')).toBe('first\nsecond\n');
  });

  it('rejects a command that does not exist, and after dispose', async () => {
    const logFile = join(dir, 'd.log');
    await expect(
      executor.daemon('/bin/true', [], { logFile: join(dir, 'no', 'd.log') })
    ).rejects.toThrow(/ENOENT/);
    await expect(
      executor.daemon('/nonexistent/python', [], { logFile })
    ).rejects.toThrow(
      new SpawnError('x', 'ENOENT', '/nonexistent/python: command not found')
    );
    executor.dispose();
    await expect(
      executor.daemon('/bin/true', [], { logFile })
    ).rejects.toBeInstanceOf(SpawnError);
  });
});

describe('signalGroup', () => {
  it('never signals every process or its own group', () => {
    expect(signalGroup(0, 0)).toBe(false);
    expect(signalGroup(1, 0)).toBe(false);
    expect(signalGroup(-5, 0)).toBe(false);
    expect(signalGroup(2 ** 22 + 12345, 0)).toBe(false);
  });
});
