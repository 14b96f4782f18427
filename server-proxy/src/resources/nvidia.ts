/**
 * Pure parsers of nvidia-smi output (tested on real captures in
 * test/fixtures/nvidia-smi/): `-L`, `--help-query-gpu`, `--query-gpu` CSV
 * (with or without units), `-q -x` (schemas v10–v13) and, as a fallback for
 * MIG memory, the text of `-q`. Every placeholder (`[N/A]`, `N/A`, empty,
 * `[Not Supported]`, `[Unknown Error]`, ...) is null ("unknown"), never 0.
 */

const MIB = 1 << 20;

/** The fields asked of `--query-gpu`, in this order, when the driver knows them. */
export const WANTED_FIELDS = [
  'index',
  'uuid',
  'name',
  'pci.bus_id',
  'utilization.gpu',
  'utilization.memory',
  'memory.total',
  'memory.used',
  'temperature.gpu',
  'power.draw',
  'power.limit',
  'mig.mode.current'
] as const;

/** Without these a row can't be keyed or shown. */
export const REQUIRED_FIELDS = ['index', 'uuid'];

/** `nvidia-smi --help-query-gpu` → every field name it documents (aliases too). */
export function parseHelpQueryGpu(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('"')) {
      continue;
    }
    for (const m of line.matchAll(/"([a-z0-9_.]+)"/gi)) {
      names.add(m[1]);
    }
  }
  return names;
}

/** The wanted fields this driver knows (one unknown field fails the whole query). */
export function chooseFields(known: Set<string>): string[] | null {
  const fields = WANTED_FIELDS.filter(f => known.has(f));
  return REQUIRED_FIELDS.every(f => fields.includes(f as never))
    ? [...fields]
    : null;
}

/**
 * One CSV cell as a number, or null for any placeholder. Units are stripped
 * (`81559 MiB`, `35 %`, `433.78 W`), so `--format=csv` and `nounits` parse alike.
 */
export function cellNumber(cell: string | undefined): number | null {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(?:MiB|KiB|GiB|%|W|MHz|C|us)?\s*$/.exec(
    cell ?? ''
  );
  return m ? Number(m[1]) : null;
}

/** One CSV cell as text, or null for a placeholder. */
export function cellText(cell: string | undefined): string | null {
  const t = (cell ?? '').trim();
  if (
    !t ||
    /^\[.*\]$/.test(t) || // [N/A], [Not Supported], [Unknown Error], ...
    /^(N\/A|None|Unknown Error|Not Supported)$/i.test(t) ||
    /^Requested functionality has been deprecated$/i.test(t)
  ) {
    return null;
  }
  return t;
}

export interface IGpuRow {
  index: number;
  uuid: string;
  name: string | null;
  busId: string | null;
  utilizationPct: number | null;
  memoryUtilizationPct: number | null;
  memoryTotalBytes: number | null;
  memoryUsedBytes: number | null;
  temperatureC: number | null;
  powerW: number | null;
  powerLimitW: number | null;
  migMode: string | null;
}

/** Splits a CSV line of nvidia-smi (`", "` separated, cells may be padded). */
function splitCsv(line: string, count: number): string[] | null {
  let cells = line.split(', ');
  if (cells.length !== count) {
    cells = line.split(',');
  }
  return cells.length === count ? cells.map(c => c.trim()) : null;
}

/**
 * One `--query-gpu` line for `fields` (the order they were asked in) → a row,
 * or null for a line that isn't one (a header, a message, a torn line).
 */
export function parseQueryGpuLine(
  line: string,
  fields: readonly string[]
): IGpuRow | null {
  const cells = splitCsv(line, fields.length);
  if (!cells) {
    return null;
  }
  const get = (f: string): string | undefined => {
    const i = fields.indexOf(f);
    return i < 0 ? undefined : cells[i];
  };
  const index = cellNumber(get('index'));
  const uuid = cellText(get('uuid'));
  if (index === null || !uuid || !/^GPU-/.test(uuid)) {
    return null;
  }
  const mib = (f: string): number | null => {
    const v = cellNumber(get(f));
    return v === null ? null : v * MIB;
  };
  return {
    index,
    uuid,
    name: cellText(get('name')),
    busId: cellText(get('pci.bus_id')),
    utilizationPct: cellNumber(get('utilization.gpu')),
    memoryUtilizationPct: cellNumber(get('utilization.memory')),
    memoryTotalBytes: mib('memory.total'),
    memoryUsedBytes: mib('memory.used'),
    temperatureC: cellNumber(get('temperature.gpu')),
    powerW: cellNumber(get('power.draw')),
    powerLimitW: cellNumber(get('power.limit')),
    migMode: cellText(get('mig.mode.current'))
  };
}

/** Every row of a `--query-gpu` output (header lines, if any, are skipped). */
export function parseQueryGpu(
  text: string,
  fields: readonly string[]
): IGpuRow[] {
  return text
    .split('\n')
    .map(line => parseQueryGpuLine(line, fields))
    .filter((row): row is IGpuRow => row !== null);
}

export interface IMigListing {
  /** Position among the MIG devices of its GPU (`Device  k`). */
  index: number;
  /** e.g. `3g.40gb`; null for the legacy form. */
  profile: string | null;
  uuid: string;
  /** From the legacy `MIG-GPU-<uuid>/<gi>/<ci>` form only. */
  gpuInstanceId: number | null;
  computeInstanceId: number | null;
}

export interface IGpuListing {
  /** Position in `-L` (what CUDA_VISIBLE_DEVICES indices count). */
  index: number;
  name: string;
  uuid: string;
  mig: IMigListing[];
}

/** `nvidia-smi -L` → GPUs with their MIG devices. */
export function parseListing(text: string): IGpuListing[] {
  const gpus: IGpuListing[] = [];
  for (const line of text.split('\n')) {
    const gpu = /^GPU (\d+): (.*?) \(UUID: (GPU-[^)\s]+)\)/.exec(line);
    if (gpu) {
      gpus.push({ index: Number(gpu[1]), name: gpu[2], uuid: gpu[3], mig: [] });
      continue;
    }
    const mig = /^\s+MIG (\S+)\s+Device\s+(\d+): \(UUID: (MIG-[^)\s]+)\)/.exec(
      line
    );
    const parent = gpus[gpus.length - 1];
    if (mig && parent) {
      const legacy = /^MIG-GPU-[^/]+\/(\d+)\/(\d+)$/.exec(mig[3]);
      parent.mig.push({
        index: Number(mig[2]),
        profile: legacy ? null : mig[1],
        uuid: mig[3],
        gpuInstanceId: legacy ? Number(legacy[1]) : null,
        computeInstanceId: legacy ? Number(legacy[2]) : null
      });
    }
  }
  return gpus;
}

export interface IVisibility {
  /** Visible GPU UUIDs → which of their MIG devices (`all`, or a set of UUIDs). */
  gpus: Map<string, 'all' | Set<string>>;
}

/**
 * Which devices `CUDA_VISIBLE_DEVICES` lets the user's programs see. Unset:
 * all; empty: none; otherwise indices (positions in `-L`), `GPU-` UUIDs or
 * prefixes, `MIG-` UUIDs or the legacy `MIG-GPU-<uuid>/<gi>/<ci>`. As CUDA
 * does, an entry that matches nothing hides itself and everything after it.
 */
export function visibleDevices(
  value: string | undefined,
  listing: IGpuListing[]
): IVisibility {
  const gpus = new Map<string, 'all' | Set<string>>();
  if (value === undefined) {
    for (const g of listing) {
      gpus.set(g.uuid, 'all');
    }
    return { gpus };
  }
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (!entry) {
      break;
    }
    let matched = false;
    if (/^\d+$/.test(entry)) {
      const g = listing[Number(entry)];
      if (g) {
        gpus.set(g.uuid, 'all');
        matched = true;
      }
    } else if (/^GPU-/i.test(entry)) {
      const hits = listing.filter(g =>
        g.uuid.toLowerCase().startsWith(entry.toLowerCase())
      );
      if (hits.length === 1) {
        gpus.set(hits[0].uuid, 'all');
        matched = true;
      }
    } else if (/^MIG-/i.test(entry)) {
      for (const g of listing) {
        const m = g.mig.find(d =>
          d.uuid.toLowerCase().startsWith(entry.toLowerCase())
        );
        if (m) {
          const set = gpus.get(g.uuid);
          if (set !== 'all') {
            gpus.set(g.uuid, new Set([...(set ?? []), m.uuid]));
          }
          matched = true;
          break;
        }
      }
    }
    if (!matched) {
      break;
    }
  }
  return { gpus };
}

// ---- -q -x (XML) ---------------------------------------------------------

/** Inner text of every `<tag ...>...</tag>` in `xml` (not nested in itself). */
function elements(xml: string, tag: string): string[] {
  const re = new RegExp(
    `<${tag}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${tag}>)`,
    'g'
  );
  return [...xml.matchAll(re)].map(m => m[1] ?? '');
}

function element(xml: string, ...path: string[]): string | undefined {
  let current: string | undefined = xml;
  for (const tag of path) {
    if (current === undefined) {
      return undefined;
    }
    current = elements(current, tag)[0];
  }
  return current;
}

/** An XML value (`19968 MiB`, `36 C`, ` 40 % `) as a number; `N/A` → null. */
export function xmlNumber(text: string | undefined): number | null {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(MiB|KiB|GiB|%|W|C|MHz)?\s*$/.exec(
    text ?? ''
  );
  if (!m) {
    return null;
  }
  const n = Number(m[1]);
  return m[2] === 'MiB'
    ? n * MIB
    : m[2] === 'KiB'
      ? n * 1024
      : m[2] === 'GiB'
        ? n * 1024 * MIB
        : n;
}

function xmlText(text: string | undefined): string | null {
  const t = (text ?? '').trim();
  return cellText(t);
}

export interface IMigDetail {
  index: number;
  gpuInstanceId: number | null;
  computeInstanceId: number | null;
  memoryTotalBytes: number | null;
  memoryUsedBytes: number | null;
}

export interface IXmlProcess {
  pid: number;
  name: string | null;
  usedMemoryBytes: number | null;
  gpuInstanceId: number | null;
  computeInstanceId: number | null;
}

export interface IXmlGpu {
  busId: string | null;
  uuid: string | null;
  name: string | null;
  minorNumber: number | null;
  migMode: string | null;
  utilizationPct: number | null;
  memoryTotalBytes: number | null;
  memoryUsedBytes: number | null;
  temperatureC: number | null;
  powerW: number | null;
  migDevices: IMigDetail[];
  processes: IXmlProcess[];
}

export interface IXmlLog {
  /** From the DOCTYPE: `nvsmi_device_v12.dtd` → 12. */
  schema: number | null;
  driverVersion: string | null;
  gpus: IXmlGpu[];
}

function migDetail(block: string): IMigDetail {
  const mem = element(block, 'fb_memory_usage');
  return {
    index: xmlNumber(element(block, 'index')) ?? 0,
    gpuInstanceId: xmlNumber(element(block, 'gpu_instance_id')),
    computeInstanceId: xmlNumber(element(block, 'compute_instance_id')),
    memoryTotalBytes: xmlNumber(element(mem ?? '', 'total')),
    memoryUsedBytes: xmlNumber(element(mem ?? '', 'used'))
  };
}

/** The power draw under each schema: v11 `power_readings`, v12 `gpu_power_readings`, v13 average/instant. */
function xmlPower(gpu: string): number | null {
  for (const path of [
    ['power_readings', 'power_draw'],
    ['gpu_power_readings', 'power_draw'],
    ['gpu_power_readings', 'average_power_draw'],
    ['gpu_power_readings', 'instant_power_draw']
  ]) {
    const v = xmlNumber(element(gpu, ...path));
    if (v !== null) {
      return v;
    }
  }
  return null;
}

/** `nvidia-smi -q -x` → per GPU: identity, memory, MIG devices, processes. */
export function parseQueryXml(xml: string): IXmlLog | null {
  if (!/<nvidia_smi_log>/.test(xml)) {
    return null;
  }
  const schema = /nvsmi_device_v(\d+)\.dtd/.exec(xml);
  const gpus: IXmlGpu[] = [];
  for (const m of xml.matchAll(/<gpu\s+id="([^"]*)"\s*>([\s\S]*?)<\/gpu>/g)) {
    const full = m[2];
    // GPU-level fields must not be read inside a MIG device or a process.
    const own = full
      .replace(/<mig_devices>[\s\S]*?<\/mig_devices>/, '')
      .replace(/<processes>[\s\S]*?<\/processes>/, '');
    const mem = element(own, 'fb_memory_usage') ?? '';
    const migBlock = element(full, 'mig_devices') ?? '';
    const procBlock = element(full, 'processes') ?? '';
    gpus.push({
      busId: m[1] || null,
      uuid: xmlText(element(own, 'uuid')),
      name: xmlText(element(own, 'product_name')),
      minorNumber: xmlNumber(element(own, 'minor_number')),
      migMode: xmlText(element(own, 'mig_mode', 'current_mig')),
      utilizationPct: xmlNumber(element(own, 'utilization', 'gpu_util')),
      memoryTotalBytes: xmlNumber(element(mem, 'total')),
      memoryUsedBytes: xmlNumber(element(mem, 'used')),
      temperatureC: xmlNumber(element(own, 'temperature', 'gpu_temp')),
      powerW: xmlPower(own),
      migDevices: elements(migBlock, 'mig_device').map(migDetail),
      processes: elements(procBlock, 'process_info').map(p => ({
        pid: xmlNumber(element(p, 'pid')) ?? 0,
        name: xmlText(element(p, 'process_name')),
        usedMemoryBytes: xmlNumber(element(p, 'used_memory')),
        gpuInstanceId: xmlNumber(element(p, 'gpu_instance_id')),
        computeInstanceId: xmlNumber(element(p, 'compute_instance_id'))
      }))
    });
  }
  return {
    schema: schema ? Number(schema[1]) : null,
    driverVersion: xmlText(element(xml, 'driver_version')),
    gpus
  };
}

// ---- -q (text), the fallback for MIG memory -------------------------------

/**
 * The MIG devices of each GPU from the text of `nvidia-smi -q`, keyed by GPU
 * UUID (the text prints `GPU UUID` after the MIG blocks). Used when `-q -x`
 * fails: the same numbers, another layout.
 */
export function parseQueryTextMig(text: string): Map<string, IMigDetail[]> {
  const out = new Map<string, IMigDetail[]>();
  const sections = text
    .split(/^GPU [0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:/m)
    .slice(1);
  for (const section of sections) {
    const uuid = /^\s+(?:GPU )?UUID\s+: (GPU-\S+)/m.exec(section)?.[1];
    if (!uuid) {
      continue;
    }
    const devices: IMigDetail[] = [];
    for (const block of section.split(/^ {4}MIG Device\s*$/m).slice(1)) {
      const value = (re: RegExp): number | null =>
        xmlNumber(re.exec(block)?.[1]);
      // Only this block: it ends where the next 4-space key starts.
      const body = block.split(/^ {4}\S/m)[0];
      const fb = /FB Memory Usage\s*\n([\s\S]*?)(?:\n {8}\S|$)/.exec(body)?.[1];
      devices.push({
        index: value(/^\s+Index\s+: (.*)$/m) ?? devices.length,
        gpuInstanceId: value(/^\s+GPU Instance ID\s+: (.*)$/m),
        computeInstanceId: value(/^\s+Compute Instance ID\s+: (.*)$/m),
        memoryTotalBytes: xmlNumber(/^\s+Total\s+: (.*)$/m.exec(fb ?? '')?.[1]),
        memoryUsedBytes: xmlNumber(/^\s+Used\s+: (.*)$/m.exec(fb ?? '')?.[1])
      });
    }
    if (devices.length) {
      out.set(uuid, devices);
    }
  }
  return out;
}

/** Why nvidia-smi gave no GPUs, from its exit code and output (man page codes). */
export function explainFailure(
  code: number | null,
  output: string
): { code: string; message: string } {
  const line =
    output
      .split('\n')
      .map(l => l.trim())
      .filter(Boolean)
      .pop() ?? '';
  if (
    code === 9 ||
    /couldn't communicate with the NVIDIA driver/i.test(output)
  ) {
    return {
      code: 'NO_DRIVER',
      message: 'The NVIDIA driver is not loaded on this machine.'
    };
  }
  if (code === 6 || /No devices were found/i.test(output)) {
    return {
      code: 'NO_GPU',
      message: 'nvidia-smi found no GPU that this session may use.'
    };
  }
  if (code === 12) {
    return {
      code: 'NO_NVML',
      message: 'The NVML library could not be loaded (nvidia-smi exit 12).'
    };
  }
  if (code === 15) {
    return {
      code: 'GPU_LOST',
      message:
        'A GPU has fallen off the bus or is inaccessible (nvidia-smi exit 15).'
    };
  }
  return {
    code: 'NVIDIA_SMI_FAILED',
    message: `nvidia-smi failed (exit ${code ?? 'signal'})${line ? `: ${line}` : ''}`
  };
}
