/**
 * A real git server over HTTP for tests: Debian's Python serving
 * `git http-backend` as CGI (git's smart HTTP protocol, as GitHub or GitLab
 * speak it), on 127.0.0.1 and a free port. Repositories go under `dir/repos`.
 * Run as root, Python's CGI runs the backend as `nobody`: everything is made
 * world-readable, and the backend's own git config trusts the repositories.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface IGitHttpServer {
  /** `http://127.0.0.1:PORT/cgi-bin/git/` + the repository's folder name. */
  url(name: string): string;
  /** The same through a backend that waits `seconds` before each answer. */
  slowUrl(name: string): string;
  /** Requests the backend served, as Python logged them. */
  log(): string;
  stop(): Promise<void>;
}

export async function startGitHttp(
  dir: string,
  options: { slowSeconds?: number } = {}
): Promise<IGitHttpServer> {
  mkdirSync(join(dir, 'cgi-bin'), { recursive: true });
  mkdirSync(join(dir, 'repos'), { recursive: true });
  writeFileSync(
    join(dir, 'gitconfig'),
    '[safe]\n\tdirectory = *\n[uploadpack]\n\tallowAnySHA1InWant = true\n'
  );
  writeFileSync(
    join(dir, 'cgi-bin', 'git'),
    [
      '#!/bin/sh',
      `GIT_PROJECT_ROOT='${join(dir, 'repos')}' GIT_HTTP_EXPORT_ALL=1 \\`,
      `GIT_CONFIG_GLOBAL='${join(dir, 'gitconfig')}' GIT_CONFIG_NOSYSTEM=1 \\`,
      '  exec git http-backend',
      ''
    ].join('\n')
  );
  chmodSync(join(dir, 'cgi-bin', 'git'), 0o755);
  writeFileSync(
    join(dir, 'cgi-bin', 'slowgit'),
    `#!/bin/sh\nsleep ${options.slowSeconds ?? 3}\nexec '${join(dir, 'cgi-bin', 'git')}'\n`
  );
  chmodSync(join(dir, 'cgi-bin', 'slowgit'), 0o755);
  chmodSync(dir, 0o755);
  let log = '';
  const child: ChildProcess = spawn(
    '/usr/bin/python3',
    ['-u', '-m', 'http.server', '--cgi', '0', '--bind', '127.0.0.1'],
    // Its own process group: stopping it stops the CGI scripts it runs.
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true }
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`git HTTP server did not start: ${log}`)),
      10_000
    );
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      log += chunk;
      const m = /port (\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (log += chunk));
    child.once('exit', code => {
      clearTimeout(timer);
      reject(new Error(`git HTTP server exited (${code}): ${log}`));
    });
  });
  return {
    url: name => `http://127.0.0.1:${port}/cgi-bin/git/${name}`,
    slowUrl: name => `http://127.0.0.1:${port}/cgi-bin/slowgit/${name}`,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise(r => child.once('exit', r));
        process.kill(-(child.pid as number), 'SIGKILL');
        await gone;
      }
    }
  };
}
