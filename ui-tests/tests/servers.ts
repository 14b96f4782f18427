/**
 * Extra test servers for specs that need a server of their own (a counting
 * squeue, a cgroup, a replaying nvidia-smi, other environment): the same
 * start-test-server.sh the suite's main server uses, with options, started
 * and stopped the way Playwright does it (SIGTERM to the process group).
 */
import { expect } from '@jupyterlab/galata';
import { ChildProcess, spawn } from 'child_process';
import { closeSync, mkdirSync, openSync } from 'fs';
import { join, resolve } from 'path';

const UI_TESTS = resolve(__dirname, '..');

export interface IExtraServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startExtraServer(options: {
  port: number;
  /** The test's output folder (the server's log goes there). */
  outputDir: string;
  name: string;
  /** start-test-server.sh options after the port. */
  args: string[];
  /** The user it runs as (start-test-server.sh's HPC_UI_USER; default alice). */
  user?: string;
}): Promise<IExtraServer> {
  const url = `http://127.0.0.1:${options.port}`;
  mkdirSync(options.outputDir, { recursive: true });
  const log = openSync(
    join(options.outputDir, `${options.name}-server.log`),
    'w'
  );
  const child = spawn(
    'bash',
    ['start-test-server.sh', String(options.port), ...options.args],
    {
      cwd: UI_TESTS,
      detached: true,
      stdio: ['ignore', log, log],
      env: options.user
        ? { ...process.env, HPC_UI_USER: options.user }
        : process.env
    }
  );
  closeSync(log);
  const exited = new Promise<void>(done => child.once('exit', () => done()));
  await expect
    .poll(
      async () => {
        if (child.exitCode !== null) {
          throw new Error(
            `the ${options.name} test server exited (${child.exitCode}); see its log in ${options.outputDir}`
          );
        }
        try {
          return (await fetch(`${url}/api/status`)).status;
        } catch {
          return 0;
        }
      },
      { timeout: 120000, intervals: [500] }
    )
    .toBe(200);
  return {
    url,
    process: child,
    stop: async () => {
      if (child.pid && child.exitCode === null) {
        process.kill(-child.pid, 'SIGTERM');
        await exited;
      }
    }
  };
}
