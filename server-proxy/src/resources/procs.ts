/**
 * The process tree of the user's session (the Jupyter server and its
 * kernels: the descendants of a root pid), from /proc. One pass over
 * `/proc/[0-9]*\/stat` builds the parent map (ppid, CPU ticks, RSS); only the
 * heaviest few get their command line and PSS (`smaps_rollup`, which walks
 * page tables) read. Synchronous reads: a few hundred small /proc files cost
 * less CPU than the same number of thread-pool round trips.
 */
import {
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync
} from 'node:fs';
import { join } from 'node:path';

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLK_TCK = 100;

export interface IStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime, clock ticks. */
  ticks: number;
  starttime: number;
  rssPages: number;
  threads: number;
}

/** One `/proc/<pid>/stat` line (comm may hold spaces and parentheses). */
export function parseStat(text: string): IStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) {
    return null;
  }
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state): field n is f[n - 3].
  const pid = Number(text.slice(0, open).trim());
  const ppid = Number(f[1]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid)) {
    return null;
  }
  return {
    pid,
    comm: text.slice(open + 1, close),
    ppid,
    ticks: Number(f[11]) + Number(f[12]),
    starttime: Number(f[19]),
    rssPages: Number(f[21]),
    threads: Number(f[17])
  };
}

/** `Pss:` of `smaps_rollup`, bytes. */
export function parsePss(text: string | null): number | null {
  const m = /^Pss:\s+(\d+) kB/m.exec(text ?? '');
  return m ? Number(m[1]) * 1024 : null;
}

export interface IProcessInfo {
  pid: number;
  ppid: number;
  name: string;
  /** The command line, secrets (token=..., password=...) masked, cut at 300 characters. */
  command: string;
  /** Jupyter kernel id when the command names a connection file `kernel-<id>.json`. */
  kernelId: string | null;
  /** `ipykernel` (or the launcher's module) for kernels, else null. */
  kernel: string | null;
  rssBytes: number;
  /** Proportional set size, when smaps_rollup is readable (else null: use RSS). */
  pssBytes: number | null;
  /** Cores used since the previous scan; null on the first. */
  cpuCores: number | null;
}

export interface IProcessSample {
  rootPid: number;
  /** Processes in the tree, the root included. */
  count: number;
  totalRssBytes: number;
  top: IProcessInfo[];
}

/** Masks the values of secret-looking options of a command line. */
export function describeCommand(argv: string[]): {
  command: string;
  kernelId: string | null;
  kernel: string | null;
} {
  const masked = argv.map(a =>
    a.replace(/((?:token|password|secret|key)[A-Za-z_]*=)\S+/gi, '$1***')
  );
  let command = masked.join(' ');
  if (command.length > 300) {
    command = `${command.slice(0, 299)}…`;
  }
  let kernelId: string | null = null;
  for (const a of argv) {
    const m = /kernel-([0-9a-f][0-9a-f-]{7,})\.json$/i.exec(a);
    if (m) {
      kernelId = m[1];
    }
  }
  let kernel: string | null = null;
  if (kernelId) {
    const mi = argv.indexOf('-m');
    kernel =
      mi >= 0 && argv[mi + 1]
        ? argv[mi + 1].replace(/_launcher$/, '')
        : (argv[0]?.split('/').pop() ?? null);
  }
  return { command, kernelId, kernel };
}

export interface IProcessScannerOptions {
  /** The /proc to read (tests: a recorded one). */
  procDir?: string;
  /** How many of the heaviest processes to describe. */
  top?: number;
  pageSize?: number;
}

/** Scans the tree below a root pid; remembers CPU ticks between scans. */
export class ProcessScanner {
  constructor(options: IProcessScannerOptions = {}) {
    this._proc = options.procDir ?? '/proc';
    this._top = options.top ?? 10;
    this._pageSize = options.pageSize ?? 4096;
  }

  private _read(path: string): string | null {
    try {
      return readFileSync(join(this._proc, path), 'utf8');
    } catch {
      return null;
    }
  }

  /**
   * A small /proc file (stat, children) through one reused buffer: open,
   * read, close and nothing else, the bulk of a scan's cost.
   */
  private _readSmall(path: string): string | null {
    let fd: number;
    try {
      fd = openSync(`${this._proc}/${path}`, 'r');
    } catch {
      return null;
    }
    try {
      let n = 0;
      for (;;) {
        const got = readSync(fd, this._buf, n, this._buf.length - n, null);
        n += got;
        if (got === 0 || n === this._buf.length) {
          break;
        }
      }
      return this._buf.toString('latin1', 0, n);
    } catch {
      return null;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The tree from the root down through `/proc/<pid>/task/<tid>/children`
   * (cost proportional to the tree, not to the machine: login nodes run
   * thousands of other processes); null when the kernel lacks those files.
   */
  private _walk(rootPid: number): IStat[] | null {
    const root = parseStat(this._readSmall(`${rootPid}/stat`) ?? '');
    if (!root) {
      return [];
    }
    if (this._readSmall(`${rootPid}/task/${rootPid}/children`) === null) {
      return null;
    }
    const tree: IStat[] = [];
    const frontier: IStat[] = [root];
    while (frontier.length) {
      const stat = frontier.pop() as IStat;
      tree.push(stat);
      let tids = [String(stat.pid)];
      if (stat.threads > 1) {
        try {
          tids = readdirSync(join(this._proc, String(stat.pid), 'task'));
        } catch {
          continue; // exited meanwhile
        }
      }
      for (const tid of tids) {
        const text = this._readSmall(`${stat.pid}/task/${tid}/children`) ?? '';
        for (const child of text.split(' ')) {
          if (child) {
            const c = parseStat(this._readSmall(`${child}/stat`) ?? '');
            if (c) {
              frontier.push(c);
            }
          }
        }
      }
    }
    return tree;
  }

  /** The tree from one pass over every `/proc/<pid>/stat` (the fallback). */
  private _scanAll(rootPid: number): IStat[] {
    const byPid = new Map<number, IStat>();
    const children = new Map<number, number[]>();
    let names: string[] = [];
    try {
      names = readdirSync(this._proc);
    } catch {
      // no /proc: an empty tree
    }
    for (const name of names) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) {
        continue;
      }
      const stat = parseStat(this._readSmall(`${name}/stat`) ?? '');
      if (!stat) {
        continue; // exited meanwhile
      }
      byPid.set(stat.pid, stat);
      const list = children.get(stat.ppid);
      if (list) {
        list.push(stat.pid);
      } else {
        children.set(stat.ppid, [stat.pid]);
      }
    }
    const tree: IStat[] = [];
    const frontier = byPid.has(rootPid) ? [rootPid] : [];
    while (frontier.length) {
      const pid = frontier.pop() as number;
      tree.push(byPid.get(pid) as IStat);
      for (const child of children.get(pid) ?? []) {
        frontier.push(child);
      }
    }
    return tree;
  }

  /** The tree below `rootPid` (included): sizes, CPU, the heaviest described. */
  scan(rootPid: number, nowMs: number, fullScan = false): IProcessSample {
    const tree =
      (fullScan ? null : this._walk(rootPid)) ?? this._scanAll(rootPid);
    const elapsed = (nowMs - this._lastScanMs) / 1000;
    const ticks = new Map<string, number>();
    const cpuOf = (s: IStat): number | null => {
      const key = `${s.pid}:${s.starttime}`;
      ticks.set(key, s.ticks);
      const before = this._ticks.get(key);
      return before === undefined || elapsed <= 0 || s.ticks < before
        ? null
        : (s.ticks - before) / CLK_TCK / elapsed;
    };
    let totalRss = 0;
    const cpu = new Map<number, number | null>();
    for (const s of tree) {
      totalRss += s.rssPages * this._pageSize;
      cpu.set(s.pid, cpuOf(s));
    }
    this._ticks = ticks;
    this._lastScanMs = nowMs;
    const heaviest = [...tree]
      .sort((a, b) => b.rssPages - a.rssPages)
      .slice(0, this._top);
    const top = heaviest.map(s => {
      const argv = (this._read(`${s.pid}/cmdline`) ?? '')
        .split('\0')
        .filter(Boolean);
      const described = describeCommand(argv.length ? argv : [s.comm]);
      return {
        pid: s.pid,
        ppid: s.ppid,
        name: s.comm,
        ...described,
        rssBytes: s.rssPages * this._pageSize,
        pssBytes: parsePss(this._read(`${s.pid}/smaps_rollup`)),
        cpuCores: cpu.get(s.pid) ?? null
      };
    });
    top.sort((a, b) => (b.pssBytes ?? b.rssBytes) - (a.pssBytes ?? a.rssBytes));
    return { rootPid, count: tree.length, totalRssBytes: totalRss, top };
  }

  private _proc: string;
  private _top: number;
  private _pageSize: number;
  private _ticks = new Map<string, number>();
  private _buf = Buffer.alloc(64 << 10);
  private _lastScanMs = 0;
}
