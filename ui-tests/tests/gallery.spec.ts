import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'fs';
import { join, resolve } from 'path';
import {
  IGitHttpServer,
  startGitHttp
} from '../../server-proxy/src/gallery/__tests__/gitHttp';
import { IExtraServer, startExtraServer } from './servers';

/**
 * The example gallery on the real stack: the demo catalogue (built by
 * scripts/demo-gallery/build.py: local folders, a git repository with
 * history) plus a notebook whose HTML output carries a script, served by a
 * server running as alice and one running as bob (a reviewer), real git,
 * real files, Chromium.
 */

const BASE_PORT = Number(process.env.HPC_UI_PORT ?? '8898');
const ALICE = `http://127.0.0.1:${BASE_PORT + 4}`;
const BOB = `http://127.0.0.1:${BASE_PORT + 5}`;
const BUILD = resolve(
  __dirname,
  '..',
  '..',
  'scripts',
  'demo-gallery',
  'build.py'
);

let dir = '';
let repo = '';
const servers: IExtraServer[] = [];
let gitServer: IGitHttpServer | null = null;

function git(...args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], {
    env: {
      PATH: process.env.PATH,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Maintainer',
      GIT_AUTHOR_EMAIL: 'm@example.org',
      GIT_COMMITTER_NAME: 'Maintainer',
      GIT_COMMITTER_EMAIL: 'm@example.org'
    }
  })
    .toString()
    .trim();
}

/** A Jupyter contents API call with the page's credentials (XSRF included). */
async function contents(
  page: Page,
  method: string,
  path: string,
  body?: unknown
) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const xsrf = document.cookie.match(/_xsrf=([^;]+)/)?.[1] ?? '';
      const r = await fetch(`/api/contents/${path}`, {
        method,
        headers: {
          'X-XSRFToken': decodeURIComponent(xsrf),
          'Content-Type': 'application/json'
        },
        body: body === undefined ? undefined : JSON.stringify(body)
      });
      return {
        status: r.status,
        json: r.status === 204 ? null : await r.json()
      };
    },
    { method, path, body }
  );
}

async function openGallery(page: Page) {
  await page.evaluate(() =>
    window.galata.app.commands.execute('jupyterlab-hpc:gallery-open')
  );
  await expect(
    page.getByRole('region', { name: 'Curated examples' })
  ).toBeVisible();
}

const card = (page: Page, id: string) =>
  page.locator(`.jp-HpcGallery-card[data-example-id="${id}"]`);

test.beforeAll(async ({}, info) => {
  test.setTimeout(240000);
  dir = mkdtempSync('/tmp/hpc-ui-gallery-');
  chmodSync(dir, 0o755);
  const catalogue = execFileSync('/usr/bin/python3', [
    BUILD,
    join(dir, 'gallery')
  ])
    .toString()
    .trim();
  repo = join(dir, 'gallery', 'repos', 'slurm-job-arrays');
  // A notebook whose HTML output would run code if it were trusted.
  mkdirSync(join(dir, 'xss'));
  writeFileSync(
    join(dir, 'xss', 'xss-output.ipynb'),
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: 'markdown', metadata: {}, source: ['# Untrusted output'] },
        {
          cell_type: 'code',
          metadata: {},
          execution_count: 1,
          source: ['display(HTML(...))'],
          outputs: [
            {
              output_type: 'display_data',
              metadata: {},
              data: {
                'text/html': [
                  '<b id="hpc-xss-bold">rendered bold</b>',
                  '<script>window.hpcXssRan = true; document.title = "pwned";</script>',
                  '<img src="x" onerror="window.hpcXssRan = true">'
                ]
              }
            }
          ]
        }
      ]
    })
  );
  // A real git server over HTTP that takes its time (3 s per request).
  gitServer = await startGitHttp(join(dir, 'http'), { slowSeconds: 3 });
  execFileSync('git', [
    'clone',
    '-q',
    '--bare',
    repo,
    join(dir, 'http', 'repos', 'arrays.git')
  ]);
  const cat = JSON.parse(readFileSync(catalogue, 'utf8'));
  cat.examples.push({
    id: 'slow-remote',
    // eslint-disable-next-line jupyter/no-untranslated-string -- catalogue data
    title: 'A slow remote repository',
    status: 'staged',
    entry: 'job-arrays.ipynb',
    source: { git: gitServer.slowUrl('arrays.git'), ref: 'main' }
  });
  cat.examples.push({
    id: 'xss-output',
    // eslint-disable-next-line jupyter/no-untranslated-string -- catalogue data
    title: 'A notebook with a script in its output',
    status: 'staged',
    source: { path: join(dir, 'xss', 'xss-output.ipynb') }
  });
  writeFileSync(catalogue, JSON.stringify(cat));
  mkdirSync(join(dir, 'staging'));
  chmodSync(join(dir, 'staging'), 0o1777);
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      gallery: {
        allowedProtocols: ['https', 'file', 'http'],
        catalogues: [catalogue],
        stagingDir: join(dir, 'staging'),
        reviewers: ['bob']
      }
    })
  );
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  chmodSync(join(dir, 'staging'), 0o1777);
  for (const [user, port] of [
    ['alice', BASE_PORT + 4],
    ['bob', BASE_PORT + 5]
  ] as const) {
    servers.push(
      await startExtraServer({
        port,
        user,
        outputDir: info.outputDir,
        name: `gallery-${user}`,
        args: ['--config', config]
      })
    );
  }
});

test.afterAll(async () => {
  await Promise.all(servers.map(s => s.stop()));
  await gitServer?.stop();
  if (dir) {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.describe('as alice', () => {
  test.use({ baseURL: ALICE });

  test('the Launcher has an Examples section; Use twice makes two copies and leaves an existing folder alone', async ({
    page
  }) => {
    test.setTimeout(120000);
    // The Launcher galata opens with every test.
    const section = page.locator('.jp-Launcher-section', {
      hasText: 'Examples'
    });
    await expect(section.getByText('Example Gallery')).toBeVisible();
    await expect(
      section.getByText('Dask arrays on your allocation')
    ).toBeVisible();

    // alice already has a folder with the example's name.
    expect(
      (await contents(page, 'PUT', 'examples', { type: 'directory' })).status
    ).toBe(201);
    expect(
      (
        await contents(page, 'PUT', 'examples/dask-arrays', {
          type: 'directory'
        })
      ).status
    ).toBe(201);
    const mine = await contents(page, 'PUT', 'examples/dask-arrays/notes.txt', {
      type: 'file',
      format: 'text',
      content: 'my own notes'
    });
    expect(mine.status).toBe(201);

    await openGallery(page);
    const dask = card(page, 'dask-arrays');
    await expect(dask.locator('img.jp-HpcGallery-thumb')).toBeVisible();
    await expect(dask).toContainText('python3');
    await dask
      .getByRole('button', { name: 'Use Dask arrays on your allocation' })
      .click();
    // The copy opens, in a new folder.
    await expect(
      page.getByRole('tab', { name: 'dask-arrays.ipynb' })
    ).toBeVisible({ timeout: 30000 });
    await expect(
      dask.getByLabel('Your copies of Dask arrays on your allocation')
    ).toContainText('examples/dask-arrays-1');
    await page.getByRole('tab', { name: 'Example Gallery' }).click();
    await dask
      .getByRole('button', { name: 'Use Dask arrays on your allocation' })
      .click();
    await expect(
      dask.getByLabel('Your copies of Dask arrays on your allocation')
    ).toContainText('examples/dask-arrays-2', { timeout: 30000 });
    // alice's own folder: as it was.
    const listing = await contents(page, 'GET', 'examples/dask-arrays');
    expect(listing.json.content.map((c: { name: string }) => c.name)).toEqual([
      'notes.txt'
    ]);
    const notes = await contents(page, 'GET', 'examples/dask-arrays/notes.txt');
    expect(notes.json.content).toBe('my own notes');
    expect(notes.json.last_modified).toBe(mine.json.last_modified);
    const copy = await contents(page, 'GET', 'examples/dask-arrays-2');
    expect(
      copy.json.content.map((c: { name: string }) => c.name).sort()
    ).toEqual(['dask-arrays.ipynb', 'data', 'thumb.svg']);
  });

  test('search and tags filter the cards', async ({ page }) => {
    await openGallery(page);
    await page.getByLabel('Search examples').fill('memory');
    await expect(page.locator('.jp-HpcGallery-card')).toHaveCount(1);
    await expect(card(page, 'memory-use')).toBeVisible();
    await page.getByLabel('Search examples').fill('');
    await page
      .getByRole('group', { name: 'Filter by tag' })
      .getByRole('button', { name: /^slurm/ })
      .click();
    await expect(card(page, 'slurm-job-arrays')).toBeVisible();
    await expect(card(page, 'dask-arrays')).toHaveCount(0);
  });

  test('a git example following its branch: Use clones it; Update keeps her edit and reports the conflict', async ({
    page
  }) => {
    test.setTimeout(120000);
    await openGallery(page);
    const staged = card(page, 'slurm-job-arrays-next');
    await expect(staged).toContainText('under review');
    await staged
      .getByRole('button', { name: 'Use Slurm job arrays: dependency chains' })
      .click();
    await expect(
      page.getByRole('tab', { name: 'job-arrays.ipynb' })
    ).toBeVisible({ timeout: 30000 });
    const path = 'examples/slurm-job-arrays-next';
    // alice edits job.sh; the maintainer changes it too, and README.md.
    const job = await contents(page, 'GET', `${path}/job.sh`);
    const edited = job.json.content.replace(
      'sleep 30',
      'sleep 5  # alice: shorter'
    );
    expect(
      (
        await contents(page, 'PUT', `${path}/job.sh`, {
          type: 'file',
          format: 'text',
          content: edited
        })
      ).status
    ).toBe(200);
    writeFileSync(
      join(repo, 'job.sh'),
      readFileSync(join(repo, 'job.sh'), 'utf8').replace('00:05:00', '00:10:00')
    );
    writeFileSync(
      join(repo, 'README.md'),
      '# Slurm job arrays\n\nNow with dependency chains.\n'
    );
    git('commit', '-qam', 'Longer time limit; README');
    await page.getByRole('tab', { name: 'Example Gallery' }).click();
    await staged
      .getByRole('button', { name: `Update my copy ${path}` })
      .click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText(
      'Update of examples/slurm-job-arrays-next',
      { timeout: 30000 }
    );
    await expect(dialog).toContainText('README.md');
    await expect(dialog).toContainText(
      'job.sh: you edited it and so did the example; yours is kept.'
    );
    await expect(dialog).toContainText('job.upstream.sh');
    await dialog.getByRole('button', { name: 'Ok' }).click();
    expect((await contents(page, 'GET', `${path}/job.sh`)).json.content).toBe(
      edited
    );
    expect(
      (await contents(page, 'GET', `${path}/job.upstream.sh`)).json.content
    ).toContain('00:10:00');
    expect(
      (await contents(page, 'GET', `${path}/README.md`)).json.content
    ).toContain('dependency chains');
  });

  test('a preview renders the notebook read-only, without a kernel, and runs no script of its outputs', async ({
    page
  }) => {
    await openGallery(page);
    await page.evaluate(
      () => delete (window as unknown as { hpcXssRan?: boolean }).hpcXssRan
    );
    await card(page, 'xss-output')
      .getByRole('button', {
        name: 'Preview A notebook with a script in its output'
      })
      .click();
    const preview = page.locator('.jp-HpcGallery-preview');
    // Rendered, sanitized (JupyterLab drops ids, scripts and handlers).
    await expect(
      preview.locator('b', { hasText: 'rendered bold' })
    ).toBeVisible();
    await expect(preview).toContainText('Untrusted output');
    await expect(preview.locator('script')).toHaveCount(0);
    expect(
      await page.evaluate(
        () => (window as unknown as { hpcXssRan?: boolean }).hpcXssRan
      )
    ).toBeUndefined();
    expect(await page.title()).not.toBe('pwned');
    const kernels = await page.evaluate(async () =>
      (await fetch('/api/kernels')).json()
    );
    expect(kernels).toEqual([]);
    await expect(
      preview.getByRole('button', { name: 'Use this example' })
    ).toBeVisible();
  });

  test('Use shows progress, survives a page reload, and Cancel leaves nothing', async ({
    page
  }) => {
    test.setTimeout(120000);
    await openGallery(page);
    const slow = card(page, 'slow-remote');
    await slow
      .getByRole('button', { name: 'Use A slow remote repository' })
      .click();
    const bar = slow.getByRole('progressbar');
    await expect(bar).toBeVisible();
    // What git is doing, in words (waiting on the slow server: "Connecting").
    await expect(bar).toHaveAttribute('aria-valuetext', /\w+/);
    await expect(slow.locator('.jp-HpcGallery-progressText')).not.toBeEmpty();
    // The page goes away and comes back: the copy is still followed.
    await page.reload();
    await page.waitForFunction(() =>
      window.galata?.app?.commands?.hasCommand('jupyterlab-hpc:gallery-open')
    );
    await openGallery(page);
    await expect(
      card(page, 'slow-remote').getByRole('progressbar')
    ).toBeVisible({ timeout: 15000 });
    await card(page, 'slow-remote')
      .getByRole('button', { name: 'Cancel' })
      .click();
    await expect(
      card(page, 'slow-remote').getByRole('progressbar')
    ).toHaveCount(0, { timeout: 15000 });
    // The claimed folder is gone, and nothing else was made.
    expect((await contents(page, 'GET', 'examples/slow-remote')).status).toBe(
      404
    );
    const tasks = await page.evaluate(async () =>
      (await fetch('/hpc/api/gallery/tasks')).json()
    );
    expect(
      tasks.tasks
        .filter((t: { exampleId: string }) => t.exampleId === 'slow-remote')
        .map((t: { state: string }) => t.state)
    ).toEqual(['cancelled']);
  });

  test('a notebook submitted from the file browser is staged; bob rejects it with a note that alice sees', async ({
    page,
    browser,
    tmpPath
  }) => {
    test.setTimeout(120000);
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [{ cell_type: 'markdown', metadata: {}, source: 'My method' }]
    };
    expect(
      // In the folder the file browser shows (galata's per-test folder).
      (
        await contents(page, 'PUT', `${tmpPath}/method.ipynb`, {
          type: 'notebook',
          content: nb
        })
      ).status
    ).toBe(201);
    await openGallery(page);
    await page.evaluate(() =>
      window.galata.app.commands.execute('filebrowser:activate')
    );
    await page
      .locator('.jp-DirListing-item[data-file-type="notebook"]', {
        hasText: 'method.ipynb'
      })
      .click({ button: 'right' });
    await page
      .getByRole('menuitem', { name: 'Submit to Gallery for Review…' })
      .click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.getByLabel('Title').fill('My method');
    await dialog.getByLabel('Tags (comma separated)').fill('methods');
    await dialog.getByRole('button', { name: 'Submit' }).click();
    await page.getByRole('tab', { name: 'Example Gallery' }).click();
    const stagedSection = page.getByRole('region', { name: 'Staged examples' });
    await expect(
      stagedSection.locator('.jp-HpcGallery-card', { hasText: 'My method' })
    ).toContainText('by alice');
    await expect(
      page.getByRole('region', { name: 'Submissions' })
    ).toContainText('waiting for review');

    // bob, a reviewer, on his own server.
    const bobContext = await browser.newContext({ baseURL: BOB });
    const bobPage = await bobContext.newPage();
    await bobPage.goto(`${BOB}/lab`);
    // Once the app has started and the gallery plugin is in.
    await bobPage.waitForFunction(() =>
      window.galata?.app?.commands?.hasCommand('jupyterlab-hpc:gallery-open')
    );
    await bobPage.evaluate(() =>
      window.galata.app.commands.execute('jupyterlab-hpc:gallery-open')
    );
    const bobCard = bobPage.locator('.jp-HpcGallery-card', {
      hasText: 'My method'
    });
    await bobCard.getByRole('button', { name: 'Reject My method' }).click();
    const bobDialog = bobPage.locator('.jp-Dialog');
    await bobDialog
      .getByLabel('Why (the submitter sees this)')
      .fill('Please add where the data comes from.');
    await bobDialog.getByRole('button', { name: 'Reject' }).click();
    await expect(
      bobPage.locator('.jp-HpcGallery-card', { hasText: 'My method' })
    ).toHaveCount(0);
    await bobContext.close();

    await page.getByRole('button', { name: 'Refresh the gallery' }).click();
    const mine = page.getByRole('region', { name: 'Submissions' });
    await expect(mine).toContainText('rejected by bob');
    await expect(mine).toContainText('Please add where the data comes from.');
    await expect(
      stagedSection.locator('.jp-HpcGallery-card', { hasText: 'My method' })
    ).toHaveCount(0);
  });
});
