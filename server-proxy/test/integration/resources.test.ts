/**
 * The resource meter against real parts: the built server in a real cgroup v1
 * memory cgroup with a 1 GiB limit (a child allocating 300 MB shows; one
 * exceeding the limit is OOM-killed and counted), the replaying nvidia-smi
 * (real captures) on PATH with CUDA_VISIBLE_DEVICES restricting the GPUs, and
 * a real Slurm job as the server's allocation.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync
} from 'node:fs';
import { join } from 'node:path';
import {
  cancelJobs,
  cleanup,
  descendants,
  freePort,
  http,
  IProc,
  listeningPort,
  makeTmp,
  sbatchAs,
  startProxy,
  tokenHeader,
  trackGroup,
  waitFor
} from './helpers';

const FIXTURES = join(__dirname, '..', 'fixtures');
const TOKEN = 'res0urces';
const MB = 1e6;

interface ISampleJson {
  seq: number;
  memory: {
    usedBytes: number;
    limitBytes: number | null;
    nodeTotalBytes: number;
    cgroup: { version: number; path: string; limitPath: string | null };
  };
  oomKills: number | null;
  cpu: { usedCores: number | null; limitCores: number };
  gpus: Array<{
    uuid: string;
    name: string;
    memoryUsedBytes: number | null;
    memoryTotalBytes: number | null;
    utilizationPct: number | null;
    stale: boolean;
    migDevices?: Array<{ uuid: string; memoryTotalBytes: number | null }>;
  }>;
  gpuError?: { code: string; message: string };
  job: {
    jobId: string;
    endTime: string | null;
    secondsLeft: number | null;
  } | null;
  processes: { count: number; top: Array<{ pid: number }> } | null;
}

async function sample(port: number): Promise<ISampleJson> {
  const res = await http({
    port,
    path: '/api/resources',
    headers: tokenHeader(TOKEN)
  });
  expect(res.status).toBe(200);
  return res.json<ISampleJson>();
}

/** Polls api/resources until `test` holds; returns that sample. */
async function sampleUntil(
  port: number,
  test: (s: ISampleJson) => boolean,
  what: string,
  timeoutMs = 30_000
): Promise<ISampleJson> {
  let last: ISampleJson | null = null;
  const ok = await waitFor(async () => {
    last = await sample(port);
    return test(last);
  }, timeoutMs);
  if (!ok) {
    throw new Error(
      `timed out waiting for ${what}; last sample: ${JSON.stringify(last)}`
    );
  }
  return last as unknown as ISampleJson;
}

/** The replaying nvidia-smi in a folder of its own, configured by replay.json. */
function replayDir(settings: Record<string, string>): string {
  const dir = makeTmp('hpc-nvsmi-');
  copyFileSync(
    join(FIXTURES, 'nvidia-smi-replay', 'nvidia-smi'),
    join(dir, 'nvidia-smi')
  );
  chmodSync(join(dir, 'nvidia-smi'), 0o755);
  writeFileSync(join(dir, 'replay.json'), JSON.stringify(settings));
  return dir;
}

function serve(env: NodeJS.ProcessEnv): IProc {
  return startProxy(['serve', '--port', '0', '--token', TOKEN], { env });
}

/** EndTime of `scontrol -o show job ID`, as Slurm prints it. */
function endTimeOf(id: string): string {
  const out = execFileSync('scontrol', ['-o', 'show', 'job', id], {
    encoding: 'utf8',
    timeout: 30_000
  });
  return /(?:^| )EndTime=(\S+)/.exec(out)?.[1] ?? '';
}

afterAll(async () => {
  cancelJobs();
  await cleanup();
});

const MEMCG = '/sys/fs/cgroup/memory';
const canCgroup =
  process.getuid?.() === 0 && existsSync(join(MEMCG, 'memory.limit_in_bytes'));

(canCgroup ? describe : describe.skip)('a real cgroup v1 memory limit', () => {
  const cg = join(MEMCG, `hpc-test-${process.pid}`);
  const children: ChildProcess[] = [];

  /** A python3 child that joins the cgroup, then allocates and touches `mb` MB. */
  function allocate(mb: number): ChildProcess {
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        `echo $$ > ${cg}/cgroup.procs && exec /usr/bin/python3 -c 'import sys,time; x=bytearray(${mb}*1000*1000); x[::4096]=b"a"*len(range(0,len(x),4096)); print("ready",flush=True); time.sleep(600)'`
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    );
    children.push(child);
    return child;
  }

  beforeAll(() => {
    mkdirSync(cg);
    writeFileSync(join(cg, 'memory.limit_in_bytes'), String(2 ** 30));
  });
  afterAll(async () => {
    for (const c of children) {
      c.kill('SIGKILL');
    }
    await cleanup();
    // The cgroup can go once its processes are gone.
    await waitFor(
      () => readFileSync(join(cg, 'cgroup.procs'), 'utf8').trim() === '',
      10_000
    );
    rmdirSync(cg);
  });

  it('used memory rises by ~300 MB against the 1 GiB limit; an allocation beyond it is OOM-killed and counted', async () => {
    const proc = serve({ ...process.env, CUDA_VISIBLE_DEVICES: '' });
    // Into the cgroup before it samples (the sampler starts on the first request).
    writeFileSync(join(cg, 'cgroup.procs'), String(proc.pid));
    const port = await listeningPort(proc);
    const before = await sample(port);
    expect(before.memory.limitBytes).toBe(2 ** 30);
    expect(before.memory.cgroup).toEqual({
      version: 1,
      path: `/hpc-test-${process.pid}`,
      limitPath: `/hpc-test-${process.pid}`
    });
    expect(before.oomKills).toBe(0);
    expect(before.gpus).toEqual([]);
    expect(before.gpuError?.code).toBeDefined();

    const holder = allocate(300);
    await new Promise<void>((resolve, reject) => {
      holder.stdout?.once('data', () => resolve());
      holder.once('exit', code =>
        reject(new Error(`the 300 MB child exited (${code})`))
      );
    });
    const during = await sampleUntil(
      port,
      s => s.memory.usedBytes - before.memory.usedBytes > 280 * MB,
      'used memory to rise by 300 MB'
    );
    const rise = during.memory.usedBytes - before.memory.usedBytes;
    expect(rise).toBeGreaterThan(280 * MB);
    expect(rise).toBeLessThan(380 * MB);
    expect(during.memory.limitBytes).toBe(2 ** 30);

    holder.kill('SIGKILL');
    await sampleUntil(
      port,
      s => s.memory.usedBytes - before.memory.usedBytes < 100 * MB,
      'the memory to be freed'
    );

    const hog = allocate(1500);
    const exit = await new Promise<NodeJS.Signals | null>(resolve =>
      hog.once('exit', (_c, signal) => resolve(signal))
    );
    expect(exit).toBe('SIGKILL');
    const after = await sampleUntil(
      port,
      s => (s.oomKills ?? 0) >= 1,
      'the OOM kill to be counted'
    );
    expect(after.oomKills).toBe(1);
    // The server itself survived in the same cgroup.
    expect((await sample(port)).seq).toBeGreaterThan(after.seq - 1);
  });
});

describe('GPUs from the replaying nvidia-smi (H100 with MIG)', () => {
  it('only the MIG slices CUDA_VISIBLE_DEVICES names, with their memory; one long-lived nvidia-smi', async () => {
    const dir = replayDir({
      capture: join(FIXTURES, 'nvidia-smi', 'h100-mig__590.48.01.txt')
    });
    const proc = serve({
      ...process.env,
      PATH: `${dir}:${process.env.PATH}`,
      CUDA_VISIBLE_DEVICES:
        'MIG-00000001-0000-0000-0000-000000000001,MIG-00000003-0000-0000-0000-000000000003'
    });
    const port = await listeningPort(proc);
    const s = await sampleUntil(
      port,
      x =>
        x.gpus.length === 1 &&
        !x.gpus[0].stale &&
        !!x.gpus[0].migDevices?.every(m => m.memoryTotalBytes !== null),
      'the GPU line and MIG memory'
    );
    expect(s.gpuError).toBeUndefined();
    const [gpu] = s.gpus;
    expect(gpu).toMatchObject({
      uuid: 'GPU-00000000-0000-0000-0000-000000000000',
      name: 'NVIDIA H100 80GB HBM3',
      utilizationPct: null, // [N/A] under MIG: unknown, not 0
      memoryTotalBytes: 81559 * 2 ** 20
    });
    expect(gpu.migDevices?.map(m => [m.uuid, m.memoryTotalBytes])).toEqual([
      ['MIG-00000001-0000-0000-0000-000000000001', 20096 * 2 ** 20],
      ['MIG-00000003-0000-0000-0000-000000000003', 9984 * 2 ** 20]
    ]);
    // Samples keep coming from one streaming process, not a fork per sample.
    await sampleUntil(port, x => x.seq >= s.seq + 3, 'three more samples');
    const streams = descendants(proc.pid).filter(pid => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(
          '--query-gpu='
        );
      } catch {
        return false;
      }
    });
    expect(streams).toHaveLength(1);
    expect(
      readFileSync(`/proc/${streams[0]}/cmdline`, 'utf8').split('\0')
    ).toContain('-lms');
  });

  it('no driver: gpus [] with the reason, and the rest of the sample intact', async () => {
    const dir = replayDir({
      capture: join(FIXTURES, 'nvidia-smi', 'h100-mig__590.48.01.txt'),
      mode: 'no-driver'
    });
    const proc = serve({ ...process.env, PATH: `${dir}:${process.env.PATH}` });
    const port = await listeningPort(proc);
    const s = await sample(port);
    expect(s.gpus).toEqual([]);
    expect(s.gpuError).toEqual({
      code: 'NO_DRIVER',
      message: 'The NVIDIA driver is not loaded on this machine.'
    });
    expect(s.memory.usedBytes).toBeGreaterThan(0);
    const version = await http({
      port,
      path: '/api/version',
      headers: tokenHeader(TOKEN)
    });
    expect(
      version.json<{
        capabilities: {
          resources: { available: boolean; cgroupVersion: number };
        };
      }>().capabilities.resources
    ).toMatchObject({
      available: true,
      cgroupVersion: 1
    });
  });
});

describe('the Slurm allocation the server runs in', () => {
  it('end time from scontrol (SLURM_JOB_ID only); seconds left count down', async () => {
    const id = sbatchAs('alice', [
      '--job-name=resources-it-alloc',
      '--time=10',
      '--wrap',
      'sleep 600'
    ]);
    expect(await waitFor(() => /^\d{4}-/.test(endTimeOf(id)), 30_000)).toBe(
      true
    );
    const proc = serve({
      ...process.env,
      SLURM_JOB_ID: id,
      CUDA_VISIBLE_DEVICES: ''
    });
    const port = await listeningPort(proc);
    const first = await sampleUntil(
      port,
      s => s.job?.endTime !== null,
      'the end time from scontrol'
    );
    expect(first.job?.jobId).toBe(id);
    const end = Date.parse(first.job?.endTime as string);
    const [y, mo, d, h, mi, sec] = endTimeOf(id).split(/[-T:]/).map(Number);
    expect(end).toBe(new Date(y, mo - 1, d, h, mi, sec).getTime());
    expect(first.job?.secondsLeft).toBeGreaterThan(0);
    expect(first.job?.secondsLeft).toBeLessThanOrEqual(600);
    const later = await sampleUntil(
      port,
      s => (s.job?.secondsLeft ?? 0) < (first.job?.secondsLeft ?? 0),
      'seconds left to go down'
    );
    expect(later.job?.endTime).toBe(first.job?.endTime);
  });

  it('SLURM_JOB_END_TIME wins when set', async () => {
    const end = Math.floor(Date.now() / 1000) + 3600;
    const proc = serve({
      ...process.env,
      SLURM_JOB_ID: '4242',
      SLURM_JOB_END_TIME: String(end),
      CUDA_VISIBLE_DEVICES: ''
    });
    const port = await listeningPort(proc);
    const s = await sample(port);
    expect(s.job).toEqual({
      jobId: '4242',
      endTime: new Date(end * 1000).toISOString(),
      secondsLeft: expect.any(Number),
      source: 'env'
    });
    expect(s.job?.secondsLeft).toBeGreaterThan(3500);
  });
});

describe('front mode: the process tree of the Jupyter it started', () => {
  it('shows the Jupyter server and its kernel, named by the kernel id', async () => {
    const root = makeTmp();
    const port = await freePort();
    const front = startProxy([
      'front',
      '--port',
      String(port),
      '--log-level',
      'warn',
      '--',
      '/usr/bin/python3',
      '-m',
      'jupyter_server',
      '--port={port}',
      `--ServerApp.token=${TOKEN}`,
      `--ServerApp.root_dir=${root}`,
      '--ServerApp.allow_root=True',
      '--ServerApp.open_browser=False',
      '--ServerApp.port_retries=0'
    ]);
    await front.waitForStderr(/front listening on/, 50_000);
    const jupyter = descendants(front.pid).find(pid =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .includes('jupyter_server')
    ) as number;
    trackGroup(jupyter);
    const started = await http({
      port,
      method: 'POST',
      path: '/api/kernels',
      headers: { ...tokenHeader(TOKEN), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'python3' })
    });
    expect(started.status).toBe(201);
    const kernelId = started.json<{ id: string }>().id;
    let last: ISampleJson | null = null;
    const found = await waitFor(async () => {
      const res = await http({
        port,
        path: '/hpc/api/resources',
        headers: tokenHeader(TOKEN)
      });
      last = res.json<ISampleJson>();
      return !!last.processes?.top.some(
        p => (p as { kernelId?: string }).kernelId === kernelId
      );
    }, 40_000);
    expect(found).toBe(true);
    const processes = (last as unknown as ISampleJson).processes as unknown as {
      rootPid: number;
      count: number;
      top: Array<{
        pid: number;
        kernelId: string | null;
        kernel: string | null;
        rssBytes: number;
      }>;
    };
    expect(processes.rootPid).toBe(jupyter);
    expect(processes.count).toBeGreaterThanOrEqual(2);
    const kernel = processes.top.find(p => p.kernelId === kernelId);
    expect(kernel?.kernel).toBe('ipykernel');
    expect(descendants(jupyter)).toContain(kernel?.pid);
    expect(processes.top.map(p => p.pid)).toContain(jupyter);
  }, 90_000);
});
