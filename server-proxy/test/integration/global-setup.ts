/**
 * Before the integration suite: build lib/ when it is missing or older than
 * src/ (the tests run the built bin/hpc-proxy), and check that the real Slurm
 * answers, so that a stopped controller reads as one clear message.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/** Newest (or oldest) mtime of the files under `dir` whose name passes `keep`. */
function mtimes(dir: string, keep: (path: string) => boolean): number[] {
  const out: number[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '__tests__') {
        out.push(...mtimes(path, keep));
      }
    } else if (keep(path)) {
      out.push(statSync(path).mtimeMs);
    }
  }
  return out;
}

function buildIfStale(): void {
  const src = mtimes(join(ROOT, 'src'), p => p.endsWith('.ts'));
  const lib = existsSync(join(ROOT, 'lib'))
    ? mtimes(join(ROOT, 'lib'), p => p.endsWith('.js'))
    : [];
  const configs = ['tsconfig.json', 'package.json'].map(
    f => statSync(join(ROOT, f)).mtimeMs
  );
  const stale =
    !existsSync(join(ROOT, 'lib', 'main.js')) ||
    Math.max(...src, ...configs) > Math.min(...lib);
  if (stale) {
    execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', ROOT],
      { cwd: ROOT, stdio: 'inherit' }
    );
  }
}

function checkSlurm(): void {
  try {
    execFileSync('scontrol', ['ping'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000
    });
  } catch (e) {
    throw new Error(
      `The integration tests need the real Slurm of scripts/slurm-start.sh, and \`scontrol ping\` failed (${(e as Error).message}): run scripts/slurm-start.sh first.`
    );
  }
}

export default function globalSetup(): void {
  buildIfStale();
  checkSlurm();
}
