import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';

/**
 * Submitting batch scripts against the real server and the test-bed Slurm:
 * from the editor (unsaved changes included), from the file browser with a
 * site profile (tests/hpc-config.json), and a script without #! refused
 * before anything runs. Files are made through Jupyter's contents API (the
 * server may run as another user than the tests). Every job name starts
 * with the tag, and afterAll cancels what was submitted.
 */

const TAG = 'hpcsub';
const submitted: string[] = [];

/** Holds the job pending for an hour: nothing runs, nothing is written. */
const HEADER =
  '#!/bin/bash\n#SBATCH --begin=now+1hour\n#SBATCH --output=/dev/null\n';

function scontrolField(id: string, field: string): string {
  const out = execFileSync('scontrol', ['-o', 'show', 'job', id]).toString();
  return new RegExp(`(?:^| )${field}=(\\S*)`).exec(out)?.[1] ?? '';
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

/** The id in the success notification, once it shows. */
async function submittedId(page: IJupyterLabPageFixture): Promise<string> {
  const toast = page.locator('.Toastify__toast', {
    hasText: /Submitted batch job \d+/
  });
  await expect(toast).toBeVisible({ timeout: 30000 });
  const id = /Submitted batch job (\d+)/.exec(
    (await toast.textContent()) ?? ''
  )?.[1];
  expect(id).toMatch(/^\d+$/);
  submitted.push(id as string);
  return id as string;
}

test.describe('Slurm submit', () => {
  test.setTimeout(120000);

  test('submits the editor text, shows the id and selects the row', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadContent(HEADER, 'text', `${tmpPath}/run.sh`);
    await page.filebrowser.open(`${tmpPath}/run.sh`);
    const editor = page.locator('.jp-FileEditor .cm-content');
    await expect(editor).toContainText('#SBATCH --output=/dev/null');
    // An unsaved change: the submission must include it.
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('#SBATCH --comment=unsaved-edit');
    await page.keyboard.press('Enter');
    await page.keyboard.type('sleep 30');
    await page.keyboard.press('Control+Shift+E');

    const form = page.locator('.jp-HpcSubmit-form');
    await expect(form).toBeVisible();
    await expect(form).toContainText('Submit run.sh to Slurm');
    await form.getByLabel('Job name').fill(`${TAG}-editor`);
    const command = form.locator('.jp-HpcSubmit-command');
    await expect(command).toContainText(`--job-name=${TAG}-editor`);
    await expect(command).toContainText(new RegExp(`--chdir=\\S*/${tmpPath}`));
    await expect(form.locator('.jp-HpcSubmit-script')).toContainText(
      '#SBATCH --comment=unsaved-edit'
    );
    await page.screenshot({ path: 'shots/slurm-submit-form.png' });
    await form.getByRole('button', { name: 'Submit' }).click();

    const id = await submittedId(page);
    const panel = page.locator('#jp-HpcSlurm-panel');
    const row = panel.locator(`.jp-HpcSlurm-row[data-job-id="${id}"]`);
    await expect(row).toHaveAttribute('aria-selected', 'true');
    await expect(row).toBeInViewport();
    await expect(form).toHaveCount(0);

    expect(
      execFileSync('squeue', ['-h', '-j', id, '-o', '%j']).toString().trim()
    ).toBe(`${TAG}-editor`);
    expect(scontrolField(id, 'Comment')).toBe('unsaved-edit');
    expect(scontrolField(id, 'WorkDir')).toMatch(new RegExp(`/${tmpPath}$`));
    // The file itself was not saved by submitting.
    expect(
      (await page.contents.getContentMetadata(`${tmpPath}/run.sh`))?.size
    ).toBe(HEADER.length);
  });

  test('submits a file from the file browser with a site profile', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadContent(
      `${HEADER}#SBATCH --job-name=${TAG}-profile\nsleep 30\n`,
      'text',
      `${tmpPath}/job.sbatch`
    );
    await page.filebrowser.refresh();
    await page
      .locator('.jp-DirListing-item', { hasText: 'job.sbatch' })
      .click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Submit as Slurm Job' }).click();

    const form = page.locator('.jp-HpcSubmit-form');
    await expect(form).toContainText('Submit job.sbatch to Slurm');
    await form.getByLabel('Profile').selectOption('Debug short');
    await expect(form).toContainText('Five minutes on the debug partition');
    // The partitions as sinfo sees them.
    await expect(
      form.getByLabel('Partition').locator('option[value="gpu"]')
    ).toContainText(/CPUs idle, GPUs gpu/);
    const command = form.locator('.jp-HpcSubmit-command');
    await expect(command).toContainText('--partition=debug --time=00:05:00');
    await expect(form.locator('.jp-HpcSubmit-script')).toContainText(
      '#SBATCH --comment=hpcsub-profile'
    );
    await form.getByRole('button', { name: 'Submit' }).click();

    const id = await submittedId(page);
    expect(scontrolField(id, 'JobName')).toBe(`${TAG}-profile`);
    expect(scontrolField(id, 'Partition')).toBe('debug');
    expect(scontrolField(id, 'TimeLimit')).toBe('00:05:00');
    expect(scontrolField(id, 'Comment')).toBe('hpcsub-profile');
  });

  test('refuses a script without #! clearly, and submits nothing', async ({
    page
  }) => {
    await page.evaluate(() =>
      window.galata.app.commands.execute('jupyterlab-hpc:slurm-submit-new')
    );
    const form = page.locator('.jp-HpcSubmit-form');
    await form.getByLabel('Script').fill('echo no shebang\n');
    await form.getByLabel('Job name').fill(`${TAG}-noshebang`);
    // The preview says so before submitting...
    await expect(form.locator('.jp-HpcSubmit-preview')).toContainText(
      'This is not a batch script'
    );
    await form.getByRole('button', { name: 'Submit' }).click();
    // ...and so do the form and the notification after.
    const alert = form.getByRole('alert');
    await expect(alert).toContainText('This is not a batch script');
    await expect(alert).toContainText('#!/bin/bash');
    await expect(
      page.locator('.Toastify__toast', { hasText: 'was not submitted' })
    ).toBeVisible();
    await expect(form.getByRole('button', { name: 'Submit' })).toBeEnabled();
    await page.screenshot({ path: 'shots/slurm-submit-error.png' });
    expect(
      execFileSync('squeue', ['-h', '-t', 'all', '-n', `${TAG}-noshebang`])
        .toString()
        .trim()
    ).toBe('');
  });
});
