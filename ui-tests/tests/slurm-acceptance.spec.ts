import {
  expect,
  galata,
  IJupyterLabPageFixture,
  Locator,
  Page,
  test
} from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import { readFileSync, renameSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { join } from 'path';
import { IExtraServer, startExtraServer } from './servers';

/**
 * The acceptance of the Slurm queue manager (issue 3) on the real stack:
 * hpc-proxy in front mode and the test-bed JupyterLab running as alice
 * (start-test-server.sh), the real Slurm, Chromium. Jobs of bob are submitted
 * with `runuser -u bob`, so Slurm itself refuses alice's actions on them.
 */

const TAG = 'hpcacc';
const submitted: string[] = [];

/** `sbatch --parsable` as `user`, the script on stdin if given; the job id. */
function sbatch(user: string, args: string[], script?: string): string {
  const out = execFileSync(
    'runuser',
    ['-u', user, '--', 'sbatch', '--parsable', '-o', '/dev/null', ...args],
    { input: script }
  );
  const id = out.toString().trim().split(';')[0];
  submitted.push(id);
  return id;
}

/** A field of a job (or array task, "12_3") as squeue says, finished ones too. */
function squeueField(id: string, field: string): string {
  return execFileSync('squeue', ['-h', '-t', 'all', '-j', id, '-O', field])
    .toString()
    .trim();
}

/** Whether squeue still lists a job (pending, running or completing). */
function queued(id: string): boolean {
  return (
    execFileSync('squeue', ['-h', '-j', id, '-O', 'JobID'])
      .toString()
      .trim() !== ''
  );
}

/**
 * Once Slurm has let the jobs go (a cancelled job is COMPLETING for a moment),
 * the Refresh button shows the queue without them: the server answers fresh
 * for a while after the user's action (the plain poll interval is 30 s).
 */
async function leftTheQueue(panel: Locator, ids: string[], rows: Locator[]) {
  for (const id of ids) {
    await expect.poll(() => queued(id), WAIT).toBe(false);
  }
  await panel.getByTitle('Refresh the queue').click();
  for (const gone of rows) {
    await expect(gone).toHaveCount(0, WAIT);
  }
}

/** The states of every part of a job (array tasks, het components). */
function squeueStates(id: string): string[] {
  return squeueField(id, 'State').split(/\s+/).filter(Boolean);
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

/** Shows the queue sidebar with its command. */
async function showQueue(page: Page | IJupyterLabPageFixture) {
  await page.evaluate(() =>
    window.galata.app.commands.execute('jupyterlab-hpc:slurm-open')
  );
  const panel = page.locator('#jp-HpcSlurm-panel');
  await expect(panel).toBeVisible();
  return panel;
}

/** The queue of all users, filtered to this test's jobs. */
async function openQueue(page: IJupyterLabPageFixture, filter: string) {
  const panel = await showQueue(page);
  await panel.getByRole('radio', { name: 'All users' }).click();
  await panel.getByPlaceholder('Filter jobs').fill(filter);
  return panel;
}

/** A row by its unique jobId. */
function row(panel: Locator, jobId: string): Locator {
  return panel.locator(`.jp-HpcSlurm-row[data-job-id="${jobId}"]`);
}

/** A row by the id the user sees ("12_3", "40+1", "12_[4-9%2]"). */
function shown(panel: Locator, displayId: string): Locator {
  const exact = new RegExp(`^${displayId.replace(/[[\]%+]/g, c => `\\${c}`)}$`);
  return panel.locator('.jp-HpcSlurm-row', {
    has: panel.page().locator('.jp-HpcSlurm-col-id', { hasText: exact })
  });
}

/** Runs a toolbar action on the selection, confirming it in its dialog. */
async function act(
  page: IJupyterLabPageFixture,
  panel: Locator,
  action: 'Cancel' | 'Hold' | 'Release',
  question: string
): Promise<void> {
  await panel.getByRole('button', { name: action }).click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText(question);
  await dialog
    .getByRole('button', { name: action === 'Cancel' ? 'Cancel jobs' : action })
    .click();
  await expect(dialog).toHaveCount(0);
}

/** The notification that says `text`. */
function toast(page: IJupyterLabPageFixture, text: string): Locator {
  return page.locator('.Toastify__toast', { hasText: text });
}

// The main server polls Slurm every 30 s: a new job shows within one interval.
const WAIT = { timeout: 45000 };

/** The odd name of test (c). */
const ODD_NAME = `${TAG}-c-<b>html</b>\tTAB\nNL Zürich 東京`;

/** Each test's jobs, submitted before the first one opens the queue. */
const jobs = {
  a: { pending: '', array: '', bobs: '' },
  b: { later: '', array: '' },
  c: { odd: '', het: '' }
};

test.describe('As alice, on the real queue', () => {
  test.setTimeout(180000);

  // All at once, before any page asks: the server's first squeue of all
  // users' jobs then has them, rather than a page waiting a poll interval.
  test.beforeAll(() => {
    const wrap = ['--wrap', 'sleep 600'];
    jobs.a.pending = sbatch('alice', [
      '--begin=now+2hours',
      '-J',
      `${TAG}-a-pending`,
      ...wrap
    ]);
    jobs.a.array = sbatch('alice', [
      '--array=0-1',
      '-J',
      `${TAG}-a-array`,
      ...wrap
    ]);
    jobs.a.bobs = sbatch('bob', ['--hold', '-J', `${TAG}-a-bob`, ...wrap]);
    jobs.b.later = sbatch('alice', [
      '--begin=now+2hours',
      '-J',
      `${TAG}-b-later`,
      ...wrap
    ]);
    // Two tasks at a time: 0 and 1 run, 2-3 wait as one row.
    jobs.b.array = sbatch('alice', [
      '--array=0-3%2',
      '-J',
      `${TAG}-b-array`,
      ...wrap
    ]);
    jobs.c.odd = sbatch('alice', ['--hold', '-J', ODD_NAME, ...wrap]);
    // Held, and in gpu: a pending het job blocks its partition's main
    // scheduler until backfill runs; on one node it never starts.
    jobs.c.het = sbatch(
      'alice',
      ['-H'],
      `#!/bin/bash\n#SBATCH -p gpu -n1 -J ${TAG}-c-het\n#SBATCH hetjob\n#SBATCH -p gpu -n1\nsleep 600\n`
    );
  });

  test("a batch cancel: alice's two jobs go, bob's is refused in Slurm's words", async ({
    page
  }) => {
    const filter = `${TAG}-a-`;
    const { pending, array, bobs } = jobs.a;
    await expect
      .poll(() => squeueField(`${array}_0`, 'State'), WAIT)
      .toBe('RUNNING');

    const panel = await openQueue(page, filter);
    const task = shown(panel, `${array}_0`);
    await expect(task.locator('.jp-HpcSlurm-state')).toHaveText(
      'RUNNING',
      WAIT
    );
    await expect(row(panel, pending)).toContainText('BeginTime', WAIT);
    await expect(row(panel, bobs)).toContainText('bob', WAIT);

    await row(panel, pending).click();
    await task.click({ modifiers: ['Control'] });
    await row(panel, bobs).click({ modifiers: ['Control'] });
    await expect(
      panel.locator('.jp-HpcSlurm-row[aria-selected="true"]')
    ).toHaveCount(3);
    await act(page, panel, 'Cancel', 'Cancel 3 jobs?');
    // One notification: what worked, and bob's job refused in Slurm's words.
    const summary = toast(page, 'Cancelled 2 of 3 jobs.');
    await expect(summary).toContainText(`${bobs}: Access/permission denied`);
    await expect(toast(page, 'Cancel')).toHaveCount(1);
    await page.screenshot({ path: 'shots/slurm-acceptance-refused.png' });

    await expect.poll(() => squeueField(pending, 'State')).toBe('CANCELLED');
    await expect
      .poll(() => squeueField(`${array}_0`, 'State'))
      .toBe('CANCELLED');
    expect(squeueField(`${array}_1`, 'State')).toBe('RUNNING');
    expect(squeueField(bobs, 'State')).toBe('PENDING');
    expect(squeueField(bobs, 'Reason')).toBe('JobHeldUser');
    // The queue follows: alice's two leave, bob's stays.
    await leftTheQueue(
      panel,
      [pending, `${array}_0`],
      [row(panel, pending), task]
    );
    await expect(row(panel, bobs)).toBeVisible();
    await expect(shown(panel, `${array}_1`)).toBeVisible();
  });

  test('holds and releases a pending job; cancels a running array task, then the whole array', async ({
    page
  }) => {
    const filter = `${TAG}-b-`;
    const { later, array } = jobs.b;
    await expect
      .poll(() => squeueField(`${array}_1`, 'State'), WAIT)
      .toBe('RUNNING');
    const panel = await openQueue(page, filter);

    await expect(row(panel, later)).toContainText('BeginTime', WAIT);
    await row(panel, later).click();
    await act(page, panel, 'Hold', 'Hold 1 job?');
    await expect(toast(page, 'Held 1 job.')).toBeVisible();
    // alice's own hold is a user hold.
    await expect(row(panel, later)).toContainText('JobHeldUser', WAIT);
    expect(squeueField(later, 'Reason')).toBe('JobHeldUser');
    await row(panel, later).click();
    await act(page, panel, 'Release', 'Release 1 job?');
    await expect(toast(page, 'Released 1 job.')).toBeVisible();
    await expect(row(panel, later)).not.toContainText('JobHeld', WAIT);
    expect(squeueField(later, 'State')).toBe('PENDING');
    expect(squeueField(later, 'Reason')).not.toMatch(/JobHeld/);

    // One running task.
    const task = shown(panel, `${array}_1`);
    await expect(task.locator('.jp-HpcSlurm-state')).toHaveText(
      'RUNNING',
      WAIT
    );
    await task.click();
    await act(page, panel, 'Cancel', 'Cancel 1 job?');
    await expect(toast(page, 'Cancelled 1 job.')).toBeVisible();
    await expect
      .poll(() => squeueField(`${array}_1`, 'State'))
      .toBe('CANCELLED');
    expect(squeueField(`${array}_0`, 'State')).toBe('RUNNING');
    await leftTheQueue(panel, [`${array}_1`], [task]);

    // The whole array: every row of it (a running task and the throttled
    // pending rest, "N_[2-3%2]", which scancel can't take as it is).
    const rows = panel.locator('.jp-HpcSlurm-row', {
      has: page.locator('.jp-HpcSlurm-col-id', {
        hasText: new RegExp(`^${array}_`)
      })
    });
    await expect(shown(panel, `${array}_0`)).toBeVisible();
    const count = await rows.count();
    expect(count).toBeGreaterThanOrEqual(2);
    await rows.first().click();
    for (let i = 1; i < count; i++) {
      await rows.nth(i).click({ modifiers: ['Control'] });
    }
    await expect(
      panel.locator('.jp-HpcSlurm-row[aria-selected="true"]')
    ).toHaveCount(count);
    await act(page, panel, 'Cancel', `Cancel ${count} jobs?`);
    await expect(toast(page, `Cancelled ${count} jobs.`)).toBeVisible();
    // Nothing of the array is left waiting or running.
    await expect
      .poll(() =>
        squeueStates(array).filter(s => s === 'PENDING' || s === 'RUNNING')
      )
      .toEqual([]);
    expect(squeueStates(array)).toContain('CANCELLED');
    await leftTheQueue(panel, [array], [rows]);
  });

  test('a name with a tab, a newline, non-ASCII and <b>html</b> is text; a het job is N+0, N+1 and cancels as Slurm allows', async ({
    page
  }) => {
    const filter = `${TAG}-c-`;
    const { odd, het } = jobs.c;
    const panel = await openQueue(page, filter);

    const cell = row(panel, odd).locator('.jp-HpcSlurm-col-name span');
    await expect(cell).toHaveText(
      `${filter}<b>html</b> TAB⏎NL Zürich 東京`,
      WAIT
    );
    await expect(cell).toHaveAttribute('title', ODD_NAME);
    await expect(panel.locator('b')).toHaveCount(0);
    // In the details tab too.
    await row(panel, odd).dblclick();
    const details = page.locator(`#jp-HpcSlurm-job-${odd}`);
    await expect(
      details.locator('.jp-HpcSlurmDetails-table tr', { hasText: 'JobName' })
    ).toContainText('<b>html</b>', WAIT);
    await expect(details.locator('b')).toHaveCount(0);
    await page
      .locator('.lm-TabBar-tab', { hasText: `Job ${odd}` })
      .locator('.lm-TabBar-tabCloseIcon')
      .click();
    await expect(details).toHaveCount(0);

    const part0 = shown(panel, `${het}+0`);
    const part1 = shown(panel, `${het}+1`);
    await expect(part0).toBeVisible(WAIT);
    await expect(part1).toBeVisible();
    await expect(part0).toHaveAttribute('data-job-id', het);
    await page.screenshot({ path: 'shots/slurm-acceptance-names.png' });

    // A pending het job's component alone: Slurm refuses, in its words.
    await part1.click();
    await act(page, panel, 'Cancel', 'Cancel 1 job?');
    await expect(toast(page, 'Cancelled 0 of 1 job.')).toContainText(
      `${het}+1: Operation not permitted on individual component of heterogeneous job`
    );
    expect(squeueStates(het)).toEqual(['PENDING', 'PENDING']);
    // Its leader, N+0, is the whole het job.
    await part0.click();
    await act(page, panel, 'Cancel', 'Cancel 1 job?');
    await expect(toast(page, 'Cancelled 1 job.')).toBeVisible();
    await expect
      .poll(() => squeueStates(het))
      .toEqual(['CANCELLED', 'CANCELLED']);
    await expect(part0).toHaveCount(0, WAIT);
    await expect(part1).toHaveCount(0, WAIT);
  });
});

/*
 * Tests that watch the server's own use of Slurm run against a second server
 * (start-test-server.sh --probe): its squeue is a counting wrapper on PATH, and
 * its SLURM_CONF is a copy of the real slurm.conf that a test may point at a
 * dead controller port, so that only this server loses its controller (the
 * shared slurmctld keeps running for everyone else).
 */
const PROBE_PORT =
  process.env.HPC_UI_PROBE_PORT ??
  String(Number(process.env.HPC_UI_PORT ?? '8898') + 1);
const PROBE_URL = `http://127.0.0.1:${PROBE_PORT}`;
const PROBE = `/tmp/hpc-ui-probe-${PROBE_PORT}`;
const CONF = join(PROBE, 'slurm.conf');
/** tests/hpc-config-probe.json's slurm.pollSeconds (the minimum). */
const POLL = 10;

/** When this server's squeue ran (ms since the epoch), from the wrapper's log. */
function squeueRuns(): number[] {
  return readFileSync(join(PROBE, 'squeue.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(line => Math.round(Number(line) * 1000));
}

/** Replaces the server's slurm.conf in one step (squeue never reads half). */
function writeConf(text: string): void {
  writeFileSync(`${CONF}.new`, text, { mode: 0o644 });
  renameSync(`${CONF}.new`, CONF);
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Every request a page makes for the queue, with the time it was sent. */
function watchQueueRequests(page: Page, into: number[]): void {
  page.on('request', request => {
    if (request.url().includes('/hpc/api/slurm/jobs?')) {
      into.push(Date.now());
    }
  });
}

test.describe('The server polls Slurm for everyone', () => {
  test.describe.configure({ mode: 'serial' });
  test.use({
    baseURL: PROBE_URL,
    // Galata's page serves settings from memory: the same interval as the
    // server's other tabs read from its settings (set in beforeAll).
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      'jupyterlab-hpc:slurm': { refreshInterval: POLL }
    }
  });
  let server: IExtraServer;

  test.beforeAll(async ({}, info) => {
    test.setTimeout(150000);
    server = await startExtraServer({
      port: Number(PROBE_PORT),
      outputDir: info.outputDir,
      name: 'probe',
      args: ['--probe', PROBE, '--config', 'tests/hpc-config-probe.json']
    });
    // Every tab refreshes as often as the server allows (the setting's
    // default is 30 s), so they ask as much as they may.
    const put = await fetch(
      `${PROBE_URL}/lab/api/settings/jupyterlab-hpc:slurm`,
      {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ raw: JSON.stringify({ refreshInterval: POLL }) })
      }
    );
    expect(put.status).toBe(204);
  });

  test.afterAll(async () => {
    await server?.stop();
  });

  test('ten tabs on the queue cause at most one squeue per interval', async ({
    page,
    context
  }) => {
    test.setTimeout(300000);
    const tabs: Page[] = [page];
    const asked: number[][] = [];
    // One after the other: a Lab loading in a background tab of a busy
    // machine can take minutes.
    for (let i = 0; i < 10; i++) {
      const tab = i === 0 ? page : await context.newPage();
      asked.push([]);
      watchQueueRequests(tab, asked[i]);
      if (i > 0) {
        tabs.push(tab);
        await tab.goto(`${PROBE_URL}/lab`);
        await tab.waitForSelector('body[data-lab-restored="true"]', {
          state: 'attached'
        });
      }
      const panel = await showQueue(tab);
      await expect(panel.locator('.jp-HpcSlurm-updated')).toContainText(
        'updated'
      );
    }

    // Two intervals with all ten tabs polling.
    const start = Date.now();
    const before = squeueRuns().length;
    await page.waitForTimeout(2 * POLL * 1000);
    const end = Date.now();
    const runs = squeueRuns()
      .slice(before)
      .filter(t => t <= end);
    const requests = asked.map(times =>
      times.filter(t => t >= start && t <= end)
    );
    const total = requests.reduce((n, times) => n + times.length, 0);
    test.info().annotations.push({
      type: 'measured',
      description: `ten tabs, ${(end - start) / 1000} s: ${total} queue requests, ${runs.length} squeue runs`
    });
    // Every tab really asked, each on its own poll...
    for (const times of requests) {
      expect(times.length).toBeGreaterThanOrEqual(1);
    }
    expect(total).toBeGreaterThanOrEqual(10);
    // ...and the server answered them all from one squeue per interval: its
    // answer stays fresh for a whole interval after each run, so runs are at
    // least an interval apart, and a window of two intervals holds at most
    // three (one at its very start, one per interval after).
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i] - runs[i - 1]).toBeGreaterThanOrEqual(POLL * 1000 - 100);
    }
    for (const tab of tabs.slice(1)) {
      await tab.close();
    }
  });

  test('controller unreachable: a banner within one interval, back-off, and it clears by itself', async ({
    page
  }) => {
    test.setTimeout(180000);
    const original = readFileSync(CONF, 'utf8');
    expect(original).toMatch(/^SlurmctldPort=\d+$/m);
    expect(original).toMatch(/^MessageTimeout=\d+$/m);
    // Nothing listens there: squeue fails at once with "Unable to contact
    // slurm controller (connect failure)", as with a controller that is down.
    const dead = original
      .replace(/^SlurmctldPort=\d+$/m, `SlurmctldPort=${await freePort()}`)
      .replace(/^MessageTimeout=\d+$/m, 'MessageTimeout=2');
    const asked: number[] = [];
    watchQueueRequests(page, asked);

    const panel = await showQueue(page);
    const banner = panel.getByRole('alert');
    await expect(panel.locator('.jp-HpcSlurm-updated')).toContainText(
      'updated'
    );
    await expect(banner).toHaveCount(0);

    try {
      // Break it just after a refresh: the server's answer is then fresh
      // for one interval, the worst case for noticing.
      for (;;) {
        const ran = squeueRuns().length;
        await page.waitForResponse(
          r => r.url().includes('/hpc/api/slurm/jobs?'),
          {
            timeout: 2 * POLL * 1000
          }
        );
        if (squeueRuns().length > ran) {
          break;
        }
      }
      const brokenAt = Date.now();
      const runsBefore = squeueRuns().length;
      writeConf(dead);

      // The banner, within one interval: the server asks squeue again at
      // most one interval after its last answer, and the page shows the
      // failure with that answer (the wait allows for a loaded machine).
      await expect(banner).toContainText(
        'The Slurm controller is not answering',
        { timeout: (POLL + 10) * 1000 }
      );
      await expect(banner).toContainText('Unable to contact slurm controller');
      const shownAfter = Date.now() - brokenAt;
      const failed = squeueRuns()[runsBefore];
      expect(failed).toBeGreaterThan(brokenAt);
      expect(failed - brokenAt).toBeLessThanOrEqual(POLL * 1000 + 2000);
      await page.screenshot({ path: 'shots/slurm-acceptance-banner.png' });

      // Slurm answers again at once, but the server backs off: after one
      // failure it waits two intervals before it asks squeue again...
      writeConf(original);
      const restoredAt = Date.now();
      // ...and then the banner clears by itself (no reload, no click).
      await expect(banner).toHaveCount(0, { timeout: (2 * POLL + 10) * 1000 });
      await expect(panel.locator('.jp-HpcSlurm-updated')).toContainText(
        'updated'
      );
      const runs = squeueRuns().slice(runsBefore);
      const recovered = runs[1];
      expect(recovered).toBeGreaterThan(restoredAt);
      test.info().annotations.push({
        type: 'measured',
        description: `squeue failed ${failed - brokenAt} ms and the banner showed ${shownAfter} ms after the break; squeue again ${
          recovered - failed
        } ms after it failed`
      });
      // The back-off: no squeue for two intervals after the failure, while
      // the page kept asking every interval (answered from the cache, stale).
      expect(recovered - failed).toBeGreaterThanOrEqual(2 * POLL * 1000 - 500);
      expect(
        asked.filter(t => t > failed + 1000 && t < recovered - 1000).length
      ).toBeGreaterThanOrEqual(1);
    } finally {
      writeConf(original);
    }
  });
});
