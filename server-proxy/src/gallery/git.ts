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
import type { Executor, IRunResult } from '../exec';

/** A git config value in double quotes (`\` and `"` escaped). */
function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Runs `git -C repo args...` reading only `repo`: protocol `file` only, the
 * repository (and its `.git`) as the only safe directories.
 */
export async function gitInRepo(
  executor: Executor,
  repo: string,
  args: readonly string[],
  options: {
    timeoutMs?: number;
    maxOutputBytes?: number;
    binary?: boolean;
    /** Protocols git may use (default: only `file`). */
    allowProtocols?: readonly string[];
  } = {}
): Promise<IRunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'hpc-git-'));
  const config = join(dir, 'gitconfig');
  try {
    // As named and as git may see it once symlinks are resolved.
    const real = await realpath(repo).catch(() => repo);
    const safe = [...new Set([repo, real])]
      .flatMap(p => [p, join(p, '.git')])
      .map(p => `\tdirectory = ${quoted(p)}\n`)
      .join('');
    await writeFile(config, `[safe]\n${safe}`, { mode: 0o600 });
    const { allowProtocols, ...runOptions } = options;
    return await executor.run('git', ['-C', repo, ...args], {
      ...runOptions,
      env: {
        GIT_TERMINAL_PROMPT: '0',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: config,
        GIT_ALLOW_PROTOCOL: (allowProtocols ?? ['file']).join(':'),
        GIT_NO_REPLACE_OBJECTS: '1',
        LC_ALL: 'C'
      }
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
