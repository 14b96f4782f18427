// Benchmarks of the Slurm queue API against a baseline measured in the same run
// (DESIGN.md budgets): B1 (API vs bare squeue), B2 (20 polling clients), B8 (server
// memory with the queue cached), B9 (bytes per job on the wire; 304 when unchanged).
// Real mode (default) needs the test Slurm with a big queue: bash bench/load-queue.sh
// 50000 first. `--replay FILE` (development, no Slurm load) answers every `squeue` of
// the run with FILE (from bench/synth-queue.mjs or a captured answer) through a shim
// that only `cat`s it; the bare baseline is then that `cat`, so B1 also prints the
// ratio over a real squeue of `--squeue-ms` (default 710, the last real 50k run).
// usage: node bench/queue.mjs [--replay FILE [--squeue-ms N]]
//        (env: BENCH_RUNS=5 BENCH_CLIENTS=20 BENCH_SECONDS=60)
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const server = join(here, '..', 'server-proxy');
const { Executor } = require(join(server, 'lib', 'exec.js'));
const { QueuePoller } = require(join(server, 'lib', 'slurm', 'queue.js'));
const { squeueArgs } = require(join(server, 'lib', 'slurm', 'commands.js'));
const { RECORD } = require(join(server, 'lib', 'slurm', 'parse.js'));

const argv = process.argv.slice(2);
const option = name => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const replay = option('--replay');
const squeueMs = Number(option('--squeue-ms') ?? 710);

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = t => `${t.toFixed(0)} ms`;

const state = mkdtempSync(join(tmpdir(), 'hpc-bench-'));
const shims = join(state, 'bin');
execFileSync('mkdir', ['-p', shims]);
// The squeue the server and the baseline run: the real one, or FILE replayed.
let squeue = '/usr/bin/squeue';
if (replay) {
  squeue = join(state, 'replay', 'squeue');
  execFileSync('mkdir', ['-p', dirname(squeue)]);
  writeFileSync(squeue, `#!/bin/sh\nexec cat '${resolve(replay)}'\n`);
  chmodSync(squeue, 0o755);
}
const path = `${dirname(squeue)}:${process.env.PATH}`;

const jobs = replay
  ? readFileSync(replay, 'utf8').split(RECORD).length - 1
  : Number(
      execFileSync('squeue', ['-h', '-a', '-o', '%i']).toString().split('\n')
        .length - 1
    );
console.log(
  `queue: ${jobs} jobs (${replay ? `replayed from ${replay}` : 'squeue --all'}), ${RUNS} runs each, median`
);

// ---- B1: API (squeue + parse + JSON, then one HTTP answer) vs bare squeue -----------
const executor = new Executor({
  maxConcurrent: 4,
  defaultTimeoutMs: 120_000,
  baseEnv: { ...process.env, PATH: path }
});
const args = squeueArgs('all');
const bare = [];
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  const r = await executor.run('squeue', args, { maxOutputBytes: 256 << 20 });
  if (r.code !== 0) throw new Error(r.stderr);
  bare.push(performance.now() - t);
}
// When squeue's answer starts to arrive: how much a parse of its output as it
// streams in could overlap with squeue itself (the server reads it whole today).
const firstByte = await new Promise((resolve, reject) => {
  const t = performance.now();
  let first = null;
  const child = spawn('squeue', args, {
    env: { ...process.env, PATH: path },
    stdio: ['ignore', 'pipe', 'ignore']
  });
  child.stdout.on('data', () => (first ??= performance.now() - t));
  child.on('error', reject);
  child.on('close', () => resolve([first ?? 0, performance.now() - t]));
});
console.log(
  `B1 squeue's output: first byte after ${ms(firstByte[0])} of ${ms(firstByte[1])}`
);
const poller = new QueuePoller({ executor, scope: 'all', pollSeconds: 3600 });
const api = [];
const apiCpu = [];
let answer;
for (let i = 0; i < RUNS; i++) {
  poller.invalidate();
  const t = performance.now();
  const cpu = process.cpuUsage();
  answer = await poller.get();
  api.push(performance.now() - t);
  const used = process.cpuUsage(cpu);
  apiCpu.push((used.user + used.system) / 1000);
}

// The HTTP part: a real server answering the cached queue.
const counter = join(state, 'squeue-runs');
writeFileSync(counter, '');
// Counts squeue invocations of the server (B2), then runs the real squeue.
writeFileSync(
  join(shims, 'squeue'),
  `#!/bin/sh\necho x >> ${counter}\nexec ${squeue} "$@"\n`
);
chmodSync(join(shims, 'squeue'), 0o755);
writeFileSync(
  join(state, 'config.json'),
  JSON.stringify({ slurm: { pollSeconds: 10 } })
);
const token = 'bench';
const port = 18000 + Math.floor(Math.random() * 2000);
const child = spawn(
  process.execPath,
  [
    join(server, 'bin', 'hpc-proxy'),
    'serve',
    '--port',
    String(port),
    '--token',
    token,
    '--config',
    join(state, 'config.json'),
    '--log-level',
    'warn'
  ],
  {
    env: { ...process.env, PATH: `${shims}:${path}` },
    stdio: ['ignore', 'ignore', 'inherit']
  }
);
const url = `http://127.0.0.1:${port}/api/slurm/jobs?scope=all`;
const headers = { authorization: `token ${token}` };
for (let i = 0; i < 100; i++) {
  try {
    await fetch(`http://127.0.0.1:${port}/api/version`, { headers });
    break;
  } catch {
    await new Promise(r => setTimeout(r, 100));
  }
}
try {
  let first = await fetch(url, { headers });
  const body = await first.text();
  const etag = first.headers.get('etag');
  const http = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await (await fetch(url, { headers })).arrayBuffer();
    http.push(performance.now() - t);
  }
  const b1 = (median(api) + median(http)) / median(bare);
  console.log(
    `B1 bare squeue ${ms(median(bare))}; API refresh ${ms(median(api))} (CPU of this process, all threads: ${ms(median(apiCpu))}) + HTTP answer ${ms(median(http))}`
  );
  console.log(
    `B1 ratio ${b1.toFixed(2)}x (budget <= 1.25x) ${b1 <= 1.25 ? 'OK' : 'OVER'}${replay ? ' (over a replayed `cat`: not the budget)' : ''}`
  );
  if (replay) {
    // The server's own cost, over what a real squeue of this queue would take.
    const overhead = median(api) + median(http) - median(bare);
    const projected = (squeueMs + overhead) / squeueMs;
    console.log(
      `B1 replay: server overhead ${ms(overhead)}; over a real squeue of ${squeueMs} ms: ${projected.toFixed(2)}x (budget <= 1.25x) ${projected <= 1.25 ? 'OK' : 'OVER'}`
    );
  }

  // ---- B9: bytes per job; 304 when unchanged ----------------------------------------
  const n = Math.max(
    1,
    (JSON.parse(body).rows ?? JSON.parse(body).jobs).length
  );
  const raw = Buffer.byteLength(body);
  const gz = gzipSync(body).length;
  const zipped = await fetch(url, {
    headers: { ...headers, 'accept-encoding': 'gzip' }
  });
  const wire = Number(zipped.headers.get('content-length') ?? raw);
  await zipped.arrayBuffer();
  const not = await fetch(url, {
    headers: { ...headers, 'if-none-match': etag }
  });
  console.log(
    `B9 ${n} jobs: on the wire ${(wire / n).toFixed(1)} B/job (gzip, ${zipped.headers.get('content-encoding') ?? 'identity'}; uncompressed JSON ${(raw / n).toFixed(1)}; local gzip ${(gz / n).toFixed(1)}); budget <= 10 B/job ${wire / n <= 10 ? 'OK' : 'OVER'}`
  );
  console.log(
    `B9 unchanged poll with If-None-Match: HTTP ${not.status} (budget 304) ${not.status === 304 ? 'OK' : 'OVER'}`
  );

  // ---- B8: server memory with the queue cached ----------------------------------------
  const rss =
    Number(
      /VmRSS:\s+(\d+)/.exec(
        readFileSync(`/proc/${child.pid}/status`, 'utf8')
      )[1]
    ) / 1024;
  console.log(
    `B8 server RSS with ${n} jobs cached: ${rss.toFixed(0)} MB (budget <= 200 MB) ${rss <= 200 ? 'OK' : 'OVER'}`
  );

  // ---- B2: CLIENTS clients polling every second for SECONDS ---------------------------
  writeFileSync(counter, '');
  const t0 = Date.now();
  const until = t0 + SECONDS * 1000;
  let requests = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      let tag = null;
      while (Date.now() < until) {
        const r = await fetch(url, {
          headers: tag ? { ...headers, 'if-none-match': tag } : headers
        });
        tag = r.headers.get('etag') ?? tag;
        await r.arrayBuffer();
        requests++;
        await new Promise(res => setTimeout(res, 1000));
      }
    })
  );
  const runs = readFileSync(counter, 'utf8').split('\n').filter(Boolean).length;
  const allowed = Math.ceil(SECONDS / 10) + 1;
  console.log(
    `B2 ${CLIENTS} clients x ${SECONDS} s, ${requests} requests: squeue ran ${runs} times (budget <= 1 per 10 s interval = ${allowed}) ${runs <= allowed ? 'OK' : 'OVER'}`
  );
} finally {
  child.kill('SIGTERM');
  executor.dispose();
  rmSync(state, { recursive: true, force: true });
}
