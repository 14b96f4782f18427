/**
 * Shared by the gallery's tests: git as a maintainer would run it (no
 * user or system config, a fixed identity), and a minimal notebook.
 */
import { execFileSync } from 'node:child_process';

/** `git -C repo args...`, trimmed output. */
export function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], {
    env: {
      PATH: process.env.PATH,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Admin',
      GIT_AUTHOR_EMAIL: 'admin@example.org',
      GIT_COMMITTER_NAME: 'Admin',
      GIT_COMMITTER_EMAIL: 'admin@example.org'
    },
    encoding: 'utf8'
  }).trimEnd();
}

/** An nbformat 4 notebook of one markdown cell. */
export function notebook(text: string): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [{ cell_type: 'markdown', metadata: {}, source: [text] }]
  });
}
