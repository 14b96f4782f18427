import { expect, galata, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import { IExtraServer, startExtraServer } from './servers';

/**
 * The resource meter on the real stack: the test-bed Lab served by a server
 * that runs in a real cgroup v1 memory cgroup limited to 1 GiB, inside a real
 * Slurm job's context (SLURM_JOB_ID of a job with a 2-minute limit), with the
 * replaying nvidia-smi (the real H100 MIG capture) on its PATH; and a second
 * server whose CUDA_VISIBLE_DEVICES shows two of the four MIG slices.
 */

const GiB = 1024 ** 3;
const BASE_PORT = Number(process.env.HPC_UI_PORT ?? '8898');
const MIG = (n: number) => `MIG-0000000${n}-0000-0000-0000-00000000000${n}`;
const GPU_UUID = 'GPU-00000000-0000-0000-0000-000000000000';

interface ISampleSeen {
  seq: number;
  memory: { usedBytes: number; limitBytes: number | null };
  oomKills: number | null;
  gpus: { uuid: string; migDevices?: { uuid: string }[] }[];
  job: { jobId: string; secondsLeft: number | null } | null;
}

/** The server's latest sample, asked with the page's credentials. */
async function sample(page: Page, url: string): Promise<ISampleSeen> {
  const response = await page.request.get(`${url}/hpc/api/resources`);
  expect(response.status()).toBe(200);
  return (await response.json()) as ISampleSeen;
}

/** The status bar's part of a kind ("memory", "gpu", "time"). */
const part = (kind: string) =>
  `.jp-HpcMeter-status .jp-HpcMeter-part[data-kind="${kind}"]`;

test.describe('The meter in a 1 GiB cgroup, in a Slurm job, with an H100 in MIG mode', () => {
  test.describe.configure({ mode: 'serial' });
  let server: IExtraServer;
  let jobId = '';

  test.use({
    baseURL: `http://127.0.0.1:${BASE_PORT + 2}`,
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      'jupyterlab-hpc:resources': { refreshSeconds: 1, timeWarnMinutes: 15 }
    }
  });

  test.beforeAll(async ({}, info) => {
    test.setTimeout(180000);
    // The allocation this server "runs in": a real job of the server's user
    // with a 2-minute limit, so the time left is seconds by the time we look.
    jobId = execFileSync('runuser', [
      '-u',
      'alice',
      '--',
      'sbatch',
      '--parsable',
      '-J',
      'hpcmeter-alloc',
      '-t',
      '2',
      '-o',
      '/dev/null',
      '--wrap',
      'sleep 600'
    ])
      .toString()
      .trim();
    server = await startExtraServer({
      port: BASE_PORT + 2,
      outputDir: info.outputDir,
      name: 'meter',
      args: [
        '--cgroup-memory',
        String(GiB),
        '--gpu-replay',
        'h100-mig__590.48.01.txt',
        '--env',
        `SLURM_JOB_ID=${jobId}`
      ]
    });
  });

  test.afterAll(async () => {
    await server?.stop();
    if (jobId) {
      execFileSync('scancel', [jobId]);
    }
  });

  test('the status bar shows memory against the cgroup limit, the GPU, and the time left counting down', async ({
    page
  }) => {
    test.setTimeout(150000);
    await expect(page.locator(part('memory'))).toHaveText(
      /^Mem \d+(\.\d)?\/1\.0 GB$/,
      { timeout: 30000 }
    );
    // Under MIG nvidia-smi has no utilisation: the GPU is counted, not 0 %.
    await expect(page.locator(part('gpu'))).toHaveText('GPU');
    await expect(page.locator('.jp-HpcMeter-status')).toHaveAttribute(
      'title',
      /NVIDIA H100 80GB HBM3/
    );
    // Seconds once under a minute (the job's limit is 2 minutes), counting down.
    const time = page.locator(part('time'));
    await expect(time).toHaveText(/^\d+s left$/, { timeout: 120000 });
    const first = parseInt((await time.textContent()) ?? '', 10);
    await expect
      .poll(async () => parseInt((await time.textContent()) ?? '', 10), {
        timeout: 10000
      })
      .toBeLessThan(first);
    // Less than the 15 minutes of the settings: warned, once.
    await expect(
      page.locator('.jp-Notification-Toast-warning', {
        hasText: `Slurm job ${jobId}`
      })
    ).toHaveCount(1);
  });

  test('the charts show CPU, memory with its limit, the GPU and its four MIG slices', async ({
    page
  }) => {
    await page.evaluate(async () => {
      await window.galata.app.commands.execute('jupyterlab-hpc:resources-open');
    });
    const charts = page.locator('.jp-HpcMeter-charts');
    await expect(charts.locator('h3').first()).toHaveText(/CPU/, {
      timeout: 30000
    });
    await expect(charts.locator('section[aria-label="Memory"] h3')).toHaveText(
      /limit 1\.0 GB/
    );
    const gpu = charts.locator(`section[data-uuid="${GPU_UUID}"]`);
    await expect(gpu.locator('h3')).toHaveText(/NVIDIA H100 80GB HBM3/);
    await expect(gpu.locator('.jp-HpcMeter-mig tr')).toHaveCount(4);
    await expect(gpu.locator('.jp-HpcMeter-mig')).toContainText('3g.40gb');
    // recharts drew lines (SVG paths), not an empty frame.
    await expect(
      charts.locator('section[aria-label="Memory"] .recharts-area-area')
    ).toHaveCount(1);
    // Colours follow the theme: the memory line is drawn anew in the dark one.
    const curve = charts.locator(
      'section[aria-label="Memory"] .recharts-area-curve'
    );
    const light = await curve.getAttribute('stroke');
    expect(light).toBeTruthy();
    await page.theme.setDarkTheme();
    await expect(curve).not.toHaveAttribute('stroke', light ?? '');
    await page.theme.setLightTheme();
  });

  test('300 MB allocated in a notebook shows as ~300 MB more; going over the limit kills it and says so', async ({
    page
  }) => {
    test.setTimeout(180000);
    const url = `http://127.0.0.1:${BASE_PORT + 2}`;
    await page.notebook.createNew('meter.ipynb');
    await page.notebook.setCell(0, 'code', 'x = 1');
    await page.notebook.runCell(0, true);
    // Settle, then measure: the kernel is running and idle.
    await page.waitForTimeout(2000);
    const before = await sample(page, url);
    expect(before.memory.limitBytes).toBe(GiB);
    await page.notebook.setCell(
      0,
      'code',
      'x = bytearray(300 * 1000 * 1000)\nx[::4096] = b"a" * len(range(0, len(x), 4096))\nprint("allocated")'
    );
    await page.notebook.runCell(0, true);
    await expect(page.locator('.jp-OutputArea-output')).toContainText(
      'allocated'
    );
    await expect
      .poll(
        async () =>
          (await sample(page, url)).memory.usedBytes - before.memory.usedBytes,
        {
          timeout: 15000
        }
      )
      .toBeGreaterThan(250e6);
    const after = await sample(page, url);
    expect(after.memory.usedBytes - before.memory.usedBytes).toBeLessThan(
      400e6
    );
    // The status bar agrees with the server (GB with one decimal).
    await expect(page.locator(part('memory'))).toHaveText(
      new RegExp(
        `^Mem (${(after.memory.usedBytes / GiB - 0.1).toFixed(1)}|${(
          after.memory.usedBytes / GiB
        ).toFixed(
          1
        )}|${(after.memory.usedBytes / GiB + 0.1).toFixed(1)})/1\\.0 GB$`
      )
    );

    // The charts' process table names the kernel by its notebook.
    await page.evaluate(async () => {
      await window.galata.app.commands.execute('jupyterlab-hpc:resources-open');
    });
    await expect(page.locator('.jp-HpcMeter-processes')).toContainText(
      /kernel of \S+\.ipynb/,
      { timeout: 20000 }
    );
    await page
      .locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: '.ipynb' })
      .first()
      .click();

    // Over the limit: the kernel's process is killed by the OOM killer.
    await page.notebook.setCell(
      0,
      'code',
      'y = bytearray(900 * 1000 * 1000)\ny[::4096] = b"a" * len(range(0, len(y), 4096))'
    );
    // Not waiting for the cell: its kernel does not come back from this.
    await page.notebook.selectCells(0);
    await page.keyboard.press('Control+Enter');
    await expect(
      page.locator('.jp-Notification-Toast-error', {
        hasText: 'killed for exceeding the memory limit of 1.0 GB'
      })
    ).toBeVisible({ timeout: 60000 });
    expect((await sample(page, url)).oomKills).toBeGreaterThan(
      before.oomKills ?? 0
    );
  });
});

test.describe('CUDA_VISIBLE_DEVICES naming two MIG slices', () => {
  test.describe.configure({ mode: 'serial' });
  let server: IExtraServer;
  test.use({ baseURL: `http://127.0.0.1:${BASE_PORT + 3}` });

  test.beforeAll(async ({}, info) => {
    test.setTimeout(180000);
    server = await startExtraServer({
      port: BASE_PORT + 3,
      outputDir: info.outputDir,
      name: 'meter-mig',
      args: [
        '--gpu-replay',
        'h100-mig__590.48.01.txt',
        '--env',
        `CUDA_VISIBLE_DEVICES=${MIG(1)},${MIG(3)}`
      ]
    });
  });

  test.afterAll(async () => {
    await server?.stop();
  });

  test('only the visible slices are shown, with their memory', async ({
    page
  }) => {
    await page.evaluate(async () => {
      await window.galata.app.commands.execute('jupyterlab-hpc:resources-open');
    });
    const gpu = page.locator(`section[data-uuid="${GPU_UUID}"]`);
    await expect(gpu.locator('.jp-HpcMeter-mig tr')).toHaveCount(2, {
      timeout: 30000
    });
    await expect(gpu.locator('.jp-HpcMeter-mig .jp-HpcMeter-uuid')).toHaveText([
      MIG(1),
      MIG(3)
    ]);
    await expect(gpu.locator('.jp-HpcMeter-mig')).toContainText('2g.20gb');
    await expect(gpu.locator('.jp-HpcMeter-mig')).not.toContainText('3g.40gb');
    await expect(gpu.locator('.jp-HpcMeter-mig')).toContainText('GB');
  });
});
