/** The server's identity, reported by `api/version`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SERVER_NAME = 'jupyterlab-hpc';

/** Bumped only when a route or a shape changes incompatibly. */
export const API_VERSION = 1;

function packageVersion(): string {
  // lib/version.js and src/version.ts both sit one level below package.json.
  const pkg = JSON.parse(
    readFileSync(join(__dirname, '..', 'package.json'), 'utf8')
  ) as {
    version: string;
  };
  return pkg.version;
}

export const SERVER_VERSION = packageVersion();
