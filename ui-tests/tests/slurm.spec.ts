import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';

/**
 * The Slurm queue sidebar against the real server and the real test-bed
 * Slurm. The server runs as alice (start-test-server.sh), so "Mine" is
 * alice's jobs; bob's jobs show under "All users".
 */

// Every job name starts with this, so the filter finds only ours.
const TAG = 'hpcui';
const submitted: string[] = [];

/** `sbatch --parsable` (as `user` unless root), returning the job id. */
function sbatch(user: string | null, args: string[]): string {
  const argv = ['--parsable', '-o', '/dev/null', ...args];
  const out = user
    ? execFileSync('runuser', ['-u', user, '--', 'sbatch', ...argv])
    : execFileSync('sbatch', argv);
  const id = out.toString().trim().split(';')[0];
  submitted.push(id);
  return id;
}

function squeueField(id: string, field: string): string {
  return execFileSync('squeue', ['-h', '-j', id, '-O', field])
    .toString()
    .trim();
}

const ids: Record<string, string> = {};

test.beforeAll(() => {
  ids.running = sbatch('alice', ['-J', `${TAG}-run`, '--wrap', 'sleep 600']);
  ids.held = sbatch('bob', [
    '--hold',
    '-J',
    `${TAG}-held`,
    '--wrap',
    'sleep 600'
  ]);
  // Pending for a while (BeginTime), not held: what the Hold button is for.
  ids.later = sbatch('alice', [
    '--begin=now+2hours',
    '-J',
    `${TAG}-later`,
    '--wrap',
    'sleep 600'
  ]);
  ids.array = sbatch('alice', [
    '--array=0-3%1',
    '-J',
    `${TAG}-array`,
    '--wrap',
    'sleep 600'
  ]);
  ids.odd = sbatch('alice', [
    '--hold',
    '-J',
    `${TAG}-<b>html</b>\tTAB\nNL`,
    '--wrap',
    'sleep 600'
  ]);
});

test.afterAll(() => {
  for (const id of submitted) {
    try {
      execFileSync('scancel', [id]);
    } catch {
      // Already gone.
    }
  }
});

/** Open the sidebar with its command and show everyone's jobs of ours. */
async function openQueue(page: IJupyterLabPageFixture) {
  await page.evaluate(() =>
    window.galata.app.commands.execute('jupyterlab-hpc:slurm-open')
  );
  const panel = page.locator('#jp-HpcSlurm-panel');
  await expect(panel).toBeVisible();
  await panel.getByRole('radio', { name: 'All users' }).click();
  await panel.getByPlaceholder('Filter jobs').fill(TAG);
  return panel;
}

/** The row of a job (by its unique jobId) and its state and reason cells. */
function row(panel: ReturnType<IJupyterLabPageFixture['locator']>, id: string) {
  return panel.locator(`.jp-HpcSlurm-row[data-job-id="${id}"]`);
}

test.describe('Slurm queue', () => {
  test.setTimeout(180000);

  test('shows the real queue: states, arrays, names as text', async ({
    page
  }) => {
    const panel = await openQueue(page);
    // The server polls Slurm every 30 s: allow one interval and a bit.
    const wait = { timeout: 45000 };
    await expect(row(panel, ids.running)).toBeVisible(wait);
    await expect(
      row(panel, ids.running).locator('.jp-HpcSlurm-state')
    ).toHaveText('RUNNING', wait);
    await expect(
      row(panel, ids.running).locator('.jp-HpcSlurm-state')
    ).toHaveClass(/jp-mod-running/);
    await expect(row(panel, ids.held)).toContainText('JobHeldUser', wait);
    await expect(
      row(panel, ids.held).locator('.jp-HpcSlurm-state')
    ).toHaveClass(/jp-mod-pending/);
    // An array throttled to one task at a time: task 0 runs, the rest wait.
    await expect(
      panel.locator('.jp-HpcSlurm-col-id', { hasText: `${ids.array}_0` })
    ).toBeVisible(wait);
    await expect(
      panel.locator('.jp-HpcSlurm-row', {
        hasText: `${ids.array}_[1-3%1]`
      })
    ).toContainText('JobArrayTaskLimit', wait);
    // The name is text: no <b> element, tabs and newlines on one line.
    const odd = row(panel, ids.odd).locator('.jp-HpcSlurm-col-name span');
    await expect(odd).toHaveText(`${TAG}-<b>html</b> TAB⏎NL`, wait);
    await expect(odd).toHaveAttribute('title', `${TAG}-<b>html</b>\tTAB\nNL`);
    await expect(panel.locator('.jp-HpcSlurm-row b')).toHaveCount(0);
    await expect(panel.locator('.jp-HpcSlurm-count')).toContainText('jobs');
    await expect(panel.locator('.jp-HpcSlurm-updated')).toContainText(
      'updated'
    );
    await expect(panel.getByRole('alert')).toHaveCount(0);
    await row(panel, ids.held).click();
    await expect(panel.getByRole('button', { name: 'Release' })).toBeEnabled();
    await page.screenshot({ path: 'shots/slurm-queue.png' });

    await page.theme.setDarkTheme();
    await expect(row(panel, ids.running)).toBeVisible();
    await page.screenshot({ path: 'shots/slurm-queue-dark.png' });
    await page.theme.setLightTheme();
  });

  test("opens with its shortcut and shows alice's jobs under Mine", async ({
    page
  }) => {
    await page.keyboard.press('Control+Shift+Y');
    const panel = page.locator('#jp-HpcSlurm-panel');
    await expect(panel).toBeVisible();
    await expect(panel.getByRole('radio', { name: 'Mine' })).toHaveAttribute(
      'aria-checked',
      'true'
    );
    await panel.getByPlaceholder('Filter jobs').fill(TAG);
    await expect(row(panel, ids.running)).toBeVisible({ timeout: 45000 });
    // bob's jobs are not alice's.
    await expect(row(panel, ids.held)).toHaveCount(0);
  });

  test('keeps the columns chosen in the Columns menu', async ({ page }) => {
    const panel = await openQueue(page);
    const header = panel.getByRole('columnheader', { name: 'Partition' });
    await expect(header).toHaveCount(0);
    await panel.locator('.jp-HpcSlurm-columnMenu > summary').click();
    await panel.getByRole('checkbox', { name: 'Partition' }).check();
    await expect(header).toBeVisible();
    // Saved to the settings: still there after a reload.
    await page.waitForTimeout(500);
    await page.reload();
    await page.waitForSelector('body[data-lab-restored="true"]', {
      state: 'attached'
    });
    const again = await openQueue(page);
    await expect(
      again.getByRole('columnheader', { name: 'Partition' })
    ).toBeVisible();
    await again.locator('.jp-HpcSlurm-columnMenu > summary').click();
    await again.getByRole('checkbox', { name: 'Partition' }).uncheck();
    await expect(
      again.getByRole('columnheader', { name: 'Partition' })
    ).toHaveCount(0);
  });

  test('holds and releases a pending job from the toolbar', async ({
    page
  }) => {
    const panel = await openQueue(page);
    const later = row(panel, ids.later);
    await expect(later).toContainText('BeginTime', { timeout: 45000 });

    await later.click();
    await expect(later).toHaveAttribute('aria-selected', 'true');
    await expect(panel.getByRole('button', { name: 'Release' })).toBeDisabled();
    await panel.getByRole('button', { name: 'Hold' }).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Hold 1 job?');
    await expect(dialog).toContainText(`${ids.later} ${TAG}-later`);
    await page.screenshot({ path: 'shots/slurm-confirm.png' });
    await dialog.getByRole('button', { name: 'Hold' }).click();
    await expect(
      page.locator('.Toastify__toast', { hasText: 'Held 1 job.' })
    ).toBeVisible();
    await page.screenshot({ path: 'shots/slurm-held.png' });
    // alice holds her own job: a user hold (root's would be JobHeldAdmin).
    await expect(later).toContainText('JobHeldUser', {
      timeout: 20000
    });
    expect(squeueField(ids.later, 'Reason')).toBe('JobHeldUser');

    await later.click();
    await panel.getByRole('button', { name: 'Release' }).click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Release' })
      .click();
    await expect(
      page.locator('.Toastify__toast', { hasText: 'Released 1 job.' })
    ).toBeVisible();
    // Released: no longer held (Slurm also drops the --begin delay).
    await expect(later).not.toContainText(/JobHeld/, { timeout: 20000 });
    expect(squeueField(ids.later, 'Reason')).not.toMatch(/JobHeld/);
  });

  test('cancels a job, which leaves the queue', async ({ page }) => {
    const panel = await openQueue(page);
    const running = row(panel, ids.running);
    await expect(running).toBeVisible({ timeout: 45000 });
    await running.click();
    await panel.getByRole('button', { name: 'Cancel' }).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Cancel 1 job?');
    await dialog.getByRole('button', { name: 'Cancel jobs' }).click();
    await expect(
      page.locator('.Toastify__toast', { hasText: 'Cancelled 1 job.' })
    ).toBeVisible();
    // Gone from squeue at once, or after COMPLETING until the server's next poll.
    await expect(running).toHaveCount(0, { timeout: 45000 });
  });

  test('shows every field of a job on a double click', async ({ page }) => {
    const panel = await openQueue(page);
    const held = row(panel, ids.held);
    await expect(held).toBeVisible({ timeout: 45000 });
    await held.dblclick();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.locator('.jp-Dialog-header')).toContainText(
      `Job ${ids.held}`
    );
    await expect(dialog.locator('.jp-HpcSlurm-reasonText')).toContainText(
      'Held by its owner'
    );
    await expect(
      dialog.locator('.jp-HpcSlurm-fields tr', { hasText: 'JobName' })
    ).toContainText(`${TAG}-held`);
    await page.screenshot({ path: 'shots/slurm-details.png' });
    await dialog.getByRole('button', { name: 'Close' }).click();
  });
});
