// B5 (DESIGN.md): the JavaScript the suite adds to JupyterLab's start-up, gzip,
// against the 60 KB budget, measured in a real browser: Debian's Chromium opens
// the test-bed Lab (production build of the extension) and every file it fetches
// from the extension's static folder before the user does anything counts. Then
// the queue sidebar and the charts panel are opened, to show what loads lazily.
// usage: node bench/startup.mjs   (builds production, then restores the dev build)
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const require = createRequire(join(root, 'ui-tests', 'package.json'));
const { chromium } = require('playwright-core');

const BUDGET_KB = 60;
const PORT = process.env.BENCH_PORT ?? '8897';
const STATIC = join(root, 'jupyterlab_hpc', 'labextension', 'static');
const PREFIX = '/lab/extensions/jupyterlab-hpc/static/';

const npm = script =>
  execFileSync('npm', ['run', '-s', script], { cwd: root, stdio: 'inherit' });
const gzipKB = file =>
  gzipSync(readFileSync(join(STATIC, file)), { level: 9 }).length / 1024;

console.log('building the production extension…');
npm('build:labextension');
const server = spawn('bash', ['ui-tests/start-test-server.sh', PORT], {
  cwd: root,
  stdio: 'ignore',
  detached: true
});
const stop = () => {
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    // already gone
  }
};
let browser;
try {
  const base = `http://127.0.0.1:${PORT}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/api/status`)).ok) break;
    } catch {
      // not yet
    }
    if (i > 240) throw new Error('the test server did not start');
    await new Promise(r => setTimeout(r, 500));
  }
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run']
  });
  const page = await browser.newPage();
  const fetched = [];
  page.on('request', request => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith(PREFIX)) {
      fetched.push(path.slice(PREFIX.length));
    }
  });
  await page.goto(`${base}/lab`);
  await page.waitForSelector('.jp-LauncherCard', { timeout: 120_000 });
  await page.waitForLoadState('networkidle');
  const eager = [...new Set(fetched)];
  const eagerKB = eager.reduce((sum, f) => sum + gzipKB(f), 0);

  fetched.length = 0;
  await page.evaluate(async () => {
    const app = window.jupyterapp ?? window.galata?.app;
    await app.commands.execute('jupyterlab-hpc:slurm-open');
    await app.commands.execute('jupyterlab-hpc:resources-open');
  });
  await page.waitForTimeout(2000);
  await page.waitForLoadState('networkidle');
  const lazy = [...new Set(fetched)];
  const lazyKB = lazy.reduce((sum, f) => sum + gzipKB(f), 0);

  for (const f of eager)
    console.log(`  start-up  ${gzipKB(f).toFixed(1).padStart(7)} KB  ${f}`);
  for (const f of lazy)
    console.log(`  on open   ${gzipKB(f).toFixed(1).padStart(7)} KB  ${f}`);
  console.log(
    `B5 start-up JavaScript: ${eagerKB.toFixed(1)} KB gzip (budget ${BUDGET_KB} KB) ` +
      `ratio ${(eagerKB / BUDGET_KB).toFixed(2)} ${eagerKB <= BUDGET_KB ? 'OK' : 'OVER'}; ` +
      `${lazyKB.toFixed(1)} KB more load lazily when the panels open`
  );
} finally {
  await browser?.close();
  stop();
  if (!process.env.BENCH_KEEP_PROD) {
    console.log('restoring the development build…');
    npm('build:labextension:dev');
  }
}
