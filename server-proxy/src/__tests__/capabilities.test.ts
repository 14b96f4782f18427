import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CapabilityService,
  countNvidiaSmiGpus,
  parseSacctmgrClusters,
  parseScontrolConfig,
  parseSlurmVersion
} from '../capabilities';
import { IHpcConfig, parseConfig } from '../config';
import { Executor } from '../exec';

const FIXTURES = join(__dirname, 'fixtures');
const fixture = (name: string): string =>
  readFileSync(join(FIXTURES, name), 'utf8');

describe('parsers on captured output', () => {
  it('reads the version from `sinfo --version`', () => {
    expect(parseSlurmVersion(fixture('sinfo-version.txt'))).toBe('22.05.8');
    expect(parseSlurmVersion('slurm 23.11.4\n')).toBe('23.11.4');
    expect(parseSlurmVersion('sinfo: error: something\n')).toBeUndefined();
  });

  it('reads `scontrol show config`', () => {
    const text = fixture('scontrol-show-config.txt');
    const settings = parseScontrolConfig(text);
    expect(settings.get('ClusterName')).toBe('testcluster');
    expect(settings.get('AccountingStorageType')).toBe(
      'accounting_storage/slurmdbd'
    );
    expect(settings.get('SLURM_VERSION')).toBe(
      parseSlurmVersion(fixture('sinfo-version.txt'))
    );
    expect(settings.get('MessageTimeout')).toMatch(/^\d+ sec$/);
    // Every `Key = Value` line is read, and only those.
    const keyLines = text
      .split('\n')
      .filter(l => /^[A-Za-z][A-Za-z0-9_]*\s+= /.test(l));
    expect(settings.size).toBe(keyLines.length);
    expect(settings.size).toBeGreaterThan(100);
    expect(settings.has('Configuration')).toBe(false);
    expect(settings.has('Slurmctld(primary)')).toBe(false);
  });

  it('reads `sacctmgr -n -P list clusters`', () => {
    expect(
      parseSacctmgrClusters(fixture('sacctmgr-list-clusters.txt'))
    ).toEqual(['testcluster']);
    // A registered cluster whose controller never connected has no host.
    expect(
      parseSacctmgrClusters('alpha|10.0.0.1\nbeta|\n\ngamma|10.0.0.3\n')
    ).toEqual(['alpha', 'gamma']);
  });

  it.each([
    'nvidia-smi-L__h100-80gb-hbm3__590.48.01.txt',
    'nvidia-smi-L__geforce-rtx-2080-super__595.71.05.txt'
  ])('counts the GPU of %s', file => {
    expect(countNvidiaSmiGpus(fixture(file))).toBe(1);
  });

  it('does not count MIG devices as GPUs', () => {
    const text = fixture('nvidia-smi-L__h100-mig__590.48.01.txt');
    expect(text).toMatch(/MIG 1g\.10gb\s+Device\s+2:/);
    expect(countNvidiaSmiGpus(text)).toBe(1);
  });

  it('counts several GPUs with MIG devices under them', () => {
    // nvidia-smi -L's format, on an 2-GPU node with MIG on the second.
    const text = [
      'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-11111111-0000-0000-0000-000000000000)',
      'GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-22222222-0000-0000-0000-000000000000)',
      '  MIG 1g.10gb     Device  0: (UUID: MIG-33333333-0000-0000-0000-000000000000)',
      '  MIG 1g.10gb     Device  1: (UUID: MIG-44444444-0000-0000-0000-000000000000)',
      ''
    ].join('\n');
    expect(countNvidiaSmiGpus(text)).toBe(2);
    expect(
      countNvidiaSmiGpus(
        'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.\n'
      )
    ).toBe(0);
  });
});

/**
 * The capability probe against fake Slurm commands: small shell scripts on a
 * PATH of their own that replay the captures and log every call.
 */
describe('CapabilityService', () => {
  let bin: string;
  let log: string;

  function fake(name: string, body: string): void {
    const file = join(bin, name);
    writeFileSync(file, `#!/bin/sh\necho "${name} $*" >> '${log}'\n${body}\n`, {
      mode: 0o755
    });
    chmodSync(file, 0o755);
  }

  function calls(name: string): number {
    let text = '';
    try {
      text = readFileSync(log, 'utf8');
    } catch {
      return 0;
    }
    return text.split('\n').filter(l => l.split(' ')[0] === name).length;
  }

  function service(
    overrides: Record<string, unknown> = {},
    slurmTimeoutMs?: number
  ): CapabilityService {
    const config: IHpcConfig = parseConfig({
      dask: { python: join(bin, 'python3') },
      ...overrides
    });
    const executor = new Executor({ baseEnv: { PATH: bin } });
    return new CapabilityService({ executor, config, slurmTimeoutMs });
  }

  beforeEach(() => {
    bin = mkdtempSync(join(tmpdir(), 'hpc-cap-test-'));
    log = join(bin, 'calls.log');
    fake('squeue', 'exit 0');
    fake('sinfo', `/bin/cat '${join(FIXTURES, 'sinfo-version.txt')}'`);
    fake(
      'scontrol',
      `/bin/cat '${join(FIXTURES, 'scontrol-show-config.txt')}'`
    );
    fake('sacct', 'exit 0');
    fake(
      'sacctmgr',
      `/bin/cat '${join(FIXTURES, 'sacctmgr-list-clusters.txt')}'`
    );
    fake('python3', 'echo 2022.12.1');
  });
  afterEach(() => {
    rmSync(bin, { recursive: true, force: true });
  });

  it('reports a working Slurm with accounting and its clusters', async () => {
    const caps = await service().get();
    expect(caps.slurm).toEqual({
      available: true,
      version: '22.05.8',
      clusters: ['testcluster'],
      accounting: true
    });
    expect(caps.commands.squeue).toBe(join(bin, 'squeue'));
    expect(caps.commands.scancel).toBeNull();
    expect(caps.dask).toEqual({
      available: true,
      python: join(bin, 'python3'),
      version: '2022.12.1'
    });
    expect(calls('sacct')).toBe(1);
  });

  it('prefers the configured clusters over discovery', async () => {
    const caps = await service({
      slurm: { clusters: ['alpha', 'beta'] }
    }).get();
    expect(caps.slurm.clusters).toEqual(['alpha', 'beta']);
    expect(calls('sacctmgr')).toBe(0);
  });

  it('says Slurm is missing when squeue is not on PATH', async () => {
    rmSync(join(bin, 'squeue'));
    const caps = await service().get();
    expect(caps.slurm.available).toBe(false);
    expect(caps.slurm.reason).toMatch(/squeue was not found/);
    expect(caps.slurm.reason).toContain(bin);
    expect(calls('scontrol')).toBe(0);
  });

  it("gives the controller's error when scontrol fails, keeping the version", async () => {
    fake(
      'scontrol',
      "echo 'slurm_load_ctl_conf error: Unable to contact slurm controller (connect failure)' >&2; exit 1"
    );
    const caps = await service().get();
    expect(caps.slurm.available).toBe(false);
    expect(caps.slurm.version).toBe('22.05.8');
    expect(caps.slurm.reason).toBe(
      'The Slurm controller is not answering: slurm_load_ctl_conf error: Unable to contact slurm controller (connect failure)'
    );
    // The other probes still ran.
    expect(caps.dask.available).toBe(true);
  });

  it('says when the controller does not answer in time', async () => {
    fake('scontrol', 'exec /bin/sleep 30');
    const started = Date.now();
    const caps = await service({}, 300).get();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(caps.slurm.available).toBe(false);
    expect(caps.slurm.reason).toMatch(/scontrol did not answer within \d+ s/);
  });

  it('keeps Slurm available when sacct fails', async () => {
    fake(
      'sacct',
      "echo 'sacct: error: Problem talking to the database: Connection refused' >&2; exit 1"
    );
    const caps = await service().get();
    expect(caps.slurm.available).toBe(true);
    expect(caps.slurm.accounting).toBe(false);
    expect(caps.slurm.accountingReason).toMatch(/Connection refused/);
    expect(caps.slurm.clusters).toEqual(['testcluster']);
  });

  it('does not run sacct when accounting storage is off', async () => {
    const text = fixture('scontrol-show-config.txt').replace(
      /^AccountingStorageType\s+=.*$/m,
      'AccountingStorageType   = accounting_storage/none'
    );
    const conf = join(bin, 'config-none.txt');
    writeFileSync(conf, text);
    fake('scontrol', `/bin/cat '${conf}'`);
    const caps = await service().get();
    expect(caps.slurm.accounting).toBe(false);
    expect(caps.slurm.accountingReason).toMatch(/disabled/);
    expect(caps.slurm.clusters).toEqual(['testcluster']);
    expect(calls('sacct')).toBe(0);
  });

  it('counts GPUs with a replaying nvidia-smi', async () => {
    fake(
      'nvidia-smi',
      `/bin/cat '${join(FIXTURES, 'nvidia-smi-L__h100-mig__590.48.01.txt')}'`
    );
    const caps = await service().get();
    expect(caps.gpu).toEqual({ available: true, count: 1 });
  });

  it('gives a reason when nvidia-smi is absent or fails', async () => {
    let caps = await service().get();
    expect(caps.gpu.available).toBe(false);
    expect(caps.gpu.reason).toMatch(/nvidia-smi was not found/);
    fake(
      'nvidia-smi',
      "echo 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.'; exit 9"
    );
    caps = await service().get();
    expect(caps.gpu.available).toBe(false);
    expect(caps.gpu.reason).toMatch(/could not communicate/);
  });

  it('says why Dask is unavailable', async () => {
    let caps = await service({ dask: { python: join(bin, 'nope') } }).get();
    expect(caps.dask.available).toBe(false);
    expect(caps.dask.reason).toMatch(/cannot be run: .*command not found/);
    fake(
      'python3',
      'echo "ModuleNotFoundError: No module named \'distributed\'" >&2; exit 1'
    );
    caps = await service().get();
    expect(caps.dask.available).toBe(false);
    expect(caps.dask.reason).toMatch(/cannot import Dask: .*distributed/);
  });

  it('caches, shares one detection, and detects again on refresh', async () => {
    const svc = service();
    const [a, b] = await Promise.all([svc.get(), svc.get()]);
    expect(a).toBe(b);
    expect(calls('scontrol')).toBe(1);
    expect(await svc.get()).toBe(a);
    expect(calls('scontrol')).toBe(1);
    const c = await svc.get(true);
    expect(c).not.toBe(a);
    expect(calls('scontrol')).toBe(2);
  });

  it('reports the gallery from the configured catalogues', async () => {
    let caps = await service().get();
    expect(caps.gallery.available).toBe(false);
    const catalogue = join(bin, 'gallery.json');
    writeFileSync(catalogue, '{"examples": []}');
    caps = await service({
      gallery: { catalogues: [catalogue, join(bin, 'missing.json')] }
    }).get();
    expect(caps.gallery).toEqual({ available: true, catalogues: 1 });
  });
});
