import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { execFileSync } from 'child_process';

/**
 * The Dask panel on the real stack: a local cluster started from the form
 * by the real server (as alice), its client code inserted into a notebook
 * whose real kernel computes on it, scaled up and down, and shut down with
 * no scheduler or worker process left.
 */

/** The processes (pid and command line) that name this cluster's id. */
function processesOf(id: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', `dask/${id}/`])
      .toString()
      .trim()
      .split('\n')
      .filter(line => line && !line.includes('pgrep'));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function openPanel(page: Page) {
  await page.evaluate(() =>
    window.galata.app.commands.execute('jupyterlab-hpc:dask-open')
  );
  await expect(page.locator('.jp-HpcDask-toolbar')).toBeVisible();
}

/** The panel's create form, opened with its New button. */
async function newClusterForm(page: Page) {
  await openPanel(page);
  await page.getByRole('button', { name: 'New', exact: true }).click();
  return page.getByRole('form', { name: 'New Dask cluster' });
}

test.describe('Dask clusters on this machine', () => {
  test.describe.configure({ mode: 'serial' });
  let clusterId = '';

  test.afterEach(async ({ page }) => {
    // Whatever happened, leave no cluster behind (as the page would ask:
    // with Jupyter's XSRF token, which front mode checks).
    if (clusterId) {
      await page.evaluate(async id => {
        const xsrf = document.cookie.match(/_xsrf=([^;]+)/)?.[1] ?? '';
        await fetch(`/hpc/api/dask/clusters/${id}`, {
          method: 'DELETE',
          headers: { 'X-XSRFToken': decodeURIComponent(xsrf) }
        });
      }, clusterId);
      clusterId = '';
    }
  });

  test('start 2 workers, compute from a notebook, scale 3 then 1, shut down', async ({
    page
  }) => {
    test.setTimeout(240000);
    const form = await newClusterForm(page);
    await form.getByLabel('Name').fill('ui-acceptance');
    await form.getByLabel('Workers', { exact: true }).fill('2');
    await form.getByLabel('Memory per worker').fill('512MiB');
    await form.getByRole('button', { name: 'Preview commands' }).click();
    await expect(form.getByLabel('Each worker')).toContainText(
      'distributed.cli.dask_worker'
    );
    await form.getByRole('button', { name: 'Start' }).click();

    const card = page.locator('.jp-HpcDask-card', { hasText: 'ui-acceptance' });
    await expect(card).toBeVisible();
    clusterId = (await card.getAttribute('data-cluster-id')) ?? '';
    expect(clusterId).toMatch(/^[a-z0-9]{8,32}$/);
    await expect(card.getByRole('status')).toHaveText('running', {
      timeout: 90000
    });
    await expect(card).toContainText('2 / 2');

    // The client code, inserted below the active cell of a notebook.
    await page.notebook.createNew('dask.ipynb');
    await page.notebook.setCell(0, 'code', 'import dask.array as da');
    await openPanel(page);
    await card.getByRole('button', { name: 'Insert client code' }).click();
    const code = await page.notebook.getCellTextInput(1);
    expect(code).toContain('from dask.distributed import Client');
    expect(code).toContain(`dask/${clusterId}/scheduler.json`);
    await page.notebook.runCell(0, true);
    await page.notebook.runCell(1, true);
    await page.notebook.addCell(
      'code',
      'print(da.ones((2000, 2000)).sum().compute(), len(client.scheduler_info()["workers"]))'
    );
    await page.notebook.runCell(2, true);
    expect(await page.notebook.getCellTextOutput(2)).toEqual(['4000000.0 2\n']);

    // Scale to 3, then back to 1.
    await openPanel(page);
    const workers = card.getByLabel('Workers', { exact: true });
    await workers.fill('3');
    await card.getByRole('button', { name: 'Scale' }).click();
    await expect(card).toContainText('3 / 3', { timeout: 90000 });
    await workers.fill('1');
    await workers.press('Enter');
    await expect(card).toContainText('1 / 1', { timeout: 90000 });
    await expect(card.getByRole('status')).toHaveText('running', {
      timeout: 90000
    });
    expect(processesOf(clusterId).length).toBeGreaterThan(0);

    // Shut down, after confirmation: nothing of it is left.
    await card.getByRole('button', { name: 'Shut down' }).click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Shut down' })
      .click();
    await expect(card).toHaveCount(0, { timeout: 60000 });
    await expect
      .poll(() => processesOf(clusterId), { timeout: 20000 })
      .toEqual([]);
    clusterId = '';
  });

  test('a card dragged into a notebook, or its context menu, adds the client code; its charts show its worker', async ({
    page
  }) => {
    test.setTimeout(180000);
    const form = await newClusterForm(page);
    await form.getByLabel('Name').fill('ui-drag');
    await form.getByLabel('Workers', { exact: true }).fill('1');
    await form.getByRole('button', { name: 'Start' }).click();
    const card = page.locator('.jp-HpcDask-card', { hasText: 'ui-drag' });
    clusterId = (await card.getAttribute('data-cluster-id')) ?? '';
    await expect(card.getByRole('status')).toHaveText('running', {
      timeout: 90000
    });

    await page.notebook.createNew('drag.ipynb');
    await page.notebook.setCell(0, 'code', 'x = 1');
    await openPanel(page);
    const from = await card.locator('.jp-HpcDask-name').boundingBox();
    const to = await page
      .locator('.jp-NotebookPanel:visible .jp-Cell')
      .first()
      .boundingBox();
    if (!from || !to) {
      throw new Error('the card or the cell is not on screen');
    }
    await page.mouse.move(from.x + 5, from.y + 5);
    await page.mouse.down();
    await page.mouse.move(from.x + 30, from.y + 30, { steps: 5 });
    await page.mouse.move(to.x + 40, to.y + to.height / 2, { steps: 10 });
    await page.mouse.up();
    const cells = page.locator('.jp-NotebookPanel:visible .jp-Cell');
    await expect(cells).toHaveCount(2);
    const texts = await cells.allInnerTexts();
    expect(texts.join('\n')).toContain(`dask/${clusterId}/scheduler.json`);

    // The card's context menu has the same commands, aimed at that card.
    await openPanel(page);
    await card.locator('.jp-HpcDask-name').click({ button: 'right' });
    const menu = page.locator('.lm-Menu');
    await expect(menu).toContainText('Copy Dask Client Code');
    await expect(menu).toContainText('Shut Down the Dask Cluster');
    await menu.getByText('Insert Dask Client Code').click();
    await expect(cells).toHaveCount(3);

    // Its charts, from the server's metrics, in a pane of their own.
    await openPanel(page);
    await card.getByRole('button', { name: 'Charts' }).click();
    const charts = page.locator('.jp-HpcDask-chartsPanel:visible');
    await expect(charts.locator('figcaption').first()).toContainText(
      '1 worker, 1 threads',
      { timeout: 20000 }
    );
    await expect(charts.locator('.recharts-surface')).toHaveCount(4);
  });

  test('a bad memory size is refused next to its field, in the server’s words', async ({
    page
  }) => {
    const form = await newClusterForm(page);
    // Passes the form's own check (a number and a unit) but not the server's
    // minimum of 64 MiB.
    await form.getByLabel('Memory per worker').fill('1M');
    await form.getByRole('button', { name: 'Start' }).click();
    await expect(form.getByLabel('Memory per worker')).toHaveAttribute(
      'aria-invalid',
      'true'
    );
    await expect(form).toContainText(/64 ?MiB/);
    await expect(page.locator('.jp-HpcDask-card')).toHaveCount(0);
  });
});

/** alice's jobs of cluster `id` in Slurm's queue, straight from squeue. */
function slurmJobsOf(id: string): string[] {
  return execFileSync('squeue', [
    '--noheader',
    '--array',
    '--all',
    `--name=dask-${id}-scheduler,dask-${id}-worker`,
    '--format=%i %j %u %T'
  ])
    .toString()
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean);
}

test.describe('Dask clusters as Slurm jobs', () => {
  let clusterId = '';

  test.afterEach(() => {
    // A safety net: whatever happened, no job of this cluster stays queued.
    if (clusterId) {
      try {
        execFileSync('scancel', [
          `--name=dask-${clusterId}-scheduler,dask-${clusterId}-worker`
        ]);
      } catch {
        // none left
      }
      clusterId = '';
    }
  });

  test('start as alice’s jobs, see them in the queue, compute, shut down with no job left', async ({
    page
  }) => {
    test.setTimeout(300000);
    const form = await newClusterForm(page);
    await form.getByRole('radio', { name: 'Slurm jobs' }).check();
    await form.getByLabel('Name').fill('ui-slurm');
    await form.getByLabel('Workers', { exact: true }).fill('2');
    await form.getByLabel('Memory per worker').fill('512MiB');
    await form.getByLabel('Walltime').fill('00:10:00');
    await form.getByLabel('Partition').selectOption('debug');
    // The job scripts, shown before anything is submitted.
    await form.getByRole('button', { name: 'Preview job scripts' }).click();
    await expect(form.getByLabel('Each worker')).toContainText(
      '#SBATCH --partition=debug'
    );
    await expect(form.getByLabel('Scheduler')).toContainText(
      'distributed.cli.dask_scheduler'
    );
    await form.getByRole('button', { name: 'Start' }).click();

    const card = page.locator('.jp-HpcDask-card', { hasText: 'ui-slurm' });
    await expect(card).toBeVisible();
    clusterId = (await card.getAttribute('data-cluster-id')) ?? '';
    expect(clusterId).toMatch(/^[a-z0-9]{8,32}$/);
    await expect(card.getByRole('status')).toHaveText('running', {
      timeout: 120000
    });
    await expect(card).toContainText('2 / 2');
    // Its jobs, with their roles, on the card ...
    await expect(card.locator('.jp-HpcDask-job.jp-mod-running')).toHaveCount(
      3,
      { timeout: 30000 }
    );
    // ... in Slurm's own queue, as alice's ...
    const jobs = slurmJobsOf(clusterId);
    expect(jobs).toHaveLength(3);
    expect(jobs.every(j => / alice RUNNING$/.test(j))).toBe(true);
    // ... and in the queue panel.
    await page.evaluate(() =>
      window.galata.app.commands.execute('jupyterlab-hpc:slurm-open')
    );
    const queue = page.locator('#jp-HpcSlurm-panel');
    await expect(queue).toBeVisible();
    await queue.getByPlaceholder('Filter jobs').fill(`dask-${clusterId}`);
    await page.evaluate(() =>
      window.galata.app.commands.execute('jupyterlab-hpc:slurm-refresh')
    );
    await expect(queue.locator('.jp-HpcSlurm-row')).toHaveCount(3, {
      timeout: 60000
    });
    await expect(
      queue.locator('.jp-HpcSlurm-row', {
        hasText: `dask-${clusterId}-scheduler`
      })
    ).toHaveCount(1);

    // The client code in a notebook; the kernel computes on the Slurm workers.
    await page.notebook.createNew('dask-slurm.ipynb');
    await page.notebook.setCell(0, 'code', 'import dask.array as da');
    await openPanel(page);
    await card.getByRole('button', { name: 'Insert client code' }).click();
    await page.notebook.runCell(0, true);
    await page.notebook.runCell(1, true);
    await page.notebook.addCell(
      'code',
      'print(da.ones((2000, 2000)).sum().compute(), len(client.scheduler_info()["workers"]))'
    );
    await page.notebook.runCell(2, true);
    expect(await page.notebook.getCellTextOutput(2)).toEqual(['4000000.0 2\n']);

    // Shut down: no job of it stays in squeue.
    await openPanel(page);
    await card.getByRole('button', { name: 'Shut down' }).click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Shut down' })
      .click();
    await expect(card).toHaveCount(0, { timeout: 60000 });
    expect(slurmJobsOf(clusterId)).toEqual([]);
    clusterId = '';
  });
});
