/**
 * Git for the gallery, always through exec.ts (argv, no shell, the
 * allow-listed environment, a timeout that kills the process group) with:
 * no prompts, no system config, and a per-command global config file that
 * names the one repository as `safe.directory` (git 2.39 reads it only from
 * global or system config, not `-c`), so an admin-owned `file://` repository
 * can be read by every user without trusting `*`.
 */
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errors } from '../errors';
import type { Executor, IRunResult } from '../exec';
import { SpawnError } from '../exec';

/** A git config value in double quotes (`\` and `"` escaped). */
function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface IGitOptions {
  timeoutMs?: number;
  maxOutputBytes?: number;
  binary?: boolean;
  /** Protocols git may use (default: only `file`). */
  allowProtocols?: readonly string[];
  /** Repositories (not owned by this user) git may read: `safe.directory`. */
  safe?: readonly string[];
  /** More `[section] key = value` lines for the per-command config. */
  config?: Record<string, Record<string, string>>;
  signal?: AbortSignal;
  onStderr?: (text: string) => void;
  cwd?: string;
}

/**
 * Runs `git args...` with no prompt, no system config, English messages and a
 * per-command global config naming only `safe` (and `config`): the user's own
 * git config is not read, so their aliases, hooks paths or credential helpers
 * play no part in what the gallery does.
 */
export async function runGit(
  executor: Executor,
  args: readonly string[],
  options: IGitOptions = {}
): Promise<IRunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'hpc-git-'));
  const file = join(dir, 'gitconfig');
  const { allowProtocols, safe = [], config = {}, ...runOptions } = options;
  try {
    // As named and as git may see it once symlinks are resolved.
    const dirs = new Set<string>();
    for (const repo of safe) {
      const real = await realpath(repo).catch(() => repo);
      for (const p of [repo, real]) {
        dirs.add(p);
        dirs.add(join(p, '.git'));
      }
    }
    let text = dirs.size
      ? `[safe]\n${[...dirs].map(p => `\tdirectory = ${quoted(p)}\n`).join('')}`
      : '';
    for (const [section, values] of Object.entries(config)) {
      text += `[${section}]\n`;
      for (const [key, value] of Object.entries(values)) {
        text += `\t${key} = ${quoted(value)}\n`;
      }
    }
    await writeFile(file, text, { mode: 0o600 });
    return await executor.run('git', args, {
      ...runOptions,
      env: {
        GIT_TERMINAL_PROMPT: '0',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: file,
        GIT_ALLOW_PROTOCOL: (allowProtocols ?? ['file']).join(':'),
        GIT_NO_REPLACE_OBJECTS: '1',
        LC_ALL: 'C'
      }
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `git -C repo args...` reading `repo`: protocol `file` only unless
 * told otherwise, the repository (and its `.git`) as the only safe
 * directories.
 */
export function gitInRepo(
  executor: Executor,
  repo: string,
  args: readonly string[],
  options: IGitOptions = {}
): Promise<IRunResult> {
  return runGit(executor, ['-C', repo, ...args], {
    ...options,
    safe: [repo, ...(options.safe ?? [])]
  });
}

export interface ITreeEntry {
  mode: string;
  type: string;
  object: string;
  size: number | null;
}

/** `git ls-tree -l ref -- path`: one file's mode, object and size, or null. */
export function parseLsTree(stdout: string): ITreeEntry | null {
  const line = stdout.split('\n').find(l => l.trim());
  const m = line
    ? /^(\d{6}) (\w+) ([0-9a-f]{40,64}) +(-|\d+)\t/.exec(line)
    : null;
  if (!m) {
    return null;
  }
  return {
    mode: m[1],
    type: m[2],
    object: m[3],
    size: m[4] === '-' ? null : Number(m[4])
  };
}

/**
 * Rethrows `e`, as `503 GIT_UNAVAILABLE` in words when git itself could not
 * be started (not installed, not executable).
 */
export function gitSpawnFailed(e: unknown): never {
  if (e instanceof SpawnError) {
    throw errors.unavailable(
      `git cannot be run on the server (${e.message}): the gallery needs git for this example.`,
      'GIT_UNAVAILABLE'
    );
  }
  throw e;
}
