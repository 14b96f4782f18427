// B3 (DESIGN.md): the queue panel in Chromium with 50,000 jobs vs 100 jobs, same run:
// first render (new jobs → their rows painted) and a sort (click → rows painted), from
// the performance marks of src/slurm/components/QueueTable.tsx, and the DOM rows.
//
// One test-bed JupyterLab behind hpc-proxy (as ui-tests/start-test-server.sh), whose
// `squeue` is a shim first on PATH: "Mine" (`--me`) answers the first SMALL records,
// "All users" the whole queue. The queue is the real Slurm's (default: load it with
// bash bench/load-queue.sh 50000 first) or, with `--replay FILE`, FILE (from
// bench/synth-queue.mjs; the shim only `cat`s it). Each case is measured RUNS times,
// alternately, median.
// Needs `npm run build` and `npm run build:testbed` first.
// usage: node bench/queue-ui.mjs [--replay FILE] [--small 100] [--runs 3] [--port 8914]
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const replay = option('--replay');
const SMALL = Number(option('--small', 100));
const RUNS = Number(option('--runs', 3));
const PORT = Number(option('--port', process.env.HPC_UI_PORT ?? 8914));
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const state = mkdtempSync(join(tmpdir(), 'hpc-bench-ui-'));
// The UI test server runs as alice (start-test-server.sh): she must be able
// to run the shim, or her PATH falls through to the real squeue.
chmodSync(state, 0o755);
const bin = join(state, 'bin');
execFileSync('mkdir', ['-p', bin]);
const source = replay ? `cat '${resolve(replay)}'` : '/usr/bin/squeue "$@"';
// "Mine" (`--me`): the first SMALL records (they end with \x1e) of the same queue.
writeFileSync(
  join(bin, 'squeue'),
  `#!/bin/sh
small=
for a in "$@"; do
  shift
  if [ "$a" = --me ]; then small=1; else set -- "$@" "$a"; fi
done
if [ -n "$small" ]; then
  ${source} | awk 'BEGIN { RS = "\\036"; ORS = "\\036" } NR <= ${SMALL}'
  exit $?
fi
exec ${source}
`
);
chmodSync(join(bin, 'squeue'), 0o755);

const { squeueArgs } = require(
  join(here, '..', 'server-proxy', 'lib', 'slurm', 'commands.js')
);
const jobs =
  execFileSync(join(bin, 'squeue'), squeueArgs('all'), {
    maxBuffer: 1 << 30
  })
    .toString()
    .split('\x1e').length - 1;
if (jobs <= SMALL) {
  console.error(
    `queue-ui: the queue has ${jobs} jobs, not more than ${SMALL}: load it (bash bench/load-queue.sh 50000) or use --replay FILE`
  );
  rmSync(state, { recursive: true, force: true });
  process.exit(2);
}

const server = spawn(
  'bash',
  [join(here, '..', 'ui-tests', 'start-test-server.sh'), String(PORT)],
  {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true
  }
);
const base = `http://127.0.0.1:${PORT}`;

async function waitForServer() {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/api/status`)).ok) {
        return;
      }
    } catch {
      // not up yet
    }
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error('the test server did not start');
}

/** Runs `action`, then waits for one more `jp-hpc-queue-<what>` measure: its ms. */
async function measured(page, what, action) {
  const name = `jp-hpc-queue-${what}`;
  const before = await page.evaluate(
    n => performance.getEntriesByName(n).length,
    name
  );
  await action();
  await page.waitForFunction(
    ([n, k]) => performance.getEntriesByName(n).length > k,
    [name, before],
    { timeout: Number(process.env.BENCH_TIMEOUT_MS ?? 120_000) }
  );
  return page.evaluate(n => {
    const all = performance.getEntriesByName(n);
    return all[all.length - 1].duration;
  }, name);
}

let browser;
try {
  await waitForServer();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync'
    ]
  });
  const page = await browser.newPage({
    viewport: { width: 1280, height: 900 }
  });
  await page.goto(`${base}/lab`);
  await page.waitForFunction(
    () => window.galata?.app?.started !== undefined,
    null,
    {
      timeout: 120_000
    }
  );
  await page.evaluate(() => window.galata.app.started);
  // The Slurm panel joins the sidebar once the server said Slurm is there.
  await page.waitForSelector('.jp-SideBar [data-id="jp-HpcSlurm-panel"]', {
    state: 'attached',
    timeout: 120_000
  });
  const panel = page.locator('#jp-HpcSlurm-panel');
  const scope = name => panel.getByRole('radio', { name });
  const idHeader = panel.locator(
    '.jp-HpcSlurm-headerRow .jp-HpcSlurm-col-id .jp-HpcSlurm-sort'
  );
  const rows = () => panel.locator('.jp-HpcSlurm-row').count();
  const count = () => panel.locator('.jp-HpcSlurm-count').innerText();

  const result = {
    small: { render: [], sort: [] },
    large: { render: [], sort: [] }
  };
  let domRows = 0;
  const counts = {};
  // The panel opens on "Mine": the first render is the small queue's.
  result.small.render.push(
    await measured(page, 'render', () =>
      page.evaluate(() =>
        window.galata.app.commands.execute('jupyterlab-hpc:slurm-open')
      )
    )
  );
  for (let run = 0; run < RUNS; run++) {
    for (const size of ['small', 'large']) {
      if (run > 0 || size === 'large') {
        const radio = scope(size === 'small' ? 'Mine' : 'All users');
        result[size].render.push(
          await measured(page, 'render', () => radio.click())
        );
      }
      counts[size] = await count();
      domRows = Math.max(domRows, await rows());
      // Descending, then back to ascending.
      for (let i = 0; i < 2; i++) {
        result[size].sort.push(
          await measured(page, 'sort', () => idHeader.click())
        );
        domRows = Math.max(domRows, await rows());
      }
    }
  }
  const ms = t => `${t.toFixed(1)} ms`;
  const render = [median(result.small.render), median(result.large.render)];
  const sort = [median(result.small.sort), median(result.large.sort)];
  console.log(
    `B3 queue: ${counts.small} vs ${counts.large} (${replay ? `replayed from ${replay}` : 'real squeue'}), ${RUNS} runs, median`
  );
  const line = (what, [a, b]) => {
    const ratio = b / a;
    console.log(
      `B3 ${what}: ${ms(a)} vs ${ms(b)}: ratio ${ratio.toFixed(2)}x (budget <= 3x) ${ratio <= 3 ? 'OK' : 'OVER'}`
    );
  };
  line('first render', render);
  line('sort', sort);
  console.log(
    `B3 DOM rows at most: ${domRows} (budget <= 200) ${domRows <= 200 ? 'OK' : 'OVER'}`
  );
  if (process.env.BENCH_VERBOSE) {
    console.log(JSON.stringify(result));
  }
} catch (e) {
  // What the page showed, for the one who reads the error.
  const page = browser?.contexts()[0]?.pages()[0];
  if (page) {
    const shot = join(tmpdir(), 'hpc-bench-queue-ui-failure.png');
    await page.screenshot({ path: shot }).catch(() => undefined);
    const marks = await page
      .evaluate(() => performance.getEntriesByType('mark').map(m => m.name))
      .catch(() => []);
    console.error(
      `queue-ui: failed; page in ${shot}; marks: ${marks.join(', ')}`
    );
  }
  throw e;
} finally {
  await browser?.close();
  // The script's group: hpc-proxy stops Jupyter on SIGTERM.
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  await new Promise(r => server.once('exit', r));
  rmSync(state, { recursive: true, force: true });
}
