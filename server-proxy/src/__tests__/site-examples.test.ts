/**
 * The example site configurations of the admin guide (docs/examples/*.json)
 * pass the server's validation as they are, and a broken copy of one is
 * refused naming the key: the guide's examples can't rot unnoticed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../config';

const DIR = join(__dirname, '..', '..', '..', 'docs', 'examples');
const files = readdirSync(DIR).filter(f => /^site-.*\.json$/.test(f));

test('there are example site configurations', () => {
  expect(files.sort()).toEqual([
    'site-ccin2p3-like.json',
    'site-nersc-like.json'
  ]);
});

test.each(files)('%s is a valid configuration', file => {
  const raw = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
  const config = parseConfig(raw, file);
  expect(config.slurm.profiles.length).toBeGreaterThan(1);
  expect(config.gallery.catalogues.length).toBeGreaterThan(0);
  expect(config.gallery.stagingDir).toMatch(/^\//);
  expect(config.dask.slurmDefaults.walltime).toBe(
    raw.dask.slurmDefaults.walltime
  );
});

/** The problems parseConfig reports for `raw`, or [] if it accepts it. */
function problems(raw: unknown, file: string): string[] {
  try {
    parseConfig(raw, file);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
}

test.each(files)('mistakes in %s are refused with their key path', file => {
  const read = () => JSON.parse(readFileSync(join(DIR, file), 'utf8'));
  const typo = read();
  typo.gallery.reviewer = typo.gallery.reviewers;
  expect(problems(typo, file)).toEqual(['/gallery: unknown key "reviewer"']);
  const tooFast = read();
  tooFast.slurm.pollSeconds = tooFast.slurm.minPollSeconds - 1;
  expect(problems(tooFast, file).join('\n')).toMatch(/slurm\/pollSeconds/);
  expect(problems(read(), file)).toEqual([]);
});
