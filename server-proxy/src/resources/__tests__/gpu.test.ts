import {
  chmodSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Executor } from '../../exec';
import { GpuMonitor } from '../gpu';
import { NVSMI, REPLAY } from './captures';

/** A folder holding the replaying nvidia-smi and its settings. */
function replay(settings: Record<string, string>): {
  dir: string;
  calls: () => string[];
} {
  const dir = mkdtempSync(join(tmpdir(), 'hpc-nvsmi-'));
  copyFileSync(REPLAY, join(dir, 'nvidia-smi'));
  chmodSync(join(dir, 'nvidia-smi'), 0o755);
  const log = join(dir, 'calls.log');
  writeFileSync(join(dir, 'replay.json'), JSON.stringify({ log, ...settings }));
  return {
    dir,
    calls: () => {
      try {
        return readFileSync(log, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    }
  };
}

const until = async (
  check: () => boolean,
  what: string,
  ms = 20_000
): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise(r => setTimeout(r, 50));
  }
};

describe('GpuMonitor with the replaying nvidia-smi', () => {
  const monitors: GpuMonitor[] = [];
  const dirs: string[] = [];
  const executors: Executor[] = [];
  afterEach(() => {
    monitors.splice(0).forEach(m => m.stop());
    executors.splice(0).forEach(e => e.dispose());
    dirs.splice(0).forEach(d => rmSync(d, { recursive: true, force: true }));
  });

  function start(
    settings: Record<string, string>,
    options: Partial<ConstructorParameters<typeof GpuMonitor>[0]> = {}
  ): { monitor: GpuMonitor; calls: () => string[]; logs: string[] } {
    const r = replay(settings);
    dirs.push(r.dir);
    const executor = new Executor({
      baseEnv: { PATH: `${r.dir}:${process.env.PATH}` }
    });
    executors.push(executor);
    const logs: string[] = [];
    const monitor = new GpuMonitor({
      executor,
      intervalMs: 200,
      visible: undefined,
      migSeconds: 1,
      log: (_l, m) => logs.push(m),
      ...options
    });
    monitors.push(monitor);
    return { monitor, calls: r.calls, logs };
  }

  it('H100 MIG: one long-lived -lms process, MIG slices with their memory from -q', async () => {
    const { monitor, calls } = start({
      capture: join(NVSMI, 'h100-mig__590.48.01.txt')
    });
    await monitor.start();
    await until(() => {
      const g = monitor.snapshot().gpus[0];
      return !!g && !g.stale && g.migDevices?.[0].memoryTotalBytes !== null;
    }, 'a GPU line and MIG memory');
    const snap = monitor.snapshot();
    expect(snap.error).toBeUndefined();
    expect(snap.gpus).toHaveLength(1);
    const gpu = snap.gpus[0];
    expect(gpu).toMatchObject({
      uuid: 'GPU-00000000-0000-0000-0000-000000000000',
      name: 'NVIDIA H100 80GB HBM3',
      utilizationPct: null,
      memoryTotalBytes: 81559 * 2 ** 20,
      migMode: 'Enabled'
    });
    expect(
      gpu.migDevices?.map(m => [
        m.uuid.slice(0, 12),
        m.profile,
        m.gpuInstanceId,
        m.memoryTotalBytes
      ])
    ).toEqual([
      ['MIG-00000000', '3g.40gb', 2, 40448 * 2 ** 20],
      ['MIG-00000001', '2g.20gb', 3, 20096 * 2 ** 20],
      ['MIG-00000002', '1g.10gb', 9, 9984 * 2 ** 20],
      ['MIG-00000003', '1g.10gb', 10, 9984 * 2 ** 20]
    ]);
    // Wait for several rounds: still one streaming process.
    await new Promise(r => setTimeout(r, 1000));
    const streams = calls().filter(c => c.includes('--query-gpu='));
    expect(streams).toHaveLength(1);
    expect(streams[0]).toMatch(/--format=csv,noheader,nounits -lms 200$/);
    expect(calls().filter(c => / --help-query-gpu$/.test(c))).toHaveLength(1);
    expect(monitor.starts).toBe(1);
  });

  it('CUDA_VISIBLE_DEVICES with MIG UUIDs: only those slices', async () => {
    const { monitor } = start(
      { capture: join(NVSMI, 'h100-mig__590.48.01.txt') },
      { visible: 'MIG-00000002-0000-0000-0000-000000000002' }
    );
    await monitor.start();
    expect(monitor.snapshot().gpus[0].migDevices?.map(m => m.uuid)).toEqual([
      'MIG-00000002-0000-0000-0000-000000000002'
    ]);
  });

  it('CUDA_VISIBLE_DEVICES empty: no GPU, and why', async () => {
    const { monitor } = start(
      { capture: join(NVSMI, 'h100-80gb-hbm3__590.48.01.txt') },
      { visible: '' }
    );
    await monitor.start();
    expect(monitor.snapshot()).toEqual({
      gpus: [],
      error: {
        code: 'NO_VISIBLE_GPU',
        message: 'CUDA_VISIBLE_DEVICES="" leaves this session no GPU.'
      }
    });
  });

  it('restarts an exiting nvidia-smi with back-off', async () => {
    const { monitor, logs } = start({
      capture: join(NVSMI, 'geforce-rtx-2080-super__595.71.05.txt'),
      mode: 'exit-after=1'
    });
    await monitor.start();
    await until(() => monitor.starts >= 2, 'a restart');
    expect(
      logs.some(l => /nvidia-smi stopped \(exit 1\); restarting in 1 s/.test(l))
    ).toBe(true);
    await until(
      () => monitor.snapshot().gpus[0]?.utilizationPct !== null,
      'a line after the restart'
    );
  });

  it('kills an nvidia-smi that falls silent, and starts another', async () => {
    const { monitor, logs } = start(
      { capture: join(NVSMI, 'h100-80gb-hbm3__590.48.01.txt'), mode: 'silent' },
      { silenceMs: 1000 }
    );
    await monitor.start();
    await until(
      () => monitor.starts >= 2,
      'the silent process killed and restarted'
    );
    expect(logs.some(l => /printed nothing for 1 s: killing it/.test(l))).toBe(
      true
    );
  });

  it('no driver: no GPU, the reason, logged once', async () => {
    const { monitor, logs } = start({
      capture: join(NVSMI, 'h100-80gb-hbm3__590.48.01.txt'),
      mode: 'no-driver'
    });
    await monitor.start();
    monitor.stop();
    await monitor.start();
    expect(monitor.snapshot()).toEqual({
      gpus: [],
      error: {
        code: 'NO_DRIVER',
        message: 'The NVIDIA driver is not loaded on this machine.'
      }
    });
    expect(logs).toEqual([
      'GPUs unavailable: The NVIDIA driver is not loaded on this machine.'
    ]);
  });

  it('no nvidia-smi at all', async () => {
    const executor = new Executor({ baseEnv: { PATH: '/nonexistent' } });
    executors.push(executor);
    const monitor = new GpuMonitor({
      executor,
      intervalMs: 1000,
      visible: undefined
    });
    monitors.push(monitor);
    await monitor.start();
    expect(monitor.snapshot().error?.code).toBe('NO_NVIDIA_SMI');
    expect(monitor.snapshot().gpus).toEqual([]);
  });
});
