// B6 (DESIGN.md budgets): a local Dask cluster, from the request to 2 workers
// connected, through the real server (bin/hpc-proxy serve: POST
// api/dask/clusters, then GET every 50 ms until `workers.connected` is 2),
// against the bare commands in the same run (a scheduler and 2 workers with
// the same options, polling the scheduler's /json/counts.json every 50 ms).
// Medians of BENCH_RUNS (default 3) each, alternating. Budget: ≤ 1.5×.
// usage: node bench/dask.mjs   (needs `npm run build -w server-proxy`;
// env: BENCH_RUNS=3, BENCH_PYTHON=/usr/bin/python3)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '..', 'server-proxy', 'bin', 'hpc-proxy');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const TOKEN = 'bench-dask';
const tmp = mkdtempSync(join(tmpdir(), 'bench-dask-'));
const groups = new Set();

const sleep = ms => new Promise(r => setTimeout(r, ms));

function http(port, method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers, agent: false },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', c => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}

function api(port, method, path, body) {
  return http(port, method, path, body && JSON.stringify(body), {
    authorization: `token ${TOKEN}`,
    ...(body ? { 'content-type': 'application/json' } : {})
  });
}

function daemon(command, args) {
  const child = spawn(command, args, {
    detached: true,
    stdio: 'ignore',
    cwd: tmp
  });
  groups.add(child.pid);
  return child;
}

function killGroups() {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  groups.clear();
}

async function startServer() {
  const config = join(tmp, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({ dask: { stateDir: join(tmp, 'state'), python: PYTHON } })
  );
  const child = spawn(
    BIN,
    [
      'serve',
      '--port',
      '0',
      '--token',
      TOKEN,
      '--config',
      config,
      '--root',
      tmp
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] }
  );
  groups.add(child.pid);
  let err = '';
  child.stderr.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    child.stderr.on('data', chunk => {
      err += chunk;
      const m = /"port":(\d+),"msg":"listening"/.exec(err);
      if (m) {
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.once('exit', () => reject(new Error(`server exited:\n${err}`)));
  });
}

/** Through the server: ms from the request to 2 workers connected. */
async function throughServer(port) {
  const t0 = performance.now();
  const res = await api(port, 'POST', '/api/dask/clusters', {
    backend: 'local',
    workers: 2
  });
  if (res.status !== 201) {
    throw new Error(`create: ${res.status} ${res.text}`);
  }
  const { id } = JSON.parse(res.text);
  for (;;) {
    const c = JSON.parse(
      (await api(port, 'GET', `/api/dask/clusters/${id}`)).text
    );
    if (c.workers?.connected >= 2) {
      break;
    }
    if (c.status === 'failed') {
      throw new Error(`cluster failed: ${JSON.stringify(c.error)}`);
    }
    await sleep(50);
  }
  const ms = performance.now() - t0;
  await api(port, 'DELETE', `/api/dask/clusters/${id}`);
  return ms;
}

/** The bare commands: ms from spawning to 2 workers in counts.json. */
async function bare(run) {
  const file = join(tmp, `bare-${run}.json`);
  const host = '127.0.0.1';
  const t0 = performance.now();
  const scheduler = daemon(PYTHON, [
    '-m',
    'distributed.cli.dask_scheduler',
    '--host',
    host,
    '--port',
    '0',
    '--dashboard-address',
    `${host}:0`,
    '--scheduler-file',
    file
  ]);
  const workers = [0, 1].map(i =>
    daemon(PYTHON, [
      '-m',
      'distributed.cli.dask_worker',
      '--scheduler-file',
      file,
      '--name',
      `bare-${run}-w${i}`,
      '--nthreads',
      '1',
      '--nanny',
      '--death-timeout',
      '60',
      '--local-directory',
      join(tmp, 'workers'),
      '--host',
      host,
      '--dashboard-address',
      `${host}:0`
    ])
  );
  let dashboard = null;
  for (;;) {
    try {
      dashboard ??= JSON.parse(readFileSync(file, 'utf8')).services.dashboard;
      const counts = JSON.parse(
        (await http(dashboard, 'GET', '/json/counts.json')).text
      );
      if (counts.workers >= 2) {
        break;
      }
    } catch {
      // not written yet, or not listening yet
    }
    await sleep(50);
  }
  const ms = performance.now() - t0;
  for (const child of [scheduler, ...workers]) {
    process.kill(-child.pid, 'SIGTERM');
  }
  await Promise.all(
    [scheduler, ...workers].map(c => new Promise(r => c.once('exit', r)))
  );
  return ms;
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const { port } = await startServer();
  await bare('warm'); // imports into the page cache for both sides
  const served = [];
  const bares = [];
  for (let run = 0; run < RUNS; run++) {
    served.push(await throughServer(port));
    bares.push(await bare(run));
  }
  const s = median(served);
  const b = median(bares);
  const fmt = xs => xs.map(x => Math.round(x)).join(', ');
  console.log(
    `B6 through the server: ${Math.round(s)} ms (runs: ${fmt(served)})`
  );
  console.log(
    `B6 bare commands:      ${Math.round(b)} ms (runs: ${fmt(bares)})`
  );
  console.log(`B6 ratio: ${(s / b).toFixed(2)}x (budget <= 1.5x)`);
} finally {
  killGroups();
  rmSync(tmp, { recursive: true, force: true });
}
