/**
 * Slurm's absolute paths (WorkDir, StdOut, StdErr) as paths relative to the
 * user's Jupyter root, the way Jupyter's contents API names files, so the
 * front end can open them in the file browser or an editor.
 */
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, sep } from 'node:path';

/**
 * `path` relative to `root` ("" for the root itself, "/"-separated), or null
 * when it is outside the root, also through a symlink, or not absolute.
 * A file the job has not written yet is placed through its nearest existing
 * folder; both sides are compared after resolving symlinks, so a root that
 * is itself a symlink (/home → /data/home) still matches Slurm's path.
 */
export async function rootRelative(
  root: string,
  path: string | null | undefined
): Promise<string | null> {
  if (!path || !isAbsolute(path)) {
    return null;
  }
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch {
    return null;
  }
  const real = await realpathOfNearest(path);
  if (real === null) {
    return null;
  }
  const rel = relative(realRoot, real);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    return null;
  }
  return rel.split(sep).join('/');
}

/**
 * The real path of `path`, resolving the longest part that exists and
 * appending the rest; null when a missing part is "..", which could climb
 * out of a folder that is only known after the fact.
 */
async function realpathOfNearest(path: string): Promise<string | null> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = await realpath(current);
      return missing.length ? [real, ...missing.reverse()].join(sep) : real;
    } catch {
      const parent = dirname(current);
      const name = basename(current);
      if (parent === current || name === '..') {
        return null;
      }
      if (name !== '.' && name !== '') {
        missing.push(name);
      }
      current = parent;
    }
  }
}
