/** The server's identity, reported by `api/version`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SERVER_NAME = 'jupyterlab-hpc';

/** Bumped only when a route or a shape changes incompatibly. */
export const API_VERSION = 1;

/** Set by the single-file bundle (scripts/bundle.mjs), which has no package.json beside it. */
declare const HPC_BUNDLED_VERSION: string | undefined;

function packageVersion(): string {
  if (typeof HPC_BUNDLED_VERSION === 'string') {
    return HPC_BUNDLED_VERSION;
  }
  // lib/version.js and src/version.ts both sit one level below package.json.
  const pkg = JSON.parse(
    readFileSync(join(__dirname, '..', 'package.json'), 'utf8')
  ) as {
    version: string;
  };
  return pkg.version;
}

export const SERVER_VERSION = packageVersion();
