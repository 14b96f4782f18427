// B6 (DESIGN.md budgets): a local Dask cluster through the API, from the request
// to 2 workers connected, against the bare commands in the same run: `dask
// scheduler` + 2 `dask worker` started by hand (all three at once: the workers
// wait for the scheduler file), timed until the scheduler's /json/counts.json
// says 2 workers. Runs alternate bare/API so that both see the same machine.
// Budget: API ≤ 1.5× bare. Every process is stopped, even after a failure.
// usage: node bench/dask.mjs   (env: BENCH_RUNS=5 BENCH_PYTHON=/usr/bin/python3
//        HPC_PROXY_BIN=<another build's bin/hpc-proxy>)
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BIN =
  process.env.HPC_PROXY_BIN ??
  join(here, '..', 'server-proxy', 'bin', 'hpc-proxy');
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TIMEOUT_MS = 120_000;
const POLL_MS = 50;

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = t => `${t.toFixed(0)} ms`;
const sleep = t => new Promise(r => setTimeout(r, t));

const state = mkdtempSync(join(tmpdir(), 'hpc-bench-dask-'));
/** Process groups this bench started (each child leads its own). */
const groups = new Set();

function start(argv, options = {}) {
  const child = spawn(argv[0], argv.slice(1), {
    detached: true,
    stdio: ['ignore', 'ignore', options.stderr ?? 'ignore'],
    ...options
  });
  groups.add(child.pid);
  child.exitedPromise = new Promise(r => child.once('exit', r));
  return child;
}

/** True while any process of group `pgid` exists (from /proc). */
function groupAlive(pgid) {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
    } catch {
      // exited meanwhile
    }
  }
  return false;
}

/** Pids whose command line mentions `word` (the API's clusters: their id). */
function pidsMentioning(word) {
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(word)) {
        pids.push(Number(name));
      }
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** SIGTERM the groups, SIGKILL what is left after `graceMs`. */
async function stopGroups(pgids, graceMs = 10_000) {
  for (const g of pgids) {
    try {
      process.kill(-g, 'SIGTERM');
    } catch {
      // gone
    }
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pgids.some(groupAlive)) await sleep(100);
  for (const g of pgids) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // gone
    }
    groups.delete(g);
  }
}

async function waitUntil(check, what, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

async function getJson(url, headers = {}) {
  try {
    const res = await fetch(url, { headers });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}

// ---- bare: the scheduler and 2 workers, as a user would start them -------------
let bareRun = 0;
async function bare() {
  const dir = join(state, `bare-${bareRun++}`);
  mkdirSync(dir);
  const file = join(dir, 'scheduler.json');
  const t = performance.now();
  const procs = [
    start(
      [
        PYTHON,
        '-m',
        'distributed.cli.dask_scheduler',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--dashboard-address',
        '127.0.0.1:0',
        '--scheduler-file',
        file
      ],
      { cwd: dir }
    )
  ];
  for (let i = 0; i < 2; i++) {
    procs.push(
      start(
        [
          PYTHON,
          '-m',
          'distributed.cli.dask_worker',
          '--scheduler-file',
          file,
          '--name',
          `bare-w${i}`,
          '--nthreads',
          '1',
          '--nanny',
          '--death-timeout',
          '60',
          '--local-directory',
          join(dir, 'workers'),
          '--host',
          '127.0.0.1',
          '--dashboard-address',
          '127.0.0.1:0'
        ],
        { cwd: dir }
      )
    );
  }
  try {
    const port = await waitUntil(() => {
      try {
        return JSON.parse(readFileSync(file, 'utf8')).services.dashboard;
      } catch {
        return null; // not there yet, or half written
      }
    }, 'the scheduler file');
    await waitUntil(async () => {
      const counts = await getJson(`http://127.0.0.1:${port}/json/counts.json`);
      return counts?.workers === 2;
    }, '2 workers at the scheduler');
    return performance.now() - t;
  } finally {
    await stopGroups(procs.map(p => p.pid));
  }
}

// ---- API: POST a local cluster, poll it until 2 workers are connected -----------
const token = 'bench-dask';
let server;
let base;
async function startServer() {
  const port = 18000 + Math.floor(Math.random() * 2000);
  writeFileSync(
    join(state, 'config.json'),
    JSON.stringify({ dask: { python: PYTHON } })
  );
  server = start(
    [
      process.execPath,
      BIN,
      'serve',
      '--port',
      String(port),
      '--token',
      token,
      '--config',
      join(state, 'config.json'),
      '--root',
      state,
      '--log-level',
      'warn'
    ],
    {
      cwd: state,
      // The clusters' state (records, scheduler files, logs) stays in this run's folder.
      env: { ...process.env, JUPYTER_DATA_DIR: join(state, 'jupyter-data') },
      stderr: 'inherit'
    }
  );
  base = `http://127.0.0.1:${port}/`;
  await waitUntil(
    () => getJson(`${base}api/version`, headers),
    'the server',
    30_000
  );
}
const headers = { authorization: `token ${token}` };

async function api() {
  const t = performance.now();
  const res = await fetch(`${base}api/dask/clusters`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ backend: 'local', workers: 2 })
  });
  const created = await res.json();
  if (res.status !== 201) {
    throw new Error(
      `POST api/dask/clusters: ${res.status} ${JSON.stringify(created)}`
    );
  }
  const id = created.id;
  try {
    await waitUntil(async () => {
      const cluster = await getJson(`${base}api/dask/clusters/${id}`, headers);
      if (cluster?.status === 'failed') {
        throw new Error(
          `cluster ${id} failed: ${JSON.stringify(cluster.error)}`
        );
      }
      return cluster?.workers?.connected === 2;
    }, `cluster ${id} with 2 workers connected`);
    return performance.now() - t;
  } finally {
    const del = await fetch(`${base}api/dask/clusters/${id}`, {
      method: 'DELETE',
      headers
    });
    if (del.status !== 204) {
      console.error(
        `DELETE api/dask/clusters/${id}: ${del.status} ${await del.text()}`
      );
    }
    // Its processes gone before the next run (they carry the id in their names).
    await waitUntil(
      () => pidsMentioning(id).length === 0,
      `cluster ${id}'s processes to exit`,
      30_000
    ).catch(e =>
      console.error(`${e.message}: ${pidsMentioning(id).join(' ')}`)
    );
  }
}

async function cleanupAll() {
  await stopGroups([...groups], 5000);
  rmSync(state, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => cleanupAll().then(() => process.exit(1)));
}

try {
  const only = process.argv.includes('--bare-only');
  if (!only) await startServer();
  console.log(`B6: ${RUNS} runs each, bare and API alternating, ${PYTHON}`);
  const bareTimes = [];
  const apiTimes = [];
  for (let i = 0; i < RUNS; i++) {
    bareTimes.push(await bare());
    if (!only) apiTimes.push(await api());
    console.log(
      `run ${i + 1}: bare ${ms(bareTimes[i])}${only ? '' : `, API ${ms(apiTimes[i])}`}`
    );
  }
  console.log(
    `bare scheduler + 2 workers → 2 connected: median ${ms(median(bareTimes))}`
  );
  if (!only) {
    const ratio = median(apiTimes) / median(bareTimes);
    console.log(
      `API request → 2 workers connected: median ${ms(median(apiTimes))}`
    );
    console.log(
      `ratio ${ratio.toFixed(2)}× (budget ≤ 1.5×): ${ratio <= 1.5 ? 'met' : 'NOT met'}`
    );
  }
} finally {
  if (server) {
    // The server stops its local clusters on SIGTERM; then its group goes.
    process.kill(server.pid, 'SIGTERM');
    await Promise.race([server.exitedPromise, sleep(15_000)]);
  }
  await cleanupAll();
}
