/**
 * A machine without Slurm's commands on PATH: api/version still answers,
 * saying Slurm is unavailable and why, and the other probes still report.
 */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  cleanup,
  http,
  IVersion,
  listeningPort,
  makeTmp,
  startProxy
} from './helpers';

afterAll(cleanup);

describe('no squeue on PATH', () => {
  it('answers api/version with slurm unavailable and the reason', async () => {
    const bin = makeTmp();
    symlinkSync('/usr/bin/python3', join(bin, 'python3'));
    // bin/hpc-proxy starts with `#!/usr/bin/env node`.
    symlinkSync(process.execPath, join(bin, 'node'));
    const proc = startProxy(['serve', '--port', '0', '--token', 't0ken'], {
      env: { PATH: bin, HOME: process.env.HOME ?? '/root' }
    });
    const port = await listeningPort(proc);
    const res = await http({
      port,
      path: '/api/version',
      headers: { authorization: 'token t0ken' }
    });
    expect(res.status).toBe(200);
    const { slurm, dask, gpu } = res.json<IVersion>().capabilities;
    expect(slurm.available).toBe(false);
    expect(slurm.reason).toMatch(/squeue/);
    expect(slurm.reason).toContain(bin);
    expect(slurm.clusters).toEqual([]);
    expect(slurm.accounting).toBe(false);
    // The configured Python is an absolute path: Dask is still found.
    expect(dask.available).toBe(true);
    expect(gpu.available).toBe(false);
    process.kill(proc.pid, 'SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });
});
