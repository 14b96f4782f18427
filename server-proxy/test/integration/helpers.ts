/**
 * Helpers for the real-stack tests: start the built `bin/hpc-proxy` in its own
 * process group, read its stderr, talk HTTP to it over TCP or a unix socket,
 * and clean up every process and temporary folder, even after a failure.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { IncomingHttpHeaders, request } from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The server-proxy package. */
export const ROOT = resolve(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'hpc-proxy');

export interface IExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface IProc {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<IExit>;
  /** Resolves with the first stderr match (rejects on exit or timeout). */
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the first JSON log line (pino, on stderr) that passes. */
  waitForLog(
    test: (entry: Record<string, unknown>) => boolean,
    timeoutMs?: number
  ): Promise<Record<string, unknown>>;
}

const procs = new Set<IProc>();
const extraGroups = new Set<number>();
const tmps = new Set<string>();

/**
 * Starts `bin/hpc-proxy args...` as the leader of a new process group (so
 * cleanup can kill whatever it starts). The environment is the test's unless
 * `env` replaces it.
 */
export function startProxy(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}
): IProc {
  return track(
    spawn(BIN, args, {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe']
    })
  );
}

/** Collects a started server's output and registers it for cleanup. */
function track(child: ChildProcess): IProc {
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const poke = (): void => waiters.forEach(w => w());
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    out += chunk;
    poke();
  });
  child.stderr?.on('data', (chunk: string) => {
    err += chunk;
    poke();
  });
  const exited = new Promise<IExit>(resolvePromise =>
    child.once('close', (code, signal) => {
      resolvePromise({ code, signal });
      poke();
    })
  );
  let done = false;
  void exited.then(() => (done = true));

  function until<T>(
    find: () => T | null,
    what: string,
    timeoutMs: number
  ): Promise<T> {
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; stderr:\n${err}`));
      }, timeoutMs);
      function check(): void {
        const found = find();
        if (found !== null) {
          clearTimeout(timer);
          waiters.delete(check);
          resolvePromise(found);
        } else if (done) {
          clearTimeout(timer);
          waiters.delete(check);
          reject(new Error(`hpc-proxy exited before ${what}; stderr:\n${err}`));
        }
      }
      waiters.add(check);
      check();
    });
  }

  const proc: IProc = {
    child,
    pid: child.pid as number,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStderr: (re, timeoutMs = 30_000) =>
      until(() => re.exec(err), `stderr matching ${re}`, timeoutMs),
    waitForLog: (test, timeoutMs = 30_000) =>
      until(
        () => {
          for (const line of err.split('\n')) {
            if (!line.startsWith('{')) {
              continue;
            }
            try {
              const entry = JSON.parse(line) as Record<string, unknown>;
              if (test(entry)) {
                return entry;
              }
            } catch {
              // a partial line: read again on the next chunk
            }
          }
          return null;
        },
        'a log line',
        timeoutMs
      )
  };
  procs.add(proc);
  return proc;
}

/** Starts `serve` on TCP port 0 and resolves with the port it picked. */
export async function listeningPort(proc: IProc): Promise<number> {
  const entry = await proc.waitForLog(e => e.msg === 'listening');
  return entry.port as number;
}

/** Also kill this process group at cleanup (e.g. a Jupyter child). */
export function trackGroup(pgid: number): void {
  extraGroups.add(pgid);
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** A new private temporary folder, removed at cleanup. */
export function makeTmp(prefix = 'hpc-it-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tmps.add(dir);
  return dir;
}

/** Every process below `pid` (children, their children...), from /proc. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (/^\d+$/.test(name)) {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const ppid = Number(
          stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]
        );
        parentOf.set(Number(name), ppid);
      } catch {
        // exited meanwhile
      }
    }
  }
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length) {
    const next: number[] = [];
    for (const [child, parent] of parentOf) {
      if (frontier.includes(parent)) {
        next.push(child);
      }
    }
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** Kills every process group these helpers started and removes the folders. */
export async function cleanup(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const proc of procs) {
    // Children in groups of their own (front's Jupyter) die with it too.
    for (const pid of descendants(proc.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    killGroup(proc.pid);
    waits.push(
      Promise.race([proc.exited, new Promise(r => setTimeout(r, 5000).unref())])
    );
  }
  procs.clear();
  for (const pgid of extraGroups) {
    killGroup(pgid);
  }
  extraGroups.clear();
  await Promise.all(waits);
  for (const dir of tmps) {
    rmSync(dir, { recursive: true, force: true });
  }
  tmps.clear();
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolvePromise(port));
    });
  });
}

export interface IResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Milliseconds from sending to the end of the body. */
  ms: number;
  json<T = Record<string, unknown>>(): T;
}

export interface IRequest {
  port?: number;
  socketPath?: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

/** One HTTP request, no redirects followed, no connection reuse. */
export function http(req: IRequest): Promise<IResponse> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const r = request(
      {
        host: req.socketPath ? undefined : '127.0.0.1',
        port: req.socketPath ? undefined : req.port,
        socketPath: req.socketPath,
        method: req.method ?? 'GET',
        path: req.path,
        headers: req.headers,
        agent: false,
        timeout: req.timeoutMs ?? 30_000
      },
      res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            ms: Date.now() - started,
            json: <T>() => JSON.parse(body) as T
          })
        );
      }
    );
    r.on('timeout', () => r.destroy(new Error('request timed out')));
    r.on('error', reject);
    r.end(req.body);
  });
}

/** Resolves when a GET of `path` answers at all (any status). */
export async function waitForHttp(
  req: IRequest,
  timeoutMs = 30_000
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await http({ ...req, timeoutMs: 2000 });
      return;
    } catch (e) {
      if (Date.now() > deadline) {
        throw e;
      }
      await new Promise(r => setTimeout(r, 100));
    }
  }
}

/** True while `pid` runs (a zombie awaiting its reaper counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Polls `check` until it holds or `timeoutMs` passes; returns its last value. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) {
      return true;
    }
    await new Promise(r => setTimeout(r, 50));
  }
  return check();
}

/** The shape of `GET api/version` the tests read. */
export interface IVersion {
  name: string;
  version: string;
  apiVersion: number;
  capabilities: {
    slurm: {
      available: boolean;
      version?: string;
      clusters: string[];
      accounting: boolean;
      reason?: string;
    };
    gpu: { available: boolean; reason?: string };
    dask: { available: boolean; reason?: string };
    gallery: { available: boolean };
  };
}

export interface IErrorJson {
  error: { code: string; message: string };
}

// ---------------------------------------------------------------------------
// Slurm helpers (slurm-*.test.ts): servers running as a test user, command
// shims that count calls, jobs submitted as alice or bob and always cancelled.

/** uid and gid of a local user. */
export function userIds(user: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find(l => l.startsWith(`${user}:`));
  if (!line) {
    throw new Error(`no user ${user} in /etc/passwd`);
  }
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** A new temporary folder owned by `user` (mode 0700), removed at cleanup. */
export function makeTmpFor(user: string, prefix = 'hpc-it-'): string {
  const dir = makeTmp(prefix);
  const { uid, gid } = userIds(user);
  chownSync(dir, uid, gid);
  return dir;
}

/**
 * Starts `bin/hpc-proxy args...` as `user` (through `runuser`, which stays in
 * the new process group, so cleanup kills the server too). `env` is the
 * server's whole environment; runuser sets HOME, USER and LOGNAME.
 */
export function startProxyAs(
  user: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}
): IProc {
  return track(
    spawn('runuser', ['-u', user, '--', process.execPath, BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe']
    })
  );
}

const END = '<<END>>';

export interface IShims {
  /** Put this folder first on the server's PATH. */
  bin: string;
  /** The logged calls (argv without the command), of `command` or all. */
  calls(command?: string): string[][];
  /** Per call of `command`: the logged variables, `null` when unset. */
  envs(command?: string): Array<Record<string, string | null>>;
}

/**
 * Executables named like real commands that log each call (the command, the
 * variables named in `envNames`, the arguments: NUL-separated, each record
 * ending with an END mark) and then `exec` the real one, which answers as
 * usual. The log is writable by `owner`.
 */
export function makeShims(
  dir: string,
  commands: string[],
  owner?: string,
  envNames: string[] = []
): IShims {
  const bin = join(dir, 'shim-bin');
  const log = join(dir, 'shim-calls.log');
  mkdirSync(bin, { mode: 0o755 });
  writeFileSync(log, '', { mode: 0o666 });
  const vars = envNames.map(n => `"${n}=\${${n}+set:}\${${n}-}"`).join(' ');
  for (const command of commands) {
    const real = ['/usr/bin', '/usr/local/bin', '/bin']
      .map(d => join(d, command))
      .find(p => existsSync(p));
    if (!real) {
      throw new Error(`no real ${command} to shim`);
    }
    writeFileSync(
      join(bin, command),
      // One printf, one append: concurrent calls don't interleave.
      `#!/bin/sh\nprintf '%s\\0' ${command} ${vars} "$@" '${END}' >> '${log}'\nexec ${real} "$@"\n`,
      { mode: 0o755 }
    );
  }
  if (owner) {
    const { uid, gid } = userIds(owner);
    chownSync(log, uid, gid);
  }
  const records = (command?: string): string[][] =>
    readFileSync(log, 'utf8')
      .split(`${END}\0`)
      .filter(Boolean)
      .map(record => record.replace(/\0$/, '').split('\0'))
      .filter(([c]) => command === undefined || c === command);
  return {
    bin,
    calls: command =>
      records(command).map(([, ...rest]) => rest.slice(envNames.length)),
    envs: command =>
      records(command).map(([, ...rest]) =>
        Object.fromEntries(
          envNames.map((name, i) => {
            const value = rest[i].slice(name.length + 1);
            return [
              name,
              value.startsWith('set:') ? value.slice('set:'.length) : null
            ];
          })
        )
      )
  };
}

const slurmJobs = new Set<string>();

/** Remember a job id (submitted through the API) for `cancelJobs`. */
export function trackJob(id: string): void {
  slurmJobs.add(id.split(';')[0]);
}

/**
 * A job id Slurm never knows: above its MaxJobId (67043328), so no job of
 * any earlier run can hold it (ids like 99999 come round on a busy test bed).
 */
export const UNKNOWN_JOB_ID = '67043329';

/**
 * `sbatch --parsable args...` as `user` (never a shell: an argv), with the
 * script on stdin when given; the job is cancelled by `cancelJobs`.
 */
export function sbatchAs(
  user: string,
  args: string[],
  script?: string
): string {
  const out = execFileSync(
    'runuser',
    ['-u', user, '--', 'sbatch', '--parsable', ...args],
    {
      cwd: '/tmp',
      input: script,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 30_000
    }
  );
  const id = out.trim().split(';')[0];
  if (!/^\d+$/.test(id)) {
    throw new Error(`sbatch printed no job id: ${out}`);
  }
  slurmJobs.add(id);
  return id;
}

/** Cancels (as root) every job the tests submitted or tracked. */
export function cancelJobs(): void {
  const ids = [...slurmJobs];
  slurmJobs.clear();
  if (ids.length) {
    try {
      execFileSync('scancel', ids, { stdio: 'ignore', timeout: 30_000 });
    } catch {
      // some ended already
    }
  }
}

export interface ISqueueRow {
  displayId: string;
  jobId: string;
  state: string;
  reason: string;
  user: string;
  partition: string;
  name: string;
}

/**
 * The queue rows of the given job ids (as root, straight from squeue, not
 * through the server): what Slurm itself says. Unknown ids are left out.
 */
export function squeueRows(ids: string[]): ISqueueRow[] {
  let out = '';
  try {
    out = execFileSync(
      'squeue',
      [
        '--noheader',
        '--all',
        `--jobs=${ids.join(',')}`,
        '--Format=JobArrayID:\x1f,JobID:\x1f,State:\x1f,Reason:\x1f,UserName:\x1f,Partition:\x1f,Name:\x1e'
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 }
    );
  } catch {
    return []; // "Invalid job id specified": none of them is known any more
  }
  return out
    .split('\x1e')
    .map(r => r.replace(/^\n/, ''))
    .filter(r => r.trim())
    .map(r => {
      const [displayId, jobId, state, reason, user, partition, ...name] =
        r.split('\x1f');
      return {
        displayId,
        jobId,
        state,
        reason,
        user,
        partition,
        name: name.join('\x1f')
      };
    });
}

/** `scontrol -o show job ID` as root → its first record's fields. */
export function scontrolJob(id: string): Record<string, string> | null {
  let out: string;
  try {
    out = execFileSync('scontrol', ['-o', 'show', 'job', id], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000
    });
  } catch {
    return null;
  }
  const fields: Record<string, string> = {};
  const line = out.split(/\n(?=JobId=)/)[0];
  for (const key of [
    'JobId',
    'JobState',
    'Reason',
    'Partition',
    'TimeLimit',
    'Comment',
    'UserId',
    'WorkDir',
    'StdOut'
  ]) {
    const m = new RegExp(`(?:^| )${key}=(\\S*)`).exec(line);
    if (m) {
      fields[key] = m[1];
    }
  }
  const name = /(?:^| )JobName=([\s\S]*?) UserId=/.exec(line);
  if (name) {
    fields.JobName = name[1];
  }
  return fields;
}

/** Authorization header of a test token. */
export function tokenHeader(token: string): Record<string, string> {
  return { authorization: `token ${token}` };
}

/** A JSON request with the token. */
export function jsonRequest(
  port: number,
  token: string,
  method: string,
  path: string,
  body?: unknown
): Promise<IResponse> {
  return http({
    port,
    method,
    path,
    headers: {
      ...tokenHeader(token),
      ...(body === undefined ? {} : { 'content-type': 'application/json' })
    },
    body: body === undefined ? undefined : JSON.stringify(body)
  });
}

/**
 * A copy of the test Slurm's slurm.conf in `dir` whose controller port has no
 * listener (and MessageTimeout=2): "controller down" without stopping it.
 */
export async function deadControllerConf(dir: string): Promise<string> {
  const original = readFileSync('/etc/slurm/slurm.conf', 'utf8');
  expect(original).toMatch(/^SlurmctldPort=\d+$/m);
  expect(original).toMatch(/^MessageTimeout=\d+$/m);
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    original
      .replace(/^SlurmctldPort=\d+$/m, `SlurmctldPort=${await freePort()}`)
      .replace(/^MessageTimeout=\d+$/m, 'MessageTimeout=2')
  );
  return conf;
}
