import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import { chownSync, mkdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { userInfo } from 'os';
import { join } from 'path';

/**
 * A job's details tab against the real server and the real test-bed Slurm:
 * a job that prints lines over time, run from a folder inside the Lab root
 * as the server's own user, followed live; its output opened in the editor
 * and its folder in the file browser; then cancelled from the tab.
 */

// Every job name starts with this, so a clean-up finds only ours.
const TAG = 'hpcdet';
const submitted: string[] = [];

/** The Jupyter root, as the server states it in the page config. */
async function serverRoot(page: IJupyterLabPageFixture): Promise<string> {
  return page.evaluate(
    () =>
      JSON.parse(document.getElementById('jupyter-config-data')!.textContent!)
        .serverRoot as string
  );
}

/** The user owning `path` (the server's user: it owns its root). */
function ownerOf(path: string): { name: string; uid: number; gid: number } {
  const { uid, gid } = statSync(path);
  const name = execFileSync('id', ['-nu', String(uid)])
    .toString()
    .trim();
  return { name, uid, gid };
}

/** Runs `command` as `user` (directly when that is who runs the tests). */
function runAs(user: string, command: string, args: string[]): string {
  const out =
    user === userInfo().username
      ? execFileSync(command, args)
      : execFileSync('runuser', ['-u', user, '--', command, ...args]);
  return out.toString();
}

test.afterAll(() => {
  for (const id of submitted) {
    try {
      execFileSync('scancel', [id]);
    } catch {
      // Already gone.
    }
  }
});

/** Opens a job's details with the queue plugin's command. */
async function showJob(page: IJupyterLabPageFixture, jobId: string) {
  await page.evaluate(
    id =>
      window.galata.app.commands.execute('jupyterlab-hpc:slurm-show-job', {
        jobId: id
      }),
    jobId
  );
  return page.locator(`#jp-HpcSlurm-job-${jobId}`);
}

/** The highest "line N" printed in `text`, 0 when none. */
function lastLine(text: string | null): number {
  const numbers = [...(text ?? '').matchAll(/hpcdet line (\d+)/g)].map(m =>
    Number(m[1])
  );
  return numbers.length ? Math.max(...numbers) : 0;
}

test.describe('Slurm job details', () => {
  test.setTimeout(240000);

  test('follows the output live, opens its files, cancels the job', async ({
    page
  }) => {
    const root = await serverRoot(page);
    const owner = ownerOf(root);
    const dir = join(root, `${TAG}-run`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const script = join(dir, 'lines.sh');
    writeFileSync(
      script,
      '#!/bin/bash\necho "starting on $(hostname)" >&2\n' +
        'for i in $(seq 1 150); do echo "hpcdet line $i"; sleep 1; done\n'
    );
    chownSync(dir, owner.uid, owner.gid);
    chownSync(script, owner.uid, owner.gid);
    const jobId = runAs(owner.name, 'sbatch', [
      '--parsable',
      '-J',
      `${TAG}-tail`,
      `--chdir=${dir}`,
      '-o',
      `${dir}/out-%j.log`,
      '-e',
      `${dir}/err-%j.log`,
      '-t',
      '10',
      script
    ])
      .trim()
      .split(';')[0];
    submitted.push(jobId);

    const tab = await showJob(page, jobId);
    await expect(
      page.locator('.lm-TabBar-tab', { hasText: `Job ${jobId} · ${TAG}-tail` })
    ).toBeVisible();
    await expect(tab.locator('.jp-HpcSlurm-state')).toHaveText('RUNNING', {
      timeout: 60000
    });
    await expect(tab.locator('.jp-HpcSlurmDetails-grid')).toContainText(
      'Working directory'
    );
    // Hold is for pending jobs.
    await expect(tab.getByRole('button', { name: 'Hold' })).toBeDisabled();

    // Lines appear while the job runs: the tail follows the file.
    const stdout = tab.locator('[data-stream="stdout"] pre');
    await expect(stdout).toContainText('hpcdet line 1', { timeout: 30000 });
    const seen = lastLine(await stdout.textContent());
    await expect
      .poll(async () => lastLine(await stdout.textContent()), {
        timeout: 30000
      })
      .toBeGreaterThan(seen + 2);
    await expect(tab.locator('[data-stream="stdout"]')).toContainText(
      'Following'
    );
    // No line lost or repeated along the way.
    const lines = (await stdout.textContent())!.trim().split('\n');
    expect(lines).toEqual(lines.map((_, i) => `hpcdet line ${i + 1}`));
    await page.screenshot({ path: 'shots/slurm-details-tail.png' });

    // stderr is another file: its own tab.
    await tab.getByRole('tab', { name: 'Errors' }).click();
    await expect(tab.locator('[data-stream="stderr"] pre')).toContainText(
      'starting on'
    );
    await tab.getByRole('tab', { name: 'Output' }).click();

    // The output file in Lab's editor (its path relative to the root).
    await tab.getByRole('button', { name: 'Open in Editor' }).click();
    await expect(
      page.locator('.lm-TabBar-tab', { hasText: `out-${jobId}.log` })
    ).toBeVisible();
    await expect(
      page.locator('.jp-FileEditor .cm-content').first()
    ).toContainText('hpcdet line 1');

    // Its folder in the file browser.
    await page.locator('.lm-TabBar-tab', { hasText: `Job ${jobId}` }).click();
    await tab.getByRole('button', { name: 'Open in File Browser' }).click();
    const browser = page.locator('#filebrowser');
    await expect(browser).toBeVisible();
    await expect(browser.locator('.jp-BreadCrumbs')).toContainText(
      `${TAG}-run`
    );
    await expect(
      browser.locator('.jp-DirListing-itemName', { hasText: 'lines.sh' })
    ).toBeVisible();

    // Cancel from the tab: the job ends and the tail completes.
    await page.locator('.lm-TabBar-tab', { hasText: `Job ${jobId}` }).click();
    const cancel = tab.getByRole('button', { name: 'Cancel' });
    await expect(cancel).toBeEnabled({ timeout: 45000 });
    await cancel.click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Cancel jobs' })
      .click();
    await expect(
      page.locator('.Toastify__toast', { hasText: 'Cancelled 1 job.' })
    ).toBeVisible();
    await expect(tab.locator('.jp-HpcSlurm-state')).toHaveText(/CANCELLED/, {
      timeout: 30000
    });
    await expect(tab.locator('[data-stream="stdout"]')).toContainText(
      'Complete: the job has ended.',
      { timeout: 30000 }
    );

    await page.theme.setDarkTheme();
    await page.screenshot({ path: 'shots/slurm-details-dark.png' });
    await page.theme.setLightTheme();
  });

  test('opens the same tab again for the same job', async ({ page }) => {
    const tab = await showJob(page, '67043329');
    await expect(tab).toBeVisible();
    await showJob(page, '67043329');
    await expect(page.locator('#jp-HpcSlurm-job-67043329')).toHaveCount(1);
    // A job Slurm does not know (any more): a clear message, no fields.
    await expect(tab.locator('.jp-HpcSlurmDetails-message')).toContainText(
      'Slurm does not know job 67043329'
    );
    await expect(tab.locator('.jp-HpcSlurmDetails-table')).toHaveCount(0);
  });
});
