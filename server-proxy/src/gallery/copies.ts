/**
 * The copies a user made with "Use", recorded in the server's state
 * directory (never inside the copy): one JSON file per copy, so Update knows
 * the example, the commit it was cloned at or the hash of every file it was
 * given, and the gallery can list "your copies" of each example.
 */
import { createHash } from 'node:crypto';
import {
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  writeFile
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { defaultStateDir } from '../dask/state';

export interface ICopyRecord {
  exampleId: string;
  /** The copy (folder, or notebook for a single-notebook example), relative to the root. */
  path: string;
  /** Its entry notebook, relative to the root. */
  entry?: string;
  /** `git`: a clone with its own `.git` (base = its HEAD); `files`: copied files (base = manifest). */
  kind: 'git' | 'files';
  createdAt: string;
  updatedAt?: string;
  /** git: the commit checked out at Use / last Update. */
  commit?: string;
  /** git: the ref the catalogue named at that time. */
  ref?: string;
  /** files: relative file path inside the copy → sha256 of what the gallery wrote. */
  manifest?: Record<string, string>;
}

/** `$JUPYTER_DATA_DIR/jupyterlab-hpc/gallery` (same rules as Dask's). */
export function defaultGalleryStateDir(
  env: NodeJS.ProcessEnv = process.env
): string {
  return join(dirname(defaultStateDir(env)), 'gallery');
}

function fileFor(dir: string, path: string): string {
  const key = createHash('sha256').update(path).digest('hex').slice(0, 24);
  return join(dir, `${key}.json`);
}

export class CopyStore {
  /** `dir`: the gallery state directory; records go in `dir/copies`. */
  constructor(dir: string, root: string) {
    this._dir = join(dir, 'copies');
    this._root = root;
  }

  /** Records whose copy still exists under the root (others are dropped). */
  async list(): Promise<ICopyRecord[]> {
    let names: string[];
    try {
      names = await readdir(this._dir);
    } catch {
      return [];
    }
    const out: ICopyRecord[] = [];
    for (const name of names.filter(n => n.endsWith('.json'))) {
      const file = join(this._dir, name);
      let rec: ICopyRecord;
      try {
        rec = JSON.parse(await readFile(file, 'utf8')) as ICopyRecord;
      } catch {
        continue;
      }
      try {
        await lstat(join(this._root, rec.path));
        out.push(rec);
      } catch {
        await rm(file, { force: true });
      }
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async forExample(exampleId: string): Promise<ICopyRecord[]> {
    return (await this.list()).filter(r => r.exampleId === exampleId);
  }

  async get(path: string): Promise<ICopyRecord | undefined> {
    return (await this.list()).find(r => r.path === path);
  }

  /** Writes (atomically) the record of `rec.path`. */
  async put(rec: ICopyRecord): Promise<void> {
    await mkdir(this._dir, { recursive: true, mode: 0o700 });
    const file = fileFor(this._dir, rec.path);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(rec, null, 1), { mode: 0o600 });
    await rename(tmp, file);
  }

  async remove(path: string): Promise<void> {
    await rm(fileFor(this._dir, path), { force: true });
  }

  private _dir: string;
  private _root: string;
}
