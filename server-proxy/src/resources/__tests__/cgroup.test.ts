import {
  cpSync,
  mkdtempSync,
  rmSync,
  unlinkSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CgroupReader,
  countCpuList,
  parseLimit,
  parseMountinfo,
  parseProcCgroup
} from '../cgroup';
import { FIXTURES } from './captures';

const tree = (name: string): CgroupReader =>
  new CgroupReader({ root: join(FIXTURES, 'cgroup', name) });
const GIB = 2 ** 30;

describe('parsers', () => {
  it('/proc/self/cgroup, v1 and v2 lines', () => {
    expect(
      parseProcCgroup(
        '4:memory:/slurm/uid_1000/job_4824887\n9:cpu,cpuacct:/x\n0::/init.scope\n'
      )
    ).toEqual([
      { id: 4, controllers: ['memory'], path: '/slurm/uid_1000/job_4824887' },
      { id: 9, controllers: ['cpu', 'cpuacct'], path: '/x' },
      { id: 0, controllers: [], path: '/init.scope' }
    ]);
  });

  it('mountinfo: only cgroup mounts, with their root and options', () => {
    const mounts = parseMountinfo(
      '24 1 259:2 / / rw - ext4 /dev/sda rw\n35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n'
    );
    expect(mounts).toEqual([
      {
        root: '/docker/abc',
        mountPoint: '/sys/fs/cgroup/memory',
        fsType: 'cgroup',
        superOptions: ['rw', 'memory']
      },
      {
        root: '/',
        mountPoint: '/sys/fs/cgroup/unified',
        fsType: 'cgroup2',
        superOptions: ['rw']
      }
    ]);
  });

  it('limits: max, the v1 sentinel and -1 are none; a missing file is undefined', () => {
    expect(parseLimit('max\n')).toBeNull();
    expect(parseLimit('9223372036854771712\n')).toBeNull();
    expect(parseLimit('-1\n')).toBeNull();
    expect(parseLimit('1073741824\n')).toBe(GIB);
    expect(parseLimit(null)).toBeUndefined();
  });

  it('cpu lists', () => {
    expect(countCpuList('0-3,8-11\n')).toBe(8);
    expect(countCpuList('5')).toBe(1);
    expect(countCpuList('')).toBeNull();
    expect(countCpuList(null)).toBeNull();
  });
});

describe('recorded cgroup v1 trees (this machine)', () => {
  it('unlimited: the hybrid layout, memory in /process_api/<id>, no limit → null and the node total', () => {
    const r = tree('v1-unlimited');
    const loc = r.locate();
    expect(loc.memory).toMatchObject({
      version: 1,
      path: '/process_api/25d1fdf30c25fa34f9924bd3e0807b37'
    });
    expect(loc.cpuacct).toMatchObject({ version: 1, path: '/' });
    const mem = r.memory(loc);
    expect(mem).toEqual({
      version: 1,
      path: '/process_api/25d1fdf30c25fa34f9924bd3e0807b37',
      usageBytes: 8044544,
      usedBytes: 8044544 - 1646592, // usage − total_inactive_file
      limitBytes: null,
      limitPath: null,
      nodeTotalBytes: 24684092 * 1024,
      peakBytes: 16736256,
      swapBytes: 0, // memsw.usage was read a moment before usage: never negative
      oomKills: 0
    });
    const cpu = r.cpu(loc);
    expect(cpu).toMatchObject({
      version: 1,
      path: '/',
      limitCores: 2,
      limitFrom: 'cpuset'
    });
    expect(cpu.usageNs).toBeGreaterThan(0);
  });

  it('nested: the parent (512 MiB) is tighter than the child (2 GiB); OOM kill counted in the child', () => {
    const r = tree('v1-nested');
    const mem = r.memory();
    expect(mem).toMatchObject({
      version: 1,
      path: '/hpc-rec',
      limitBytes: 512 * 2 ** 20,
      limitPath: '/hpc-rec',
      usageBytes: 108355584,
      usedBytes: 108355584,
      peakBytes: 512 * 2 ** 20, // it reached the limit when the OOM killer acted
      swapBytes: 0,
      oomKills: 1
    });
    expect(r.cpu()).toMatchObject({
      limitCores: 1.5,
      limitFrom: 'quota',
      nrPeriods: 17,
      nrThrottled: 0
    });
  });
});

describe('cgroup v2 trees (kernel documentation format)', () => {
  it('a Slurm task: limits on the job, usage of the job, OOM kills of the task', () => {
    const r = tree('v2-slurm');
    const mem = r.memory();
    expect(mem).toEqual({
      version: 2,
      path: '/system.slice/slurmstepd.scope/job_1320003',
      usageBytes: 3 * GIB,
      usedBytes: 3 * GIB - 268435456, // memory.current − inactive_file
      limitBytes: 4 * GIB,
      limitPath: '/system.slice/slurmstepd.scope/job_1320003',
      nodeTotalBytes: 263856084 * 1024,
      peakBytes: 4123000832,
      swapBytes: 0,
      oomKills: 2
    });
    expect(r.cpu()).toEqual({
      version: 2,
      path: '/system.slice/slurmstepd.scope/job_1320003/step_0/user/task_0',
      usageNs: 98765432 * 1000,
      limitCores: 3, // cpu.max 300000/100000 on the job, tighter than 8 CPUs of the cpuset
      limitFrom: 'quota',
      nrPeriods: 5000,
      nrThrottled: 250
    });
  });

  it('a container namespace, "max" everywhere, an older kernel without memory.peak', () => {
    const r = tree('v2-container');
    expect(r.memory()).toEqual({
      version: 2,
      path: '/',
      usageBytes: GIB,
      usedBytes: GIB - 402653184,
      limitBytes: null,
      limitPath: null,
      nodeTotalBytes: 16314368 * 1024,
      peakBytes: null,
      swapBytes: null,
      oomKills: 0
    });
    expect(r.cpu()).toMatchObject({
      limitCores: 6,
      limitFrom: 'cpuset',
      usageNs: 5e9
    });
  });

  it('the v2 root (no memory.current): the node numbers from /proc/meminfo', () => {
    const mem = tree('v2-host-root').memory();
    expect(mem).toMatchObject({
      version: 2,
      usedBytes: (32768000 - 20000000) * 1024,
      limitBytes: null,
      nodeTotalBytes: 32768000 * 1024,
      oomKills: null
    });
  });

  it('a limit above the node memory does not bind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpc-cg-'));
    try {
      cpSync(join(FIXTURES, 'cgroup', 'v2-container'), dir, {
        recursive: true
      });
      writeFileSync(join(dir, 'sys/fs/cgroup/memory.max'), `${64 * GIB}\n`);
      expect(new CgroupReader({ root: dir }).memory().limitBytes).toBeNull();
      writeFileSync(join(dir, 'sys/fs/cgroup/memory.max'), `${2 * GIB}\n`);
      expect(new CgroupReader({ root: dir }).memory().limitBytes).toBe(2 * GIB);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('missing files are unknown, not 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpc-cg-'));
    try {
      cpSync(join(FIXTURES, 'cgroup', 'v2-slurm'), dir, { recursive: true });
      const job = join(
        dir,
        'sys/fs/cgroup/system.slice/slurmstepd.scope/job_1320003'
      );
      unlinkSync(join(job, 'memory.peak'));
      unlinkSync(join(job, 'memory.stat'));
      unlinkSync(join(job, 'step_0/user/task_0/memory.events'));
      unlinkSync(join(job, 'step_0/user/task_0/cpu.stat'));
      const r = new CgroupReader({ root: dir });
      expect(r.memory()).toMatchObject({
        usageBytes: 3 * GIB,
        usedBytes: 3 * GIB,
        peakBytes: null,
        oomKills: null
      });
      expect(r.cpu()).toMatchObject({ usageNs: null, limitCores: 3 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no cgroup at all: node memory, no CPU counter', () => {
    const r = new CgroupReader({
      root: join(FIXTURES, 'cgroup', 'does-not-exist')
    });
    expect(r.memory()).toMatchObject({
      version: null,
      usedBytes: null,
      limitBytes: null
    });
    expect(r.cpu()).toMatchObject({
      version: null,
      usageNs: null,
      limitCores: null
    });
  });
});

describe('this machine', () => {
  it('finds the real cgroup of this process', () => {
    const r = new CgroupReader();
    const mem = r.memory();
    expect(mem.version).not.toBeNull();
    expect(mem.usedBytes).toBeGreaterThan(0);
    expect(mem.nodeTotalBytes).toBeGreaterThan(0);
  });
});
