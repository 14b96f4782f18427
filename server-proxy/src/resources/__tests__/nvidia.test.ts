import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cellNumber,
  cellText,
  chooseFields,
  explainFailure,
  parseHelpQueryGpu,
  parseListing,
  parseQueryGpu,
  parseQueryGpuLine,
  parseQueryTextMig,
  parseQueryXml,
  visibleDevices,
  WANTED_FIELDS
} from '../nvidia';
import { CAPTURES, NVSMI, output, queryGpu, XMLS } from './captures';

const MIB = 1 << 20;
const MIG = 'h100-mig__590.48.01.txt';
const H100 = 'h100-80gb-hbm3__590.48.01.txt';
const RTX = 'geforce-rtx-2080-super__595.71.05.txt';

describe('every real capture', () => {
  it('covers the three captures', () => {
    expect(CAPTURES.sort()).toEqual([RTX, H100, MIG].sort());
  });

  describe.each(CAPTURES)('%s', file => {
    const fields = chooseFields(
      parseHelpQueryGpu(output(file, c => c === 'nvidia-smi --help-query-gpu'))
    );

    it('--help-query-gpu knows every field the meter asks for', () => {
      expect(fields).toEqual([...WANTED_FIELDS]);
    });

    it('-L lists one GPU keyed by UUID', () => {
      const gpus = parseListing(output(file, c => c === 'nvidia-smi -L'));
      expect(gpus).toHaveLength(1);
      expect(gpus[0].uuid).toBe('GPU-00000000-0000-0000-0000-000000000000');
      expect(gpus[0].name).toMatch(/^NVIDIA /);
    });

    it.each([
      ['csv (units)', true],
      ['csv,nounits', false]
    ])('--query-gpu as %s: idle and load rows', (_label, units) => {
      const tables = queryGpu(file, fields as string[], units);
      expect(tables).toHaveLength(2);
      for (const table of tables) {
        const rows = parseQueryGpu(table, fields as string[]);
        expect(rows).toHaveLength(1);
        const row = rows[0];
        expect(row.uuid).toBe('GPU-00000000-0000-0000-0000-000000000000');
        expect(row.index).toBe(0);
        expect(row.memoryTotalBytes).toBeGreaterThan(1000 * MIB);
        expect(row.memoryUsedBytes).toEqual(expect.any(Number)); // 0 when idle: a real 0
        expect(row.temperatureC).toBeGreaterThan(20);
        expect(row.powerLimitW).toBeGreaterThan(100);
      }
    });
  });

  it('the MIG capture: utilisation unknown (not 0), memory and power known', () => {
    const fields = [...WANTED_FIELDS];
    const [, load] = queryGpu(MIG, fields, false);
    const [row] = parseQueryGpu(load, fields);
    expect(row).toEqual({
      index: 0,
      uuid: 'GPU-00000000-0000-0000-0000-000000000000',
      name: 'NVIDIA H100 80GB HBM3',
      busId: '00000000:00:09.0',
      utilizationPct: null,
      memoryUtilizationPct: null,
      memoryTotalBytes: 81559 * MIB,
      memoryUsedBytes: 11125 * MIB,
      temperatureC: 53,
      powerW: 433.78,
      powerLimitW: 700,
      migMode: 'Enabled'
    });
  });

  it('units and no units give the same numbers (H100 under load)', () => {
    const fields = [...WANTED_FIELDS];
    const withUnits = parseQueryGpu(queryGpu(H100, fields, true)[1], fields);
    const without = parseQueryGpu(queryGpu(H100, fields, false)[1], fields);
    expect(withUnits).toEqual(without);
    expect(without[0]).toMatchObject({
      utilizationPct: 100,
      memoryUtilizationPct: 11,
      memoryUsedBytes: 19818 * MIB,
      powerW: 631.95,
      migMode: 'Disabled'
    });
  });

  it('-L of the MIG capture: four MIG devices with profiles and UUIDs', () => {
    const [gpu] = parseListing(output(MIG, c => c === 'nvidia-smi -L'));
    expect(gpu.mig.map(m => [m.index, m.profile, m.uuid])).toEqual([
      [0, '3g.40gb', 'MIG-00000000-0000-0000-0000-000000000000'],
      [1, '2g.20gb', 'MIG-00000001-0000-0000-0000-000000000001'],
      [2, '1g.10gb', 'MIG-00000002-0000-0000-0000-000000000002'],
      [3, '1g.10gb', 'MIG-00000003-0000-0000-0000-000000000003']
    ]);
  });

  it('-q text of the MIG capture: per-instance memory', () => {
    const mig = parseQueryTextMig(output(MIG, c => c === 'nvidia-smi -q'));
    const devices = mig.get('GPU-00000000-0000-0000-0000-000000000000');
    expect(
      devices?.map(d => [
        d.index,
        d.gpuInstanceId,
        d.memoryTotalBytes,
        d.memoryUsedBytes
      ])
    ).toEqual([
      [0, 2, 40448 * MIB, 11091 * MIB],
      [1, 3, 20096 * MIB, 17 * MIB],
      [2, 9, 9984 * MIB, 9 * MIB],
      [3, 10, 9984 * MIB, 9 * MIB]
    ]);
    // Without MIG, nothing.
    expect(
      parseQueryTextMig(output(H100, c => c === 'nvidia-smi -q')).size
    ).toBe(0);
  });
});

describe('cells', () => {
  it.each([
    '[N/A]',
    'N/A',
    '',
    '   ',
    '[Not Supported]',
    '[Insufficient Permissions]',
    '[Unknown Error]',
    '[Requested functionality has been deprecated]',
    'Requested functionality has been deprecated'
  ])('placeholder %j is unknown, never 0', cell => {
    expect(cellNumber(cell)).toBeNull();
    expect(cellText(cell)).toBeNull();
  });

  it('numbers with units and padding', () => {
    expect(cellNumber(' 81559 MiB ')).toBe(81559);
    expect(cellNumber('35 %')).toBe(35);
    expect(cellNumber('433.78 W')).toBe(433.78);
    expect(cellNumber('0')).toBe(0);
    expect(cellNumber('0x233010DE')).toBeNull();
  });

  it('a padded line parses; a torn or header line does not', () => {
    const fields = ['index', 'uuid', 'utilization.gpu', 'memory.used'];
    expect(
      parseQueryGpuLine('  1 ,  GPU-abc ,  [Not Supported] ,  42 ', fields)
    ).toMatchObject({
      index: 1,
      uuid: 'GPU-abc',
      utilizationPct: null,
      memoryUsedBytes: 42 * MIB
    });
    expect(
      parseQueryGpuLine(
        'index, uuid, utilization.gpu [%], memory.used [MiB]',
        fields
      )
    ).toBeNull();
    expect(parseQueryGpuLine('0, GPU-abc, 5', fields)).toBeNull();
    expect(parseQueryGpuLine('', fields)).toBeNull();
  });

  it('fields: index and uuid are required', () => {
    expect(chooseFields(new Set(['uuid', 'name']))).toBeNull();
    expect(
      chooseFields(new Set(['index', 'uuid', 'power.draw', 'bogus']))
    ).toEqual(['index', 'uuid', 'power.draw']);
  });
});

describe('-q -x, every real XML capture', () => {
  const read = (f: string): string =>
    readFileSync(join(NVSMI, 'xml', f), 'utf8');

  it.each(XMLS)('%s: one GPU keyed by UUID with its memory', f => {
    const log = parseQueryXml(read(f));
    expect(log?.gpus.length).toBeGreaterThan(0);
    for (const g of log?.gpus ?? []) {
      expect(g.uuid).toMatch(/^GPU-[0-9a-f-]+$/);
      expect(g.memoryTotalBytes).toBeGreaterThan(1000 * MIB);
      expect(g.memoryUsedBytes).not.toBeNull();
      expect(g.temperatureC).toBeGreaterThan(20);
    }
  });

  it('reads the schema version from the DOCTYPE (v10 to v13 present)', () => {
    const schemas = XMLS.map(f => parseQueryXml(read(f))?.schema).sort();
    expect(schemas).toEqual([10, 11, 12, 12, 12, 13]);
  });

  it('v12 A100 with MIG: instances with their own memory, not the parent totals', () => {
    const [gpu] = parseQueryXml(read('a100-sxm4-v12.xml'))?.gpus ?? [];
    expect(gpu.migMode).toBe('Enabled');
    expect(gpu.utilizationPct).toBeNull(); // N/A under MIG, not 0
    expect(gpu.memoryTotalBytes).toBe(81920 * MIB);
    expect(gpu.memoryUsedBytes).toBe(50 * MIB);
    expect(gpu.migDevices).toHaveLength(4);
    expect(gpu.migDevices[0]).toEqual({
      index: 0,
      gpuInstanceId: 3,
      computeInstanceId: 0,
      memoryTotalBytes: 19968 * MIB,
      memoryUsedBytes: 12 * MIB
    });
    expect(gpu.powerW).toBe(67.03);
  });

  it('power across schemas: v11 power_readings, v12 gpu_power_readings, v13 average_power_draw; N/A is null', () => {
    const power = (f: string): number | null | undefined =>
      parseQueryXml(read(f))?.gpus[0].powerW;
    expect(power('tesla-t4.xml')).toBe(26.78); // v11
    expect(power('quadro-p2000-v12.xml')).toBe(4.61); // v12
    expect(power('rtx-3080-v13.xml')).toBe(139.62); // v13
    expect(power('gtx-1070-ti.xml')).toBeNull(); // <power_draw>N/A</power_draw>
  });

  it('processes with their memory (v11 T4)', () => {
    const [gpu] = parseQueryXml(read('tesla-t4.xml'))?.gpus ?? [];
    expect(gpu.processes).toEqual([
      {
        pid: 675,
        name: '/usr/lib/xorg/Xorg',
        usedMemoryBytes: 22 * MIB,
        gpuInstanceId: null,
        computeInstanceId: null
      },
      {
        pid: 5762,
        name: 'python',
        usedMemoryBytes: 1005 * MIB,
        gpuInstanceId: null,
        computeInstanceId: null
      }
    ]);
  });

  it('padded values and a non-XML answer', () => {
    const xml =
      '<?xml version="1.0" ?>\n<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v13.dtd">\n<nvidia_smi_log><gpu id="00000000:01:00.0"><uuid> GPU-1 </uuid>' +
      '<fan_speed> 40 % </fan_speed><fb_memory_usage><total> 1024 MiB </total><used> N/A </used></fb_memory_usage>' +
      '<gpu_power_readings><average_power_draw> N/A </average_power_draw><instant_power_draw> 300.5 W </instant_power_draw></gpu_power_readings></gpu></nvidia_smi_log>';
    const [gpu] = parseQueryXml(xml)?.gpus ?? [];
    expect(gpu).toMatchObject({
      uuid: 'GPU-1',
      memoryTotalBytes: 1024 * MIB,
      memoryUsedBytes: null,
      powerW: 300.5
    });
    expect(parseQueryXml('No devices were found')).toBeNull();
  });
});

describe('CUDA_VISIBLE_DEVICES', () => {
  const listing = [
    ...parseListing(output(MIG, c => c === 'nvidia-smi -L')),
    {
      index: 1,
      name: 'B',
      uuid: 'GPU-11111111-2222-3333-4444-555555555555',
      mig: []
    }
  ];
  const show = (v: string | undefined): Array<[string, string[] | 'all']> =>
    [...visibleDevices(v, listing).gpus].map(([u, w]) => [
      u.slice(0, 12),
      w === 'all' ? 'all' : [...w].map(x => x.slice(0, 12))
    ]);

  it('unset: all; empty: none', () => {
    expect(show(undefined)).toEqual([
      ['GPU-00000000', 'all'],
      ['GPU-11111111', 'all']
    ]);
    expect(show('')).toEqual([]);
  });

  it('indices, UUIDs and UUID prefixes', () => {
    expect(show('1')).toEqual([['GPU-11111111', 'all']]);
    expect(show('GPU-1111')).toEqual([['GPU-11111111', 'all']]);
    expect(show('1,0')).toEqual([
      ['GPU-11111111', 'all'],
      ['GPU-00000000', 'all']
    ]);
  });

  it('MIG UUIDs show their parent with only those instances', () => {
    expect(
      show('MIG-00000001-0000-0000-0000-000000000001,MIG-00000003')
    ).toEqual([['GPU-00000000', ['MIG-00000001', 'MIG-00000003']]]);
  });

  it('an entry that matches nothing hides itself and what follows (as CUDA does)', () => {
    expect(show('1,7,0')).toEqual([['GPU-11111111', 'all']]);
    expect(show('GPU-ffff,0')).toEqual([]);
    expect(show('-1')).toEqual([]);
  });
});

describe('failures', () => {
  it('names the driver, no device and other exits', () => {
    expect(
      explainFailure(
        9,
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."
      )
    ).toMatchObject({ code: 'NO_DRIVER' });
    expect(explainFailure(6, 'No devices were found')).toMatchObject({
      code: 'NO_GPU'
    });
    expect(explainFailure(15, '')).toMatchObject({ code: 'GPU_LOST' });
    expect(explainFailure(255, 'Unknown Error\n')).toEqual({
      code: 'NVIDIA_SMI_FAILED',
      message: 'nvidia-smi failed (exit 255): Unknown Error'
    });
  });
});
