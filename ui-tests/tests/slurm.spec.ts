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

/**
 * `sbatch --parsable` (as `user` unless root), returning the job id; with
 * `script`, the batch script on stdin.
 */
function sbatch(user: string | null, args: string[], script?: string): string {
  const argv = ['--parsable', '-o', '/dev/null', ...args];
  const options = script === undefined ? {} : { input: script };
  const out =
    user && user !== 'root'
      ? execFileSync('runuser', ['-u', user, '--', 'sbatch', ...argv], options)
      : execFileSync('sbatch', argv, options);
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
  ids.held = sbatch('alice', [
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
  ids.bob = sbatch('bob', [
    '--hold',
    '-p',
    'gpu',
    '-J',
    `${TAG}-bob`,
    '--wrap',
    'sleep 600'
  ]);
  // A heterogeneous job: two components, rows "N+0" and "N+1".
  ids.het = sbatch(
    'alice',
    ['--hold'],
    `#!/bin/bash\n#SBATCH -n1 -J ${TAG}-het\n#SBATCH hetjob\n#SBATCH -n1\nsleep 600\n`
  );
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

/** The user the server runs as (api/version), whose jobs "Mine" lists. */
async function serverUser(page: IJupyterLabPageFixture): Promise<string> {
  const info = await page.evaluate(async () => {
    const response = await fetch('/hpc/api/version');
    return response.json();
  });
  return info.user;
}

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

/** Drag the left sidebar's edge until the panel is `width` px wide. */
async function widenSidebar(page: IJupyterLabPageFixture, width: number) {
  const panel = page.locator('#jp-HpcSlurm-panel');
  const box = await panel.boundingBox();
  if (!box || box.width >= width) {
    return;
  }
  const handle = page
    .locator('#jp-main-split-panel > .lm-SplitPanel-handle')
    .first();
  const edge = await handle.boundingBox();
  if (!edge) {
    throw new Error('no sidebar handle');
  }
  const y = edge.y + edge.height / 2;
  await page.mouse.move(edge.x + edge.width / 2, y);
  await page.mouse.down();
  await page.mouse.move(edge.x + edge.width / 2 + (width - box.width), y, {
    steps: 5
  });
  await page.mouse.up();
  await expect
    .poll(async () => (await panel.boundingBox())?.width ?? 0)
    .toBeGreaterThanOrEqual(width - 2);
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

  test("opens with its shortcut and shows the server user's jobs under Mine", async ({
    page
  }) => {
    const user = await serverUser(page);
    expect(user).toMatch(/^\w+$/);
    const own = sbatch(user, ['-J', `${TAG}-mine`, '--wrap', 'sleep 600']);
    await page.keyboard.press('Control+Shift+Y');
    const panel = page.locator('#jp-HpcSlurm-panel');
    await expect(panel).toBeVisible();
    await expect(panel.getByRole('radio', { name: 'Mine' })).toHaveAttribute(
      'aria-checked',
      'true'
    );
    await panel.getByPlaceholder('Filter jobs').fill(TAG);
    await expect(row(panel, own)).toBeVisible({ timeout: 45000 });
    // bob's jobs are not the server user's.
    await expect(row(panel, ids.bob)).toHaveCount(0);
  });

  test('keeps the columns chosen in the Columns menu', async ({ page }) => {
    const panel = await openQueue(page);
    // Room for the default columns and one more.
    await widenSidebar(page, 560);
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
    await widenSidebar(page, 560);
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
    // The details open in a main-area tab (slurm-details.spec.ts covers it).
    const tab = page.locator(`#jp-HpcSlurm-job-${ids.held}`);
    await expect(
      page.locator('.lm-TabBar-tab', {
        hasText: `Job ${ids.held} · ${TAG}-held`
      })
    ).toBeVisible();
    await expect(tab.locator('.jp-HpcSlurmDetails-reason')).toContainText(
      'Held by its owner'
    );
    await expect(
      tab.locator('.jp-HpcSlurmDetails-table tr', { hasText: 'JobName' })
    ).toContainText(`${TAG}-held`);
    await page.screenshot({ path: 'shots/slurm-details.png' });
  });

  test('filters by state and user, counts the values, clears', async ({
    page
  }) => {
    const panel = await openQueue(page);
    const wait = { timeout: 45000 };
    // The array's first task runs (the cancel test took the running job).
    const running = panel.locator('.jp-HpcSlurm-row', {
      has: page.locator('.jp-HpcSlurm-col-id', { hasText: `${ids.array}_0` })
    });
    await expect(running).toContainText('RUNNING', wait);
    await expect(row(panel, ids.bob)).toBeVisible(wait);

    const stateFilter = panel.locator(
      '.jp-HpcSlurm-valueFilter[data-column="state"]'
    );
    await stateFilter.locator('summary').click();
    // The values present, each with its count.
    await expect(
      stateFilter.locator('label', { hasText: 'PENDING' })
    ).toContainText(/PENDING\d+/);
    await stateFilter.getByRole('checkbox', { name: /^PENDING/ }).check();
    await expect(stateFilter.locator('summary')).toHaveText('State (1)');
    await expect(running).toHaveCount(0);
    await expect(row(panel, ids.held)).toBeVisible();
    await expect(panel.locator('.jp-HpcSlurm-shown')).toContainText(
      /showing \d+ of \d+/
    );
    await page.screenshot({ path: 'shots/slurm-filter-state.png' });

    const userFilter = panel.locator(
      '.jp-HpcSlurm-valueFilter[data-column="user"]'
    );
    await userFilter.locator('summary').click();
    await userFilter.getByRole('checkbox', { name: /^bob/ }).check();
    await expect(row(panel, ids.bob)).toBeVisible();
    await expect(row(panel, ids.held)).toHaveCount(0);
    await page.keyboard.press('Escape');

    await panel.getByRole('button', { name: 'Clear filters' }).click();
    await expect(running).toBeVisible();
    await expect(row(panel, ids.held)).toBeVisible();
    await expect(panel.locator('.jp-HpcSlurm-shown')).toHaveCount(0);
    await expect(panel.getByPlaceholder('Filter jobs')).toHaveValue('');
  });

  test('shows both components of a het job', async ({ page }) => {
    const panel = await openQueue(page);
    const het = Number(ids.het);
    const wait = { timeout: 45000 };
    // Component 0 keeps the job's id, component 1 has the next one.
    await expect(
      row(panel, String(het)).locator('.jp-HpcSlurm-col-id')
    ).toHaveText(`${het}+0`, wait);
    await expect(
      row(panel, String(het + 1)).locator('.jp-HpcSlurm-col-id')
    ).toHaveText(`${het}+1`, wait);
    await expect(row(panel, String(het + 1))).toContainText(`${TAG}-het`);
    await expect(row(panel, String(het))).toContainText(`${TAG}-het`);
  });

  test('reveals a job hidden by a filter: filters cleared, row selected and highlighted', async ({
    page
  }) => {
    const panel = await openQueue(page);
    await expect(row(panel, ids.held)).toBeVisible({ timeout: 45000 });
    const stateFilter = panel.locator(
      '.jp-HpcSlurm-valueFilter[data-column="state"]'
    );
    await stateFilter.locator('summary').click();
    await stateFilter.getByRole('checkbox', { name: /^RUNNING/ }).check();
    await page.keyboard.press('Escape');
    await expect(row(panel, ids.held)).toHaveCount(0);

    await page.evaluate(
      jobId =>
        window.galata.app.commands.execute('jupyterlab-hpc:slurm-reveal-job', {
          jobId
        }),
      ids.held
    );
    const held = row(panel, ids.held);
    await expect(held).toBeVisible();
    await expect(held).toHaveClass(/jp-mod-revealed/);
    await expect(held).toHaveAttribute('aria-selected', 'true');
    await expect(stateFilter.locator('summary')).toHaveText('State');
    await page.screenshot({ path: 'shots/slurm-reveal.png' });
    // The highlight is brief.
    await expect(held).not.toHaveClass(/jp-mod-revealed/, { timeout: 5000 });
  });
});

test.describe('Slurm job notifications', () => {
  test.setTimeout(240000);

  test('tell the user when their job starts and when it ends', async ({
    page
  }) => {
    // Turn the setting on (saved on the server), then load Lab again.
    await page.evaluate(() =>
      window.galata.app.serviceManager.settings.save(
        'jupyterlab-hpc:slurm',
        JSON.stringify({ notifyJobEvents: true })
      )
    );
    await page.reload();
    await page.waitForSelector('body[data-lab-restored="true"]', {
      state: 'attached'
    });
    const panel = await openQueue(page);
    await panel.getByRole('radio', { name: 'Mine' }).click();
    // The first answer is the baseline: let it come before the job exists.
    await expect(panel.locator('.jp-HpcSlurm-updated')).toBeVisible({
      timeout: 45000
    });
    const user = await serverUser(page);
    const id = sbatch(user, ['-J', `${TAG}-notify`, '--wrap', 'sleep 300']);
    // The notifications come from polls, also with the sidebar closed.
    await page.evaluate(() =>
      window.galata.app.commands.execute('filebrowser:activate')
    );
    // Alone, or coalesced with other jobs of the same user in one poll.
    const started = page.locator('.Toastify__toast', {
      hasText: new RegExp(`\\b${id}( \\(${TAG}-notify\\) started\\.| RUNNING)`)
    });
    // Two polls at most: the server's (30 s) and the page's (30 s).
    await expect(started).toBeVisible({ timeout: 90000 });
    await page.screenshot({ path: 'shots/slurm-notify-started.png' });
    // Its action shows the job (when the poll had only this job to tell;
    // other jobs of the same user, from other tests, may share the toast).
    if ((await started.textContent())?.includes(`${TAG}-notify) started.`)) {
      await started.getByRole('button', { name: 'Show job' }).click();
      await expect(
        page.locator('.lm-TabBar-tab', { hasText: `Job ${id}` })
      ).toBeVisible();
      await expect(page.locator(`#jp-HpcSlurm-job-${id}`)).toBeVisible();
    }
    execFileSync('scancel', [id]);
    const ended = page.locator('.Toastify__toast', {
      hasText: new RegExp(`\\b${id}( \\(${TAG}-notify\\) ended:)? CANCELLED`)
    });
    await expect(ended).toBeVisible({ timeout: 90000 });
    await expect(ended.getByRole('button', { name: 'Show job' })).toBeVisible();
  });
});

test.describe('Slurm queue in a narrow sidebar', () => {
  test('fits 320 px: the toolbars wrap, less useful columns step aside', async ({
    page
  }) => {
    const panel = await openQueue(page);
    await expect(row(panel, ids.held)).toBeVisible({ timeout: 45000 });
    const width = await panel.evaluate(
      node => node.getBoundingClientRect().width
    );
    expect(width).toBeLessThanOrEqual(340);
    const grid = panel.getByRole('grid');
    // Nothing wider than the sidebar: no sideways scrolling.
    expect(
      await grid.evaluate(node => node.scrollWidth - node.clientWidth)
    ).toBeLessThanOrEqual(1);
    expect(
      await panel.evaluate(node => node.scrollWidth - node.clientWidth)
    ).toBeLessThanOrEqual(1);
    await expect(panel.getByRole('columnheader', { name: 'ID' })).toBeVisible();
    await expect(
      panel.getByRole('columnheader', { name: 'Name' })
    ).toBeVisible();
    await expect(
      panel.getByRole('columnheader', { name: 'State' })
    ).toBeVisible();
    await expect(row(panel, ids.held)).toContainText('JobHeldUser');
    await page.screenshot({ path: 'shots/slurm-narrow.png' });
  });
});
