/**
 * The meter's history: a ring buffer of fixed capacity kept as columns of
 * numbers (Float64Array, NaN for "unknown"), so an hour at 1 s costs a few
 * hundred kilobytes whatever the samples held. GPUs and MIG devices get their
 * columns when first seen, keyed by UUID.
 */

/** What the history keeps of a sample (processes are not kept). */
export interface IHistoryInput {
  time: number;
  cpu: { usedCores: number | null; limitCores: number | null };
  memory: {
    usedBytes: number | null;
    limitBytes: number | null;
    swapBytes: number | null;
  };
  oomKills: number | null;
  gpus: Array<{
    uuid: string;
    index: number;
    name: string | null;
    utilizationPct: number | null;
    memoryUsedBytes: number | null;
    memoryTotalBytes: number | null;
    migDevices?: Array<{
      uuid: string;
      profile: string | null;
      memoryUsedBytes: number | null;
      memoryTotalBytes: number | null;
    }>;
  }>;
}

type Num = number | null;

class Column {
  constructor(capacity: number) {
    this.data = new Float64Array(capacity).fill(NaN);
  }
  data: Float64Array;
}

interface IGpuColumns {
  index: number;
  name: string | null;
  memoryTotalBytes: Num;
  utilizationPct: Column;
  memoryUsedBytes: Column;
  mig: Map<
    string,
    { profile: string | null; memoryTotalBytes: Num; memoryUsedBytes: Column }
  >;
}

export interface IHistorySeries {
  /** Epoch milliseconds, oldest first; every array below is aligned on it. */
  time: number[];
  cpu: { usedCores: Num[]; limitCores: Num[] };
  memory: { usedBytes: Num[]; limitBytes: Num[]; swapBytes: Num[] };
  oomKills: Num[];
  gpus: Array<{
    uuid: string;
    index: number;
    name: string | null;
    memoryTotalBytes: Num;
    utilizationPct: Num[];
    memoryUsedBytes: Num[];
    migDevices: Array<{
      uuid: string;
      profile: string | null;
      memoryTotalBytes: Num;
      memoryUsedBytes: Num[];
    }>;
  }>;
}

const put = (col: Column, at: number, v: Num): void => {
  col.data[at] = v === null ? NaN : v;
};
const get = (col: Column, at: number): Num => {
  const v = col.data[at];
  return Number.isNaN(v) ? null : v;
};

export class History {
  constructor(readonly capacity: number) {
    const c = (): Column => new Column(capacity);
    this._time = c();
    this._cpuUsed = c();
    this._cpuLimit = c();
    this._memUsed = c();
    this._memLimit = c();
    this._swap = c();
    this._oom = c();
  }

  get size(): number {
    return Math.min(this._count, this.capacity);
  }

  push(s: IHistoryInput): void {
    const at = this._count % this.capacity;
    this._count++;
    put(this._time, at, s.time);
    put(this._cpuUsed, at, s.cpu.usedCores);
    put(this._cpuLimit, at, s.cpu.limitCores);
    put(this._memUsed, at, s.memory.usedBytes);
    put(this._memLimit, at, s.memory.limitBytes);
    put(this._swap, at, s.memory.swapBytes);
    put(this._oom, at, s.oomKills);
    const seen = new Set<string>();
    for (const g of s.gpus) {
      let cols = this._gpus.get(g.uuid);
      if (!cols) {
        cols = {
          index: g.index,
          name: g.name,
          memoryTotalBytes: g.memoryTotalBytes,
          utilizationPct: new Column(this.capacity),
          memoryUsedBytes: new Column(this.capacity),
          mig: new Map()
        };
        this._gpus.set(g.uuid, cols);
      }
      cols.name = g.name ?? cols.name;
      cols.memoryTotalBytes = g.memoryTotalBytes ?? cols.memoryTotalBytes;
      put(cols.utilizationPct, at, g.utilizationPct);
      put(cols.memoryUsedBytes, at, g.memoryUsedBytes);
      seen.add(g.uuid);
      const migSeen = new Set<string>();
      for (const m of g.migDevices ?? []) {
        let mc = cols.mig.get(m.uuid);
        if (!mc) {
          mc = {
            profile: m.profile,
            memoryTotalBytes: m.memoryTotalBytes,
            memoryUsedBytes: new Column(this.capacity)
          };
          cols.mig.set(m.uuid, mc);
        }
        mc.memoryTotalBytes = m.memoryTotalBytes ?? mc.memoryTotalBytes;
        put(mc.memoryUsedBytes, at, m.memoryUsedBytes);
        migSeen.add(m.uuid);
      }
      for (const [uuid, mc] of cols.mig) {
        if (!migSeen.has(uuid)) {
          put(mc.memoryUsedBytes, at, null);
        }
      }
    }
    // A slot is reused: GPUs absent from this sample must not keep an old value.
    for (const [uuid, cols] of this._gpus) {
      if (!seen.has(uuid)) {
        put(cols.utilizationPct, at, null);
        put(cols.memoryUsedBytes, at, null);
        for (const mc of cols.mig.values()) {
          put(mc.memoryUsedBytes, at, null);
        }
      }
    }
  }

  /** Slots holding samples at or after `sinceMs`, oldest first. */
  private _slots(sinceMs: number): number[] {
    const n = this.size;
    const first = this._count - n;
    const out: number[] = [];
    for (let k = first; k < this._count; k++) {
      const at = k % this.capacity;
      if (this._time.data[at] >= sinceMs) {
        out.push(at);
      }
    }
    return out;
  }

  series(sinceMs: number): IHistorySeries {
    const slots = this._slots(sinceMs);
    const col = (c: Column): Num[] => slots.map(at => get(c, at));
    return {
      time: slots.map(at => this._time.data[at]),
      cpu: { usedCores: col(this._cpuUsed), limitCores: col(this._cpuLimit) },
      memory: {
        usedBytes: col(this._memUsed),
        limitBytes: col(this._memLimit),
        swapBytes: col(this._swap)
      },
      oomKills: col(this._oom),
      gpus: [...this._gpus].map(([uuid, g]) => ({
        uuid,
        index: g.index,
        name: g.name,
        memoryTotalBytes: g.memoryTotalBytes,
        utilizationPct: col(g.utilizationPct),
        memoryUsedBytes: col(g.memoryUsedBytes),
        migDevices: [...g.mig].map(([muuid, m]) => ({
          uuid: muuid,
          profile: m.profile,
          memoryTotalBytes: m.memoryTotalBytes,
          memoryUsedBytes: col(m.memoryUsedBytes)
        }))
      }))
    };
  }

  /** The same, one object per sample (the API contract's `{samples}`). */
  samples(sinceMs: number): IHistoryInput[] {
    const s = this.series(sinceMs);
    return s.time.map((time, i) => ({
      time,
      cpu: { usedCores: s.cpu.usedCores[i], limitCores: s.cpu.limitCores[i] },
      memory: {
        usedBytes: s.memory.usedBytes[i],
        limitBytes: s.memory.limitBytes[i],
        swapBytes: s.memory.swapBytes[i]
      },
      oomKills: s.oomKills[i],
      gpus: s.gpus.map(g => ({
        uuid: g.uuid,
        index: g.index,
        name: g.name,
        utilizationPct: g.utilizationPct[i],
        memoryUsedBytes: g.memoryUsedBytes[i],
        memoryTotalBytes: g.memoryTotalBytes,
        ...(g.migDevices.length
          ? {
              migDevices: g.migDevices.map(m => ({
                uuid: m.uuid,
                profile: m.profile,
                memoryUsedBytes: m.memoryUsedBytes[i],
                memoryTotalBytes: m.memoryTotalBytes
              }))
            }
          : {})
      }))
    }));
  }

  private _count = 0;
  private _time: Column;
  private _cpuUsed: Column;
  private _cpuLimit: Column;
  private _memUsed: Column;
  private _memLimit: Column;
  private _swap: Column;
  private _oom: Column;
  private _gpus = new Map<string, IGpuColumns>();
}
