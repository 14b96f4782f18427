// Galata (JupyterLab's UI-test fixtures) on plain Playwright with Debian's
// chromium, against the real stack: hpc-proxy in front mode, starting the
// test-bed JupyterLab (serve.py on Debian's jupyter_server), both as the
// user alice (start-test-server.sh), real Slurm. slurm-acceptance.spec.ts
// starts a second such server on HPC_UI_PORT + 1 (or HPC_UI_PROBE_PORT).
const base = require('@jupyterlab/galata/lib/playwright-config');

const port = process.env.HPC_UI_PORT || '8898';

module.exports = {
  ...base,
  testDir: 'tests',
  reporter: process.env.HPC_UI_REPORT
    ? [['list'], ['json', { outputFile: process.env.HPC_UI_REPORT }]]
    : [['list']],
  workers: 1,
  retries: 0,
  timeout: 60000,
  use: {
    ...base.use,
    baseURL: `http://127.0.0.1:${port}`,
    video: 'off', // needs Playwright's own ffmpeg download
    trace: 'off',
    launchOptions: {
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
    }
  },
  webServer: {
    command: `bash start-test-server.sh ${port}`,
    url: `http://127.0.0.1:${port}/api/status`,
    reuseExistingServer: false,
    timeout: 120000,
    // SIGTERM, not SIGKILL: hpc-proxy stops Jupyter, which stops its kernels.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10000 }
  }
};
