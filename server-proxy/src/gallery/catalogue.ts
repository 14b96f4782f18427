/**
 * Gallery catalogues (DESIGN.md, "Configuration"): the admin-written JSON
 * files named in `gallery.catalogues`, validated entry by entry. An entry
 * that breaks a rule is reported in `errors` (in words) and the others load;
 * a catalogue file is read again when it changes (checked on each request:
 * one `stat` per file).
 */
import Ajv, { ErrorObject } from 'ajv';
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLE_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,63}$';
/** Ids that would collide with other routes under `api/gallery/`. */
export const RESERVED_IDS = ['tasks', 'submissions'];
/** A git ref as the catalogue may name it: no option-like or odd characters. */
const REF_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}$';
const COMMIT_PATTERN = /^[0-9a-f]{40}$/;

/** Thumbnail types the server serves, by file extension. */
export const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml'
};

const relativePath = { type: 'string', minLength: 1, maxLength: 1024 };

export const ENTRY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'title', 'status', 'source'],
  properties: {
    id: {
      type: 'string',
      pattern: EXAMPLE_ID_PATTERN,
      not: { enum: RESERVED_IDS }
    },
    title: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 10000 },
    tags: {
      type: 'array',
      maxItems: 50,
      items: { type: 'string', minLength: 1, maxLength: 64 }
    },
    status: { enum: ['curated', 'staged'] },
    author: { type: 'string', maxLength: 200 },
    kernel: { type: 'string', minLength: 1, maxLength: 200 },
    entry: relativePath,
    thumbnail: relativePath,
    updated: { type: 'string', maxLength: 64 },
    source: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['path'],
          properties: {
            path: { type: 'string', pattern: '^/', maxLength: 4096 }
          }
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['git'],
          properties: {
            git: { type: 'string', minLength: 1, maxLength: 4096 },
            ref: { type: 'string', pattern: REF_PATTERN },
            subdir: relativePath
          }
        }
      ]
    }
  }
} as const;

/** An entry as the catalogue writes it. */
export interface ICatalogueEntry {
  id: string;
  title: string;
  description?: string;
  tags?: string[];
  status: 'curated' | 'staged';
  author?: string;
  kernel?: string;
  entry?: string;
  thumbnail?: string;
  updated?: string;
  source: { path: string } | { git: string; ref?: string; subdir?: string };
}

/** What clients see (DESIGN.md "Example"): never a server path or a URL. */
export interface IExample {
  id: string;
  title: string;
  description: string;
  tags: string[];
  status: 'curated' | 'staged';
  kind: 'notebook' | 'repository';
  entry?: string;
  thumbnail?: string;
  kernel?: string;
  author?: string;
  updated?: string;
}

/** Where a loaded example's files come from, resolved at load time. */
export type ResolvedSource =
  | {
      type: 'path';
      /** The real path of `source.path` (a folder, or the notebook itself). */
      root: string;
      /** True when `source.path` is a single notebook. */
      file: boolean;
    }
  | {
      type: 'git';
      url: string;
      protocol: string;
      /** The repository's path on this machine, for `file://` URLs. */
      localPath: string | null;
      ref: string;
      /** "" or a "/"-separated folder inside the repository. */
      subdir: string;
      pinned: boolean;
    };

export interface ILoadedExample {
  example: IExample;
  source: ResolvedSource;
  /** The catalogue file it came from. */
  catalogue: string;
}

export interface ICatalogueError {
  /** The catalogue file, and the entry (`#examples[2] (id)`) when it is one. */
  source: string;
  message: string;
}

export interface ICatalogueSnapshot {
  examples: ILoadedExample[];
  errors: ICatalogueError[];
}

const ajv = new Ajv({ allErrors: false, strict: false });
const validateEntry = ajv.compile(ENTRY_SCHEMA);

/** Ajv's first complaint about an entry, in words. */
function describe(errs: ErrorObject[] | null | undefined): string {
  // oneOf reports each branch: the most specific complaint is the deepest.
  const list = [...(errs ?? [])].sort(
    (a, b) => b.instancePath.length - a.instancePath.length
  );
  const e = list.find(x => x.keyword !== 'oneOf') ?? list[0];
  if (!e) {
    return 'is invalid';
  }
  const where = e.instancePath ? e.instancePath.slice(1) : 'the entry';
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string })
      .additionalProperty;
    return `${where}: unknown key "${extra}"`;
  }
  if (e.keyword === 'not' && where === 'id') {
    return `id: "${RESERVED_IDS.join('" and "')}" are reserved`;
  }
  if (e.keyword === 'pattern' && where === 'id') {
    return 'id: must be lower-case letters, digits and "-", starting with a letter or digit, at most 64 characters';
  }
  if (e.keyword === 'pattern' && where === 'source/path') {
    return 'source/path: must be an absolute path';
  }
  if (e.keyword === 'pattern' && where === 'source/ref') {
    return 'source/ref: must be a branch, tag or commit name (letters, digits, ".", "_", "/", "-", not starting with "-")';
  }
  return `${where}: ${e.message ?? 'is invalid'}`;
}

/**
 * Checks a relative path from the catalogue (`entry`, `thumbnail`,
 * `subdir`): relative, no `..`, no empty or `.` parts. Returns it
 * normalised ("/"-separated), or throws a sentence.
 */
export function checkRelative(field: string, value: string): string {
  if (value.includes('\0') || value.includes('\\')) {
    throw new Error(`${field}: must not contain NUL or "\\"`);
  }
  if (value.startsWith('/')) {
    throw new Error(
      `${field}: must be relative to the source, not an absolute path`
    );
  }
  const parts = value.split('/').filter(p => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new Error(`${field}: must stay inside the source ("..")`);
  }
  if (!parts.length) {
    throw new Error(`${field}: is empty`);
  }
  return parts.join('/');
}

/** True when `child` is `parent` or inside it (both real, absolute). */
export function inside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return (
    rel === '' ||
    (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
  );
}

/**
 * The real path of `root/rel`, or a sentence when it is missing or, through
 * a symlink, outside `root` (itself a real path).
 */
export async function resolveInside(
  root: string,
  rel: string,
  field: string
): Promise<string> {
  let real: string;
  try {
    real = await realpath(`${root}/${rel}`);
  } catch {
    throw new Error(`${field}: "${rel}" does not exist in the source`);
  }
  if (!inside(root, real)) {
    throw new Error(
      `${field}: "${rel}" leads outside the source through a symlink, which is refused`
    );
  }
  return real;
}

/**
 * Checks a `source.git` URL against the allowed protocols: refuses
 * `ext::`-style transports, plain paths and scp-like addresses (not URLs),
 * and credentials in the URL. Returns the protocol name.
 */
export function checkGitUrl(url: string, allowed: readonly string[]): string {
  const transport = /^([A-Za-z][A-Za-z0-9+.-]*)::/.exec(url);
  if (transport) {
    throw new Error(
      `source/git: the "${transport[1]}::" transport runs commands and is never allowed`
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      'source/git: not a URL (plain paths and user@host:path addresses are refused: use https:// or file://)'
    );
  }
  const protocol = parsed.protocol.replace(/:$/, '');
  if (parsed.username || parsed.password) {
    throw new Error(
      'source/git: credentials in the URL are refused (they would be stored in every clone and shown by git)'
    );
  }
  if (!allowed.includes(protocol)) {
    throw new Error(
      `source/git: the ${protocol}:// protocol is not allowed here (allowed: ${allowed.join(', ')}; gallery.allowedProtocols)`
    );
  }
  if (protocol === 'file' && parsed.host && parsed.host !== 'localhost') {
    throw new Error('source/git: a file:// URL must not name a host');
  }
  return protocol;
}

/** Loads one entry: schema, then the path and protocol rules. */
async function loadEntry(
  raw: unknown,
  allowedProtocols: readonly string[]
): Promise<{ example: IExample; source: ResolvedSource }> {
  if (!validateEntry(raw)) {
    throw new Error(describe(validateEntry.errors));
  }
  const e = raw as unknown as ICatalogueEntry;
  const entry =
    e.entry === undefined ? undefined : checkRelative('entry', e.entry);
  const thumbnail =
    e.thumbnail === undefined
      ? undefined
      : checkRelative('thumbnail', e.thumbnail);
  if (thumbnail !== undefined) {
    const ext = thumbnail.split('.').pop()?.toLowerCase() ?? '';
    if (!(ext in IMAGE_TYPES)) {
      throw new Error(
        `thumbnail: "${thumbnail}" is not a .png, .jpg, .gif, .webp or .svg image`
      );
    }
  }
  if (entry !== undefined && !entry.endsWith('.ipynb')) {
    throw new Error(`entry: "${entry}" is not a notebook (.ipynb)`);
  }
  let source: ResolvedSource;
  let kind: IExample['kind'];
  let shownEntry = entry;
  if ('path' in e.source) {
    let root: string;
    try {
      root = await realpath(e.source.path);
    } catch {
      throw new Error('source/path: does not exist or cannot be read');
    }
    const info = await stat(root);
    const file = info.isFile();
    if (file) {
      if (!root.endsWith('.ipynb')) {
        throw new Error(
          'source/path: is a file but not a notebook (.ipynb); use a folder for anything else'
        );
      }
      if (entry !== undefined || thumbnail !== undefined) {
        throw new Error(
          'source/path: is a single notebook, so entry and thumbnail (paths inside a folder) cannot be given'
        );
      }
      shownEntry = root.split(sep).pop();
    } else if (!info.isDirectory()) {
      throw new Error('source/path: is neither a folder nor a notebook');
    }
    if (!file && entry !== undefined) {
      await resolveInside(root, entry, 'entry');
    }
    if (!file && thumbnail !== undefined) {
      await resolveInside(root, thumbnail, 'thumbnail');
    }
    source = { type: 'path', root, file };
    kind = file ? 'notebook' : 'repository';
  } else {
    const protocol = checkGitUrl(e.source.git, allowedProtocols);
    const ref = e.source.ref ?? 'HEAD';
    if (ref.split('/').includes('..') || ref.includes('..')) {
      throw new Error('source/ref: must not contain ".."');
    }
    const pinned = COMMIT_PATTERN.test(ref);
    if (e.status === 'curated' && !pinned) {
      throw new Error(
        `source/ref: a curated git example must be pinned to a commit (40 hex digits), not "${ref}": what was reviewed must be what users get; list it as "staged" to follow a branch`
      );
    }
    const subdir =
      e.source.subdir === undefined
        ? ''
        : checkRelative('source/subdir', e.source.subdir);
    source = {
      type: 'git',
      url: e.source.git,
      protocol,
      localPath: protocol === 'file' ? fileURLToPath(e.source.git) : null,
      ref,
      subdir,
      pinned
    };
    kind = 'repository';
  }
  const example: IExample = {
    id: e.id,
    title: e.title,
    description: e.description ?? '',
    tags: e.tags ?? [],
    status: e.status,
    kind,
    ...(shownEntry !== undefined ? { entry: shownEntry } : {}),
    ...(thumbnail !== undefined ? { thumbnail } : {}),
    ...(e.kernel !== undefined ? { kernel: e.kernel } : {}),
    ...(e.author !== undefined ? { author: e.author } : {}),
    ...(e.updated !== undefined ? { updated: e.updated } : {})
  };
  return { example, source };
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'the file does not exist',
  EACCES: 'permission denied',
  EISDIR: 'it is a folder'
};

/** Reads every catalogue; one bad file or entry never hides the others. */
export async function loadCatalogues(
  files: readonly string[],
  allowedProtocols: readonly string[]
): Promise<ICatalogueSnapshot> {
  const examples: ILoadedExample[] = [];
  const errors: ICatalogueError[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      errors.push({
        source: file,
        message: err.code
          ? `cannot read the catalogue: ${READ_ERRORS[err.code] ?? 'error'} (${err.code})`
          : `not valid JSON: ${err.message}`
      });
      continue;
    }
    const list = (raw as { examples?: unknown } | null)?.examples;
    if (
      typeof raw !== 'object' ||
      raw === null ||
      Array.isArray(raw) ||
      !Array.isArray(list)
    ) {
      errors.push({
        source: file,
        message: 'a catalogue is an object with an "examples" array'
      });
      continue;
    }
    for (const [i, item] of list.entries()) {
      const id = (item as { id?: unknown } | null)?.id;
      const where = `${file}#examples[${i}]${typeof id === 'string' ? ` (${id.slice(0, 64)})` : ''}`;
      try {
        const loaded = await loadEntry(item, allowedProtocols);
        const first = seen.get(loaded.example.id);
        if (first !== undefined) {
          throw new Error(
            `id: "${loaded.example.id}" is already used by ${first}; this entry is ignored`
          );
        }
        seen.set(loaded.example.id, where);
        examples.push({ ...loaded, catalogue: file });
      } catch (e) {
        errors.push({ source: where, message: (e as Error).message });
      }
    }
  }
  return { examples, errors };
}

/** A file's identity and version, to notice it changed. */
async function fingerprint(file: string): Promise<string> {
  try {
    const s = await stat(file);
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch (e) {
    return `missing:${(e as NodeJS.ErrnoException).code ?? ''}`;
  }
}

/**
 * The catalogues as last loaded, loaded again when one of the files changed
 * (identity, size, mtime or ctime) since. Concurrent requests share a load.
 */
export class Catalogue {
  constructor(
    private readonly _files: readonly string[],
    private readonly _allowedProtocols: readonly string[]
  ) {}

  /** The current examples and errors, reloading first if a file changed. */
  async snapshot(): Promise<ICatalogueSnapshot> {
    if (this._pending) {
      return this._pending;
    }
    this._pending = (async () => {
      const prints = await Promise.all(this._files.map(fingerprint));
      const key = prints.join('|');
      if (this._loaded && key === this._key) {
        return this._loaded;
      }
      const loaded = await loadCatalogues(this._files, this._allowedProtocols);
      this._loaded = loaded;
      this._key = key;
      this.loads++;
      return loaded;
    })().finally(() => {
      this._pending = null;
    });
    return this._pending;
  }

  /** How many times the catalogues were read (tests check reloads). */
  loads = 0;

  private _loaded: ICatalogueSnapshot | null = null;
  private _key = '';
  private _pending: Promise<ICatalogueSnapshot> | null = null;
}
