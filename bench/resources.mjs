// B4 (DESIGN.md budgets): the resource meter's sampling cost with 500 processes in
// the user's tree, against the same sampler over an empty tree, same run. Budget:
// ≤ 1 % of one core at one sample a second; one long-lived nvidia-smi, not a fork
// per sample (counted with the replaying nvidia-smi of the tests).
// usage: node bench/resources.mjs   (env: BENCH_SAMPLES=200 BENCH_PROCS=500)
import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdtempSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const server = join(here, '..', 'server-proxy');
const { ResourceService } = require(
  join(server, 'lib', 'resources', 'service.js')
);
const { GpuMonitor } = require(join(server, 'lib', 'resources', 'gpu.js'));
const { parseConfig } = require(join(server, 'lib', 'config.js'));
const { Executor } = require(join(server, 'lib', 'exec.js'));

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const PROCS = Number(process.env.BENCH_PROCS ?? 500);

/** A parent (own process group) with `n` sleeping children. */
async function tree(n) {
  const parent = spawn(
    process.execPath,
    [
      '-e',
      `const {spawn}=require('child_process');
       for (let i=0;i<${n};i++) spawn('sleep',['600'],{stdio:'ignore'});
       setInterval(()=>{},1000); console.log('ready')`
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'ignore'] }
  );
  await new Promise(r => parent.stdout.once('data', r));
  return parent;
}

/** CPU time (user + system) of this process per sample, in µs, median of 5 batches. */
function measure(rootPid, processSeconds) {
  let t = Date.now();
  const clock = {
    now: () => t,
    setInterval: () => 0,
    clearInterval: () => undefined
  };
  const config = parseConfig({
    resources: { gpu: false, idleStopSeconds: 0, processSeconds }
  }).resources;
  const executor = new Executor();
  const service = new ResourceService({
    config,
    executor,
    env: {},
    rootPid,
    gpu: null,
    clock
  });
  service._tick(); // warm-up: first reads, JIT
  const batches = [];
  for (let b = 0; b < 5; b++) {
    const before = process.cpuUsage();
    for (let i = 0; i < SAMPLES / 5; i++) {
      t += 1000; // one sample a second
      service._tick();
    }
    const used = process.cpuUsage(before);
    batches.push((used.user + used.system) / (SAMPLES / 5));
  }
  service.dispose();
  executor.dispose();
  return batches.sort((a, b) => a - b)[2];
}

const kill = p => {
  try {
    process.kill(-p.pid, 'SIGKILL');
  } catch {
    // gone
  }
};

console.log(
  `B4: ${SAMPLES} samples per case, CPU time of the sampler per sample (median of 5 batches)`
);
const empty = await tree(0);
const base5 = measure(empty.pid, 5);
const base1 = measure(empty.pid, 1);
kill(empty);
const big = await tree(PROCS);
const big5 = measure(big.pid, 5);
const big1 = measure(big.pid, 1);
const count = (() => {
  let t = Date.now();
  const s = new ResourceService({
    config: parseConfig({ resources: { gpu: false } }).resources,
    executor: new Executor(),
    env: {},
    rootPid: big.pid,
    gpu: null,
    clock: {
      now: () => t,
      setInterval: () => 0,
      clearInterval: () => undefined
    }
  });
  s._tick();
  return s._latest.processes.count;
})();
kill(big);

const pct = us => `${((us / 1e6) * 100).toFixed(3)} % of one core`;
console.log(
  `processes in the tree: ${count} (the root and ${count - 1} children)`
);
console.log(
  `default (tree every 5 s): empty ${base5.toFixed(0)} µs, ${PROCS} procs ${big5.toFixed(0)} µs per sample → ${pct(big5)} at 1 s; ratio ${(big5 / base5).toFixed(2)}×`
);
console.log(
  `worst case (tree every 1 s): empty ${base1.toFixed(0)} µs, ${PROCS} procs ${big1.toFixed(0)} µs per sample → ${pct(big1)} at 1 s; ratio ${(big1 / base1).toFixed(2)}×`
);
console.log(
  `budget ≤ 1 % of one core: ${big5 / 1e6 <= 0.01 ? 'met' : 'NOT met'} (default)`
);

// One long-lived nvidia-smi: the replaying double streams for 10 s at 1 s.
const dir = mkdtempSync(join(tmpdir(), 'hpc-bench-nvsmi-'));
copyFileSync(
  join(server, 'test', 'fixtures', 'nvidia-smi-replay', 'nvidia-smi'),
  join(dir, 'nvidia-smi')
);
chmodSync(join(dir, 'nvidia-smi'), 0o755);
writeFileSync(
  join(dir, 'replay.json'),
  JSON.stringify({
    capture: join(
      server,
      'test',
      'fixtures',
      'nvidia-smi',
      'h100-80gb-hbm3__590.48.01.txt'
    )
  })
);
const executor = new Executor({
  baseEnv: { PATH: `${dir}:${process.env.PATH}` }
});
const gpu = new GpuMonitor({ executor, intervalMs: 1000, visible: undefined });
await gpu.start();
await new Promise(r => setTimeout(r, 10_000));
const snap = gpu.snapshot();
gpu.stop();
executor.dispose();
rmSync(dir, { recursive: true, force: true });
console.log(
  `nvidia-smi: ${gpu.starts} streaming process for 10 samples (fresh: ${!snap.gpus[0]?.stale}); budget 1`
);
