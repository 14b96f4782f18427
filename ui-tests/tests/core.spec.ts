import { expect, test } from '@jupyterlab/galata';

// Console errors collected from page load on, for every test.
const problems: string[] = [];
test.beforeEach(({ page }) => {
  problems.length = 0;
  page.on('console', message => {
    if (message.type() === 'error') {
      problems.push(message.text());
    }
  });
  page.on('pageerror', error => problems.push(error.message));
});

test('the suite is loaded as a prebuilt extension and its plugins are active', async ({
  page
}) => {
  const active = await page.evaluate(() =>
    ['jupyterlab-hpc:core', 'jupyterlab-hpc:server-status'].map(id =>
      window.galata.app.isPluginActivated(id)
    )
  );
  expect(active).toEqual([true, true]);
  // The handshake succeeded, so no start-up dialog is open.
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  await page.reload();
  await page.waitForSelector('body[data-lab-restored="true"]', {
    state: 'attached'
  });
  await page.waitForTimeout(1000);
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('Help > HPC Suite Status shows what the real server found', async ({
  page
}) => {
  await page.menu.clickMenuItem('Help>HPC Suite Status');
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('.jp-Dialog-header')).toHaveText(
    'HPC Suite Status'
  );
  const slurm = dialog.locator('tr[data-capability="slurm"]');
  await expect(slurm).toHaveClass(/jp-mod-available/);
  // The real single-host Slurm 22.05 started by scripts/slurm-start.sh.
  await expect(slurm).toContainText(/Slurm 22\.05\.\d+ on testcluster/);
  await expect(dialog.locator('tr[data-capability="dask"]')).toHaveClass(
    /jp-mod-available/
  );
  // No GPU on these machines, and no catalogue in the test config: both say why.
  const gpu = dialog.locator('tr[data-capability="gpu"]');
  await expect(gpu).toHaveClass(/jp-mod-unavailable/);
  await expect(gpu).toContainText('nvidia-smi');
  await expect(dialog.locator('tr[data-capability="gallery"]')).toContainText(
    'No gallery catalogue is configured'
  );
  await page.screenshot({ path: 'shots/server-status.png' });

  // "Check again" makes the server detect anew (POST capabilities/refresh).
  const refreshed = page.waitForResponse(
    r => r.url().includes('/hpc/api/capabilities/refresh') && r.status() === 200
  );
  await dialog.getByRole('button', { name: 'Check again' }).click();
  await refreshed;
  await expect(
    page.locator('.jp-Dialog tr[data-capability="slurm"]')
  ).toHaveClass(/jp-mod-available/);
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Close' })
    .click();
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('the status command is in the command palette', async ({ page }) => {
  await page.keyboard.press('Control+Shift+C');
  await page.keyboard.type('HPC Suite Status');
  await page.keyboard.press('Enter');
  await expect(page.locator('.jp-Dialog .jp-Dialog-header')).toHaveText(
    'HPC Suite Status'
  );
  await expect(
    page.locator('.jp-Dialog tr[data-capability="slurm"]')
  ).toBeVisible();
});

test('works in the dark theme', async ({ page }) => {
  await page.theme.setDarkTheme();
  await page.menu.clickMenuItem('Help>HPC Suite Status');
  const state = page.locator(
    '.jp-Dialog tr[data-capability="slurm"] .jp-HpcCore-state'
  );
  await expect(state).toHaveText('available');
  // The text colour follows the theme's success colour, not a fixed one.
  const [colour, success] = await state.evaluate(el => [
    getComputedStyle(el).color,
    getComputedStyle(document.body)
      .getPropertyValue('--jp-success-color1')
      .trim()
  ]);
  expect(success).not.toBe('');
  const probe = await page.evaluate(c => {
    const el = document.createElement('span');
    el.style.color = c;
    document.body.appendChild(el);
    const value = getComputedStyle(el).color;
    el.remove();
    return value;
  }, success);
  expect(colour).toBe(probe);
  await page.screenshot({ path: 'shots/server-status-dark.png' });
});

test('a missing server gives one actionable dialog at start-up', async ({
  page
}) => {
  // Rendering detail only: the real server is up, so hide it from this page.
  await page.route('**/hpc/api/version*', route =>
    route.fulfill({ status: 404, body: 'Not Found' })
  );
  // A plain reload: galata's own waits for a page without dialogs.
  await page.evaluate(() => window.location.reload());
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('.jp-Dialog-header')).toHaveText(
    'HPC tools unavailable'
  );
  await expect(dialog).toContainText('Nothing answers at hpc/');
  await expect(dialog).toContainText('administrators');
  await dialog.getByRole('button', { name: 'OK' }).click();
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
});

test('a notebook runs on a real kernel through the front proxy (WebSocket)', async ({
  page
}) => {
  await page.notebook.createNew('kernel.ipynb');
  await page.notebook.setCell(
    0,
    'code',
    'import getpass, sys; print(sys.executable, getpass.getuser(), 6 * 7)'
  );
  await page.notebook.runCell(0);
  // The server (and so the kernel) runs as alice, not as the test runner.
  expect(await page.notebook.getCellTextOutput(0)).toEqual([
    '/usr/bin/python3 alice 42\n'
  ]);
  expect(problems).toEqual([]);
});
