// B7 (DESIGN.md budgets): "Use" of a git example through the real server
// (bin/hpc-proxy serve: POST api/gallery/{id}/use, then GET the task every
// 20 ms until it is done) against a bare `git clone --depth 1` of the same
// repository into a fresh folder, in the same run. The repository is made
// here: 4 commits of 60 notebooks and data files (about 25 MB checked out,
// random content so git can't compress it away), served as file://.
// Medians of BENCH_RUNS (default 5) each, alternating. Budget: ≤ 1.2×.
// usage: node bench/gallery.mjs   (needs `npm run build -w server-proxy`)
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '..', 'server-proxy', 'bin', 'hpc-proxy');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TOKEN = 'bench-gallery';
const tmp = mkdtempSync(join(tmpdir(), 'bench-gallery-'));
const sleep = ms => new Promise(r => setTimeout(r, ms));
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.org',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.org'
};

function git(cwd, ...args) {
  return execFileSync('git', ['-C', cwd, ...args], { env: GIT_ENV })
    .toString()
    .trim();
}

function makeRepo() {
  const repo = join(tmp, 'repo');
  mkdirSync(join(repo, 'data'), { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  for (let commit = 0; commit < 4; commit++) {
    for (let i = 0; i < 60; i++) {
      const cells = Array.from({ length: 20 }, (_, c) => ({
        cell_type: 'code',
        metadata: {},
        execution_count: c,
        source: [`x = ${commit * 1000 + i * 20 + c}\n`, 'print(x)'],
        outputs: [
          {
            output_type: 'stream',
            name: 'stdout',
            text: [randomBytes(2048).toString('base64')]
          }
        ]
      }));
      writeFileSync(
        join(repo, `nb-${i}.ipynb`),
        JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells })
      );
      writeFileSync(join(repo, 'data', `d-${i}.bin`), randomBytes(300_000));
    }
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', `version ${commit}`);
  }
  return repo;
}

function http(port, method, path, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: {
          authorization: `token ${TOKEN}`,
          ...(body ? { 'content-type': 'application/json' } : {})
        }
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', c => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      }
    );
    req.on('error', reject);
    req.end(body && JSON.stringify(body));
  });
}

async function startServer(repo) {
  const catalogue = join(tmp, 'gallery.json');
  writeFileSync(
    catalogue,
    JSON.stringify({
      examples: [
        {
          id: 'bench',
          title: 'Bench',
          status: 'staged',
          entry: 'nb-0.ipynb',
          source: { git: pathToFileURL(repo).href, ref: 'main' }
        }
      ]
    })
  );
  const config = join(tmp, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      gallery: { catalogues: [catalogue], stateDir: join(tmp, 'state') }
    })
  );
  mkdirSync(join(tmp, 'root'));
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
      join(tmp, 'root')
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] }
  );
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

async function throughServer(port) {
  const t0 = performance.now();
  const res = await http(port, 'POST', '/api/gallery/bench/use', {});
  if (res.status !== 202) {
    throw new Error(`use: ${res.status} ${res.text}`);
  }
  const { id } = JSON.parse(res.text);
  for (;;) {
    const t = JSON.parse(
      (await http(port, 'GET', `/api/gallery/tasks/${id}`)).text
    );
    if (t.state === 'done') {
      break;
    }
    if (t.state !== 'running') {
      throw new Error(`task ${t.state}: ${t.message}`);
    }
    await sleep(20);
  }
  return performance.now() - t0;
}

function bare(repo, run) {
  const t0 = performance.now();
  execFileSync(
    'git',
    [
      'clone',
      '-q',
      '--depth',
      '1',
      pathToFileURL(repo).href,
      join(tmp, `bare-${run}`)
    ],
    { env: GIT_ENV }
  );
  return performance.now() - t0;
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let server;
try {
  const repo = makeRepo();
  const size = execFileSync('du', ['-sh', join(repo, '.git')])
    .toString()
    .split('\t')[0];
  console.log(`repository: 4 commits, 120 files per commit, .git ${size}`);
  server = await startServer(repo);
  // One of each first: caches warm on both sides.
  await throughServer(server.port);
  bare(repo, 'warm');
  const a = [];
  const b = [];
  for (let run = 0; run < RUNS; run++) {
    a.push(await throughServer(server.port));
    b.push(bare(repo, run));
  }
  const ms = x => `${Math.round(x)} ms`;
  console.log(
    `B7 Use through the server: ${a.map(ms).join(', ')}; median ${ms(median(a))}`
  );
  console.log(
    `   bare git clone --depth 1: ${b.map(ms).join(', ')}; median ${ms(median(b))}`
  );
  console.log(
    `B7 ratio ${(median(a) / median(b)).toFixed(2)}x (budget <= 1.2x)`
  );
} finally {
  if (server) {
    process.kill(-server.child.pid, 'SIGTERM');
    await new Promise(r => server.child.once('exit', r));
  }
  rmSync(tmp, { recursive: true, force: true });
}
