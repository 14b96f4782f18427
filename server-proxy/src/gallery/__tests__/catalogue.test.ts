// Titles here are catalogue data written by admins, not UI strings to translate.
/* eslint-disable jupyter/no-untranslated-string */
import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalogue, checkGitUrl, loadCatalogues } from '../catalogue';

const PIN = 'a'.repeat(40);
const ALLOWED = ['https', 'file'];

describe('gallery catalogues', () => {
  let dir: string;
  let src: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hpc-gallery-cat-'));
    src = join(dir, 'examples', 'demo');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'main.ipynb'), '{}');
    writeFileSync(join(src, 'thumb.png'), 'png');
    writeFileSync(join(dir, 'secret.ipynb'), '{}');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function good(id: string, extra: Record<string, unknown> = {}) {
    return {
      id,
      title: `Example ${id}`,
      status: 'curated',
      entry: 'main.ipynb',
      thumbnail: 'thumb.png',
      source: { path: src },
      ...extra
    };
  }

  function write(name: string, examples: unknown[]): string {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify({ examples }));
    return file;
  }

  async function load(examples: unknown[], allowed = ALLOWED) {
    return loadCatalogues([write('cat.json', examples)], allowed);
  }

  it('loads good entries with the client shape and no server path', async () => {
    const single = join(dir, 'secret.ipynb');
    const snap = await load([
      good('one', { tags: ['dask'], kernel: 'python3', author: 'Ann' }),
      {
        id: 'single',
        title: 'A notebook',
        status: 'staged',
        source: { path: single }
      },
      {
        id: 'repo',
        title: 'A repo',
        status: 'curated',
        entry: 'nb/x.ipynb',
        source: { git: 'file:///srv/repo.git', ref: PIN, subdir: 'a/b' }
      }
    ]);
    expect(snap.errors).toEqual([]);
    expect(snap.examples.map(e => e.example)).toEqual([
      {
        id: 'one',
        title: 'Example one',
        description: '',
        tags: ['dask'],
        status: 'curated',
        kind: 'repository',
        entry: 'main.ipynb',
        thumbnail: 'thumb.png',
        kernel: 'python3',
        author: 'Ann'
      },
      {
        id: 'single',
        title: 'A notebook',
        description: '',
        tags: [],
        status: 'staged',
        kind: 'notebook',
        entry: 'secret.ipynb'
      },
      {
        id: 'repo',
        title: 'A repo',
        description: '',
        tags: [],
        status: 'curated',
        kind: 'repository',
        entry: 'nb/x.ipynb'
      }
    ]);
    expect(JSON.stringify(snap.examples.map(e => e.example))).not.toContain(
      dir
    );
    const git = snap.examples[2].source;
    expect(git).toMatchObject({
      type: 'git',
      localPath: '/srv/repo.git',
      subdir: 'a/b',
      pinned: true
    });
  });

  it.each([
    [{ id: 'Bad_Id' }, /^id: must be lower-case/],
    [{ id: 'tasks' }, /reserved/],
    [{ id: 'submissions' }, /reserved/],
    [{ status: 'draft' }, /^status: /],
    [{ surprise: 1 }, /unknown key "surprise"/],
    [{ entry: '../secret.ipynb' }, /^entry: must stay inside the source/],
    [{ entry: 'a/../../secret.ipynb' }, /^entry: must stay inside/],
    [{ entry: '/etc/passwd.ipynb' }, /^entry: must be relative/],
    [{ entry: 'missing.ipynb' }, /^entry: "missing.ipynb" does not exist/],
    [{ entry: 'thumb.png' }, /^entry: "thumb.png" is not a notebook/],
    [{ thumbnail: '../x.png' }, /^thumbnail: must stay inside/],
    [{ thumbnail: 'main.ipynb' }, /^thumbnail: "main.ipynb" is not a .png/],
    [
      { source: { path: 'relative/dir' } },
      /^source\/path: must be an absolute/
    ],
    [{ source: { path: '/nonexistent/x' } }, /^source\/path: does not exist/],
    [
      { source: { git: 'file:///r.git', ref: PIN, subdir: '../up' } },
      /^source\/subdir: must stay inside/
    ],
    [
      { source: { git: 'file:///r.git', ref: '--upload-pack=x' } },
      /^source\/ref: must be a branch/
    ],
    [
      { source: { git: 'file:///r.git', ref: 'a..b' } },
      /^source\/ref: must not contain/
    ],
    [
      { source: { git: 'https://example.org/r.git', ref: 'main' } },
      /^source\/ref: a curated git example must be pinned/
    ],
    [{ source: { path: '/tmp', git: 'x' } }, /source/]
  ])('refuses %j with its reason and loads the others', async (bad, reason) => {
    const snap = await load([good('first'), good('bad', bad), good('last')]);
    expect(snap.examples.map(e => e.example.id)).toEqual(['first', 'last']);
    expect(snap.errors).toHaveLength(1);
    expect(snap.errors[0].source).toMatch(/cat\.json#examples\[1\]/);
    expect(snap.errors[0].message).toMatch(reason);
  });

  it('lets a staged git entry follow a branch', async () => {
    const snap = await load([
      good('staged', {
        status: 'staged',
        source: { git: 'https://example.org/r.git', ref: 'main' }
      })
    ]);
    expect(snap.errors).toEqual([]);
    expect(snap.examples[0].source).toMatchObject({
      ref: 'main',
      pinned: false
    });
  });

  it('follows a symlinked source path but refuses entries that escape it', async () => {
    const link = join(dir, 'mount');
    symlinkSync(src, link);
    symlinkSync(join(dir, 'secret.ipynb'), join(src, 'escape.ipynb'));
    mkdirSync(join(src, 'sub'));
    symlinkSync(join(src, 'main.ipynb'), join(src, 'sub', 'inner.ipynb'));
    const snap = await load([
      good('via-link', { source: { path: link } }),
      good('inner-link', { entry: 'sub/inner.ipynb' }),
      good('escape', { entry: 'escape.ipynb' })
    ]);
    expect(snap.examples.map(e => e.example.id)).toEqual([
      'via-link',
      'inner-link'
    ]);
    expect(snap.examples[0].source).toMatchObject({ type: 'path', root: src });
    expect(snap.errors).toEqual([
      {
        source: expect.stringContaining('#examples[2] (escape)'),
        message:
          'entry: "escape.ipynb" leads outside the source through a symlink, which is refused'
      }
    ]);
  });

  it('reports a duplicate id for the later catalogue only', async () => {
    const a = write('a.json', [good('same')]);
    const b = write('b.json', [good('same'), good('other')]);
    const snap = await loadCatalogues([a, b], ALLOWED);
    expect(snap.examples.map(e => [e.example.id, e.catalogue])).toEqual([
      ['same', a],
      ['other', b]
    ]);
    expect(snap.errors).toHaveLength(1);
    expect(snap.errors[0].source).toBe(`${b}#examples[0] (same)`);
    expect(snap.errors[0].message).toMatch(/already used by .*a\.json/);
  });

  it('reports unreadable and malformed catalogue files and keeps the rest', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"examples": [');
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, '[]');
    const ok = write('ok.json', [good('fine')]);
    const snap = await loadCatalogues(
      [join(dir, 'missing.json'), broken, wrong, ok],
      ALLOWED
    );
    expect(snap.examples.map(e => e.example.id)).toEqual(['fine']);
    expect(snap.errors.map(e => [e.source, e.message])).toEqual([
      [
        join(dir, 'missing.json'),
        'cannot read the catalogue: the file does not exist (ENOENT)'
      ],
      [broken, expect.stringMatching(/^not valid JSON: /)],
      [wrong, 'a catalogue is an object with an "examples" array']
    ]);
  });

  describe('git URLs', () => {
    it.each([
      ['https://example.org/r.git', 'https'],
      ['file:///srv/repos/r.git', 'file']
    ])('accepts %s', (url, protocol) => {
      expect(checkGitUrl(url, ALLOWED)).toBe(protocol);
    });

    it.each([
      ['ext::sh -c touch% /tmp/pwned', /"ext::" transport/],
      ['fd::17', /"fd::" transport/],
      ['ssh://host/r.git', /ssh:\/\/ protocol is not allowed/],
      ['git://host/r.git', /git:\/\/ protocol is not allowed/],
      ['http://host/r.git', /http:\/\/ protocol is not allowed/],
      ['/srv/repos/r.git', /not a URL/],
      ['git@github.com:org/r.git', /not a URL/],
      ['https://user:token@example.org/r.git', /credentials/],
      ['https://token@example.org/r.git', /credentials/],
      ['file://otherhost/srv/r.git', /must not name a host/]
    ])('refuses %s', (url, reason) => {
      expect(() => checkGitUrl(url, ALLOWED)).toThrow(reason);
    });

    it('accepts ssh only when the admin allows it, and never credentials', () => {
      expect(checkGitUrl('ssh://host/r.git', ['https', 'ssh'])).toBe('ssh');
      expect(() => checkGitUrl('ssh://me:pw@host/r.git', ['ssh'])).toThrow(
        /credentials/
      );
    });

    it('reports a refused protocol as an entry error', async () => {
      const snap = await load([
        good('ext', {
          status: 'staged',
          source: { git: 'ext::sh -c id' }
        })
      ]);
      expect(snap.examples).toEqual([]);
      expect(snap.errors[0].message).toMatch(/never allowed/);
    });
  });

  it('reloads when a catalogue file changes, and only then', async () => {
    const file = write('live.json', [good('one')]);
    const catalogue = new Catalogue([file], ALLOWED);
    const first = await catalogue.snapshot();
    expect(first.examples.map(e => e.example.id)).toEqual(['one']);
    await catalogue.snapshot();
    expect(catalogue.loads).toBe(1);

    writeFileSync(
      file,
      JSON.stringify({ examples: [good('one'), good('two')] })
    );
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    const second = await catalogue.snapshot();
    expect(second.examples.map(e => e.example.id)).toEqual(['one', 'two']);
    expect(catalogue.loads).toBe(2);

    rmSync(file);
    const gone = await catalogue.snapshot();
    expect(gone.examples).toEqual([]);
    expect(gone.errors[0].message).toBe(
      'cannot read the catalogue: the file does not exist (ENOENT)'
    );
  });

  it('shares one load between concurrent requests', async () => {
    const file = write('c.json', [good('one')]);
    const catalogue = new Catalogue([file], ALLOWED);
    const all = await Promise.all([1, 2, 3].map(() => catalogue.snapshot()));
    expect(all.every(s => s.examples.length === 1)).toBe(true);
    expect(catalogue.loads).toBe(1);
  });
});
