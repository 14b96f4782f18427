/**
 * Memory and CPU of the cgroup the server runs in, cgroup v1 or v2 (or a
 * hybrid of both, controller by controller), against the effective limit
 * found by walking up the hierarchy. Every file is read under an injectable
 * root so tests run on recorded trees (test/fixtures/cgroup/). A missing or
 * unreadable file is "unknown" (null), never 0.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** v1 reports "no limit" as 2^63 rounded down to a page; anything this big is none. */
const UNLIMITED_FROM = 2 ** 62;

export interface IProcCgroupLine {
  id: number;
  controllers: string[];
  path: string;
}

/** `/proc/<pid>/cgroup` → one entry per hierarchy (`0::/path` is v2). */
export function parseProcCgroup(text: string): IProcCgroupLine[] {
  const out: IProcCgroupLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (m) {
      out.push({
        id: Number(m[1]),
        controllers: m[2] ? m[2].split(',') : [],
        path: m[3]
      });
    }
  }
  return out;
}

export interface IMount {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** The cgroup mounts of `/proc/<pid>/mountinfo`. */
export function parseMountinfo(text: string): IMount[] {
  const out: IMount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) {
      continue;
    }
    const f = left.split(' ');
    const [fsType, , options] = right.split(' ');
    if (fsType === 'cgroup' || fsType === 'cgroup2') {
      out.push({
        root: unescapeMount(f[3]),
        mountPoint: unescapeMount(f[4]),
        fsType,
        superOptions: (options ?? '').split(',')
      });
    }
  }
  return out;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) =>
    String.fromCharCode(parseInt(o, 8))
  );
}

/** `0-3,8,10-11` → 7. */
export function countCpuList(text: string | null): number | null {
  if (text === null || !text.trim()) {
    return null;
  }
  let n = 0;
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) {
      return null;
    }
    n += m[2] ? Number(m[2]) - Number(m[1]) + 1 : 1;
  }
  return n;
}

/** `key value` lines (memory.stat, cpu.stat, memory.events, memory.oom_control). */
export function parseKeyValues(text: string | null): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\S+)\s+(-?\d+)$/.exec(line.trim());
    if (m) {
      map.set(m[1], Number(m[2]));
    }
  }
  return map;
}

/** A limit file's value: a number of bytes, or null for "max" / the v1 sentinel. */
export function parseLimit(text: string | null): number | null | undefined {
  if (text === null) {
    return undefined; // no such file
  }
  const t = text.trim();
  if (t === 'max' || t === '-1') {
    return null;
  }
  const n = Number(t);
  if (!/^\d+$/.test(t) || n >= UNLIMITED_FROM) {
    return null;
  }
  return n;
}

/** A controller's cgroup: its directory and the top of its mount (where walking stops). */
export interface ILocation {
  version: 1 | 2;
  /** The cgroup's path inside the hierarchy, e.g. `/slurm/uid_1000/job_12`. */
  path: string;
  dir: string;
  top: string;
}

export interface ILocations {
  memory: ILocation | null;
  cpu: ILocation | null;
  cpuacct: ILocation | null;
  cpuset: ILocation | null;
}

export interface IMemoryReading {
  version: 1 | 2 | null;
  /** The cgroup whose usage is reported: the one carrying the binding limit, else the process's own. */
  path: string | null;
  usedBytes: number | null;
  /** Usage including page cache (`memory.current` / `usage_in_bytes`). */
  usageBytes: number | null;
  limitBytes: number | null;
  /** Where the limit was found (an ancestor when the leaf says "max"). */
  limitPath: string | null;
  nodeTotalBytes: number | null;
  peakBytes: number | null;
  swapBytes: number | null;
  oomKills: number | null;
}

export interface ICpuReading {
  version: 1 | 2 | null;
  path: string | null;
  /** Cumulative CPU time of the cgroup, nanoseconds. */
  usageNs: number | null;
  /** From the CFS quota (walking up) and the cpuset, whichever is tighter. */
  limitCores: number | null;
  limitFrom: 'quota' | 'cpuset' | null;
  nrPeriods: number | null;
  nrThrottled: number | null;
}

export interface ICgroupReaderOptions {
  /** Prepended to every absolute path read (tests: a recorded tree). */
  root?: string;
  /** Whose cgroup: a pid, or `self`. */
  pid?: number | 'self';
}

/** Reads one process's cgroups; cheap enough to call every second. */
export class CgroupReader {
  constructor(options: ICgroupReaderOptions = {}) {
    this._root = options.root ?? '/';
    this._pid = options.pid ?? 'self';
  }

  /** Reads a file under the root; null when missing or unreadable. */
  read(path: string): string | null {
    try {
      return readFileSync(join(this._root, path), 'utf8');
    } catch {
      return null;
    }
  }

  private _exists(dir: string): boolean {
    try {
      readdirSync(join(this._root, dir));
      return true;
    } catch {
      return false;
    }
  }

  /** Where each controller's cgroup is (re-read: a process may be moved). */
  locate(): ILocations {
    const lines = parseProcCgroup(this.read(`/proc/${this._pid}/cgroup`) ?? '');
    const mounts = parseMountinfo(
      this.read(`/proc/${this._pid}/mountinfo`) ?? ''
    );
    const v2Line = lines.find(l => l.id === 0 && l.controllers.length === 0);
    const v2Mount = mounts.find(m => m.fsType === 'cgroup2');
    const v2Controllers = v2Mount
      ? (this.read(posix.join(v2Mount.mountPoint, 'cgroup.controllers')) ?? '')
          .trim()
          .split(/\s+/)
      : [];
    const find = (controller: string, v2Name: string): ILocation | null => {
      const line = lines.find(l => l.controllers.includes(controller));
      const mount = mounts.find(
        m => m.fsType === 'cgroup' && m.superOptions.includes(controller)
      );
      if (line && mount) {
        return this._place(1, line.path, mount);
      }
      // v2: cpu.stat's usage is there even without the cpu controller.
      if (
        v2Line &&
        v2Mount &&
        (v2Controllers.includes(v2Name) || controller === 'cpuacct')
      ) {
        return this._place(2, v2Line.path, v2Mount);
      }
      return null;
    };
    return {
      memory: find('memory', 'memory'),
      cpu: find('cpu', 'cpu'),
      cpuacct: find('cpuacct', 'cpu'),
      cpuset: find('cpuset', 'cpuset')
    };
  }

  private _place(version: 1 | 2, path: string, mount: IMount): ILocation {
    // Without a cgroup namespace the path includes the mount's root; with
    // one (containers) it is relative to it already.
    let rel = path;
    if (
      mount.root !== '/' &&
      (rel === mount.root || rel.startsWith(`${mount.root}/`))
    ) {
      rel = rel.slice(mount.root.length) || '/';
    }
    let dir = posix.join(mount.mountPoint, rel);
    if (!this._exists(dir)) {
      // A path from another namespace: the mount itself is our cgroup.
      dir = mount.mountPoint;
    }
    return { version, path, dir, top: mount.mountPoint };
  }

  /** The cgroup directories from `loc` up to its mount, leaf first. */
  private _chain(loc: ILocation): string[] {
    const chain = [loc.dir];
    let dir = loc.dir;
    while (dir !== loc.top && dir.length > loc.top.length) {
      dir = posix.dirname(dir);
      chain.push(dir);
    }
    return chain;
  }

  private _num(path: string): number | null {
    const t = this.read(path)?.trim();
    return t !== undefined && /^-?\d+$/.test(t) ? Number(t) : null;
  }

  private _pathOf(loc: ILocation, dir: string): string {
    return dir.slice(loc.top.length) || '/';
  }

  /** `/proc/meminfo` MemTotal and MemAvailable, bytes. */
  meminfo(): { total: number | null; available: number | null } {
    const text = this.read('/proc/meminfo') ?? '';
    const kb = (key: string): number | null => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
      return m ? Number(m[1]) * 1024 : null;
    };
    return { total: kb('MemTotal'), available: kb('MemAvailable') };
  }

  memory(locations = this.locate()): IMemoryReading {
    const node = this.meminfo();
    const loc = locations.memory;
    const empty: IMemoryReading = {
      version: null,
      path: null,
      usedBytes:
        node.total !== null && node.available !== null
          ? node.total - node.available
          : null,
      usageBytes: null,
      limitBytes: null,
      limitPath: null,
      nodeTotalBytes: node.total,
      peakBytes: null,
      swapBytes: null,
      oomKills: null
    };
    if (!loc) {
      return empty;
    }
    const v1 = loc.version === 1;
    const limitFile = v1 ? 'memory.limit_in_bytes' : 'memory.max';
    // The tightest finite limit on the way up is the one the OOM killer uses.
    let limit: number | null = null;
    let limitDir: string | null = null;
    for (const dir of this._chain(loc)) {
      const l = parseLimit(this.read(posix.join(dir, limitFile)));
      if (typeof l === 'number' && (limit === null || l < limit)) {
        limit = l;
        limitDir = dir;
      }
    }
    // A limit above the node's memory never binds.
    if (limit !== null && node.total !== null && limit >= node.total) {
      limit = null;
      limitDir = null;
    }
    const dir = limitDir ?? loc.dir;
    const f = (name: string): string => posix.join(dir, name);
    const usage = this._num(f(v1 ? 'memory.usage_in_bytes' : 'memory.current'));
    if (usage === null) {
      // The v2 root has no memory.current: the node's numbers are the truth.
      return { ...empty, version: loc.version, path: loc.path };
    }
    const stat = parseKeyValues(this.read(f('memory.stat')));
    const inactive = v1
      ? (stat.get('total_inactive_file') ?? stat.get('inactive_file'))
      : stat.get('inactive_file');
    let swap: number | null;
    if (v1) {
      const memsw = this._num(f('memory.memsw.usage_in_bytes'));
      swap = memsw === null ? null : Math.max(0, memsw - usage);
    } else {
      swap = this._num(f('memory.swap.current'));
    }
    // OOM kills of the process's own cgroup: v1 counts a kill in the
    // victim's cgroup even when an ancestor's limit was hit (recorded in
    // test/fixtures/cgroup/v1-nested); v2's memory.events covers descendants.
    const events = parseKeyValues(
      this.read(
        posix.join(loc.dir, v1 ? 'memory.oom_control' : 'memory.events')
      )
    );
    return {
      version: loc.version,
      path: this._pathOf(loc, dir),
      usedBytes: Math.max(0, usage - (inactive ?? 0)),
      usageBytes: usage,
      limitBytes: limit,
      limitPath: limitDir === null ? null : this._pathOf(loc, limitDir),
      nodeTotalBytes: node.total,
      peakBytes: this._num(f(v1 ? 'memory.max_usage_in_bytes' : 'memory.peak')),
      swapBytes: swap,
      oomKills: events.get('oom_kill') ?? null
    };
  }

  cpu(locations = this.locate()): ICpuReading {
    const acct = locations.cpuacct;
    const cpu = locations.cpu;
    let usageNs: number | null = null;
    let nrPeriods: number | null = null;
    let nrThrottled: number | null = null;
    if (acct?.version === 1) {
      usageNs = this._num(posix.join(acct.dir, 'cpuacct.usage'));
    } else if (acct?.version === 2) {
      const stat = parseKeyValues(this.read(posix.join(acct.dir, 'cpu.stat')));
      const usec = stat.get('usage_usec');
      usageNs = usec === undefined ? null : usec * 1000;
    }
    let quota: number | null = null;
    let quotaDir: string | null = null;
    if (cpu) {
      for (const dir of this._chain(cpu)) {
        let q: number | null = null;
        if (cpu.version === 1) {
          const max = this._num(posix.join(dir, 'cpu.cfs_quota_us'));
          const period = this._num(posix.join(dir, 'cpu.cfs_period_us'));
          q = max !== null && max > 0 && period ? max / period : null;
        } else {
          const m = /^(\d+)\s+(\d+)/.exec(
            this.read(posix.join(dir, 'cpu.max')) ?? ''
          );
          q = m && Number(m[2]) ? Number(m[1]) / Number(m[2]) : null;
        }
        if (q !== null && (quota === null || q < quota)) {
          quota = q;
          quotaDir = dir;
        }
      }
      // Throttling is counted where the binding quota is.
      const stat = parseKeyValues(
        this.read(posix.join(quotaDir ?? cpu.dir, 'cpu.stat'))
      );
      nrPeriods = stat.get('nr_periods') ?? null;
      nrThrottled = stat.get('nr_throttled') ?? null;
    }
    let cpus: number | null = null;
    const set = locations.cpuset;
    if (set) {
      const names =
        set.version === 1
          ? ['cpuset.effective_cpus', 'cpuset.cpus']
          : ['cpuset.cpus.effective'];
      // The leaf's effective set already reflects its ancestors; a v2 leaf
      // without the controller enabled has no file: ask the nearest parent.
      for (const dir of this._chain(set)) {
        for (const name of names) {
          cpus ??= countCpuList(this.read(posix.join(dir, name)));
        }
        if (cpus !== null) {
          break;
        }
      }
    }
    const limitCores =
      quota !== null && (cpus === null || quota < cpus) ? quota : cpus;
    return {
      version: acct?.version ?? null,
      path: acct?.path ?? null,
      usageNs,
      limitCores,
      limitFrom:
        limitCores === null ? null : limitCores === quota ? 'quota' : 'cpuset',
      nrPeriods,
      nrThrottled
    };
  }

  private _root: string;
  private _pid: number | 'self';
}

/** cgroup version of the server's memory accounting, for api/version. */
export function detectCgroup(reader = new CgroupReader()): {
  version: 1 | 2 | null;
  memoryPath: string | null;
} {
  const loc = reader.locate().memory;
  return { version: loc?.version ?? null, memoryPath: loc?.path ?? null };
}
