import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../config';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const DASK_SLURM_DEFAULTS = {
  partition: null,
  account: null,
  walltime: '01:00:00',
  memoryPerWorker: '2GiB',
  threadsPerWorker: 1,
  schedulerMemory: '1GiB',
  interface: null,
  prologue: []
};

describe('parseConfig', () => {
  it('fills in every default of an empty config', () => {
    expect(parseConfig({})).toEqual({
      slurm: {
        pollSeconds: 30,
        minPollSeconds: 10,
        clusters: [],
        profiles: []
      },
      resources: {
        sampleSeconds: 1,
        historySeconds: 3600,
        warnAt: 0.8,
        idleStopSeconds: 600,
        processSeconds: 5,
        topProcesses: 10,
        gpu: true,
        nvidiaSmi: 'nvidia-smi',
        migSeconds: 10
      },
      dask: {
        python: '/usr/bin/python3',
        schedulerCommand: null,
        workerCommand: null,
        maxWorkers: 100,
        stateDir: null,
        host: '127.0.0.1',
        onRestart: 'adopt',
        deathTimeoutSeconds: 60,
        slurmDefaults: DASK_SLURM_DEFAULTS
      },
      gallery: {
        catalogues: [],
        destination: 'examples',
        stagingDir: null,
        reviewers: [],
        stateDir: null,
        useTimeoutSeconds: 600,
        allowedProtocols: ['https', 'file']
      },
      exec: { maxConcurrent: 8, timeoutSeconds: 30 },
      capabilities: { ttlSeconds: 300 }
    });
  });

  it('treats null and undefined as an empty config', () => {
    expect(parseConfig(null)).toEqual(parseConfig({}));
    expect(parseConfig(undefined)).toEqual(parseConfig({}));
  });

  it('gives each config its own default objects', () => {
    const a = parseConfig({});
    a.slurm.clusters.push('mutated');
    a.dask.slurmDefaults.walltime = '99:00:00';
    const b = parseConfig({});
    expect(b.slurm.clusters).toEqual([]);
    expect(b.dask.slurmDefaults.walltime).toBe('01:00:00');
  });

  it('keeps what the admin set and fills in the rest of the section', () => {
    const config = parseConfig({
      slurm: { pollSeconds: 60, clusters: ['alpha', 'beta'] },
      dask: { slurmDefaults: { partition: 'gpu' } }
    });
    expect(config.slurm).toEqual({
      pollSeconds: 60,
      minPollSeconds: 10,
      clusters: ['alpha', 'beta'],
      profiles: []
    });
    expect(config.dask.slurmDefaults).toEqual({
      ...DASK_SLURM_DEFAULTS,
      partition: 'gpu'
    });
  });

  it('refuses an unknown key and names its path', () => {
    const e = configError(() =>
      parseConfig({ slurm: { pollSecs: 30 } }, 'site.json')
    );
    expect(e.source).toBe('site.json');
    expect(e.problems).toContain('/slurm: unknown key "pollSecs"');
    expect(e.message).toMatch(/invalid configuration in site\.json/);
  });

  it('refuses Dask sizes, walltimes and commands it cannot use', () => {
    const e = configError(() =>
      parseConfig({
        dask: {
          schedulerCommand: 'python -m x',
          onRestart: 'kill',
          stateDir: 'relative/dir',
          slurmDefaults: { memoryPerWorker: '2 gigs', walltime: '1-25' }
        }
      })
    );
    expect(e.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/dask\/schedulerCommand/),
        expect.stringMatching(/^\/dask\/onRestart/),
        expect.stringMatching(/^\/dask\/stateDir/)
      ])
    );
    const units = configError(() =>
      parseConfig({
        dask: { slurmDefaults: { memoryPerWorker: '2 gigs', walltime: '1-25' } }
      })
    );
    expect(units.problems).toEqual([
      expect.stringMatching(
        /^\/dask\/slurmDefaults\/memoryPerWorker: "2 gigs" is not a memory size/
      ),
      expect.stringMatching(
        /^\/dask\/slurmDefaults\/walltime: "1-25" is not a walltime/
      )
    ]);
    expect(
      parseConfig({
        dask: {
          schedulerCommand: [
            '/opt/venv/bin/python',
            '-m',
            'distributed.cli.dask_scheduler'
          ],
          onRestart: 'cancel'
        }
      }).dask.schedulerCommand
    ).toHaveLength(3);
  });

  it('refuses an unknown top-level section', () => {
    const e = configError(() => parseConfig({ slurmm: {} }));
    expect(e.problems).toEqual(['(top level): unknown key "slurmm"']);
  });

  it('reports every problem at once', () => {
    const e = configError(() =>
      parseConfig({
        resources: { warnAt: 2 },
        exec: { maxConcurrent: 0 },
        slurm: { clusters: ['ok', 'not ok;'] }
      })
    );
    const paths = e.problems.map(p => p.split(':')[0]);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/resources/warnAt',
        '/exec/maxConcurrent',
        '/slurm/clusters/1'
      ])
    );
  });

  it('refuses pollSeconds below minPollSeconds', () => {
    const e = configError(() =>
      parseConfig({ slurm: { pollSeconds: 15, minPollSeconds: 20 } })
    );
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatch(/^\/slurm\/pollSeconds: 15 is below/);
    expect(e.problems[0]).toMatch(/\/slurm\/minPollSeconds \(20\)/);
  });

  it('refuses a default pollSeconds under a raised floor', () => {
    const e = configError(() => parseConfig({ slurm: { minPollSeconds: 60 } }));
    expect(e.problems[0]).toMatch(/^\/slurm\/pollSeconds: 30 is below/);
  });

  it('refuses minPollSeconds below 10', () => {
    const e = configError(() =>
      parseConfig({ slurm: { pollSeconds: 10, minPollSeconds: 5 } })
    );
    expect(e.problems).toEqual(['/slurm/minPollSeconds: must be >= 10']);
  });

  it('refuses shell metacharacters in Slurm names', () => {
    const e = configError(() =>
      parseConfig({ slurm: { clusters: ['$(touch /tmp/x)'] } })
    );
    expect(e.problems[0]).toMatch(/^\/slurm\/clusters\/0: must match pattern/);
  });

  it('lets the admin allow more git protocols, never ext', () => {
    expect(
      parseConfig({ gallery: { allowedProtocols: ['https', 'ssh'] } }).gallery
        .allowedProtocols
    ).toEqual(['https', 'ssh']);
    expect(() =>
      parseConfig({ gallery: { allowedProtocols: ['https', 'ext'] } })
    ).toThrow(/\/gallery\/allowedProtocols\/1: must be equal to one of/);
  });

  it('refuses profile directives that smuggle a second line', () => {
    const e = configError(() =>
      parseConfig({
        slurm: {
          profiles: [{ name: 'p', directives: ['#SBATCH -p debug\nrm -rf ~'] }]
        }
      })
    );
    expect(e.problems[0]).toMatch(/^\/slurm\/profiles\/0\/directives\/0:/);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hpc-config-test-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses the defaults without a file', () => {
    expect(loadConfig()).toEqual(parseConfig({}));
  });

  it('reads and validates a file', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ exec: { maxConcurrent: 3 } }));
    const config = loadConfig(file);
    expect(config.exec).toEqual({ maxConcurrent: 3, timeoutSeconds: 30 });
  });

  it('names the file when its JSON is invalid', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"slurm": {"pollSeconds": 30,}}');
    const e = configError(() => loadConfig(file));
    expect(e.source).toBe(file);
    expect(e.message).toContain(file);
    expect(e.problems[0]).toMatch(/^not valid JSON: /);
  });

  it('names the file when it cannot be read', () => {
    const missing = join(dir, 'missing.json');
    const e = configError(() => loadConfig(missing));
    expect(e.source).toBe(missing);
    expect(e.message).toContain(missing);
    expect(e.problems[0]).toMatch(/^cannot read the file: .*ENOENT/);
  });

  it('names the file when it is a directory', () => {
    const e = configError(() => loadConfig(dir));
    expect(e.message).toContain(dir);
    expect(e.problems[0]).toMatch(/EISDIR/);
  });

  it('names the file and the key path of a schema violation', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ gallery: { reviewer: ['bob'] } }));
    const e = configError(() => loadConfig(file));
    expect(e.message).toContain(file);
    expect(e.problems).toEqual(['/gallery: unknown key "reviewer"']);
  });
});
