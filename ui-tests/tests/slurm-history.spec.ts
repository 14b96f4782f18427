import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';

/**
 * Slurm job history against the real server and the test-bed Slurm, whose
 * slurmdbd keeps accounting: a job that just finished is listed by sacct.
 */

function sacctState(id: string): string {
  return execFileSync('sacct', ['-X', '-n', '-P', '-j', id, '-o', 'State'])
    .toString()
    .trim();
}

test('Slurm history lists a job that just finished, with its exit code', async ({
  page
}) => {
  // As alice, whom the server runs as: sacct lists a user's own jobs.
  const id = execFileSync('runuser', [
    '-u',
    'alice',
    '--',
    'sbatch',
    '--parsable',
    '-J',
    'hpcui-history',
    '-o',
    '/dev/null',
    '--wrap',
    'exit 3'
  ])
    .toString()
    .trim()
    .split(';')[0];
  // Wait until accounting has the finished job.
  await expect.poll(() => sacctState(id), { timeout: 30000 }).toBe('FAILED');

  await page.evaluate(() =>
    window.galata.app.commands.execute('jupyterlab-hpc:slurm-history')
  );
  const row = page.locator(`.jp-HpcSlurm-historyTable tr[data-job-id="${id}"]`);
  // sacct's time-window listing can lag its by-id answer by a moment:
  // Refresh, as a person would, until the job is there.
  await expect(async () => {
    if (!(await row.isVisible())) {
      await page.locator('.jp-HpcSlurm-historyHeader button').click();
    }
    await expect(row).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 30000 });
  await expect(row).toContainText('hpcui-history');
  await expect(row).toContainText('FAILED');
  await expect(row).toContainText('3:0');
  await expect(page.locator('.jp-HpcSlurm-historyCount')).toContainText(
    'from sacct'
  );
  await page.screenshot({ path: 'shots/slurm-history.png' });
});
