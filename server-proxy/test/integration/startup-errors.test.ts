/** Start-up refusals: exit code 2 and a message that says what to fix. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, makeTmp, startProxy } from './helpers';

afterEach(cleanup);

describe('start-up refusals', () => {
  it('exits 2 on a bad config, naming the file and the key path', async () => {
    const config = join(makeTmp(), 'site-config.json');
    writeFileSync(
      config,
      JSON.stringify({ slurm: { pollSeconds: 30, polSeconds: 5 } })
    );
    const proc = startProxy(['serve', '--port', '0', '--config', config]);
    expect((await proc.exited).code).toBe(2);
    expect(proc.stderr()).toContain(`invalid configuration in ${config}`);
    expect(proc.stderr()).toContain('/slurm: unknown key "polSeconds"');
  });

  it('exits 2 on a config below the polling floor', async () => {
    const config = join(makeTmp(), 'floor.json');
    writeFileSync(config, JSON.stringify({ slurm: { pollSeconds: 5 } }));
    const proc = startProxy(['serve', '--port', '0', '--config', config]);
    expect((await proc.exited).code).toBe(2);
    expect(proc.stderr()).toContain(config);
    expect(proc.stderr()).toMatch(/\/slurm\/pollSeconds: 5 is below/);
  });

  it('exits 2 on a config file that is not JSON', async () => {
    const config = join(makeTmp(), 'broken.json');
    writeFileSync(config, '{"slurm": ');
    const proc = startProxy(['serve', '--port', '0', '--config', config]);
    expect((await proc.exited).code).toBe(2);
    expect(proc.stderr()).toContain(config);
    expect(proc.stderr()).toMatch(/not valid JSON/);
  });

  it('exits 2 on a missing config file', async () => {
    const config = join(makeTmp(), 'missing.json');
    const proc = startProxy(['serve', '--port', '0', '--config', config]);
    expect((await proc.exited).code).toBe(2);
    expect(proc.stderr()).toContain(config);
    expect(proc.stderr()).toMatch(/cannot read the file/);
  });

  it('exits 2 on an unknown flag, with the usage text', async () => {
    const proc = startProxy(['serve', '--prot', '8000']);
    expect((await proc.exited).code).toBe(2);
    expect(proc.stderr()).toMatch(/--prot/);
    expect(proc.stderr()).toContain('Usage:');
    expect(proc.stderr()).toContain('hpc-proxy serve [--host 127.0.0.1]');
    expect(proc.stdout()).toBe('');
  });

  it('exits 2 on an unknown command, with the usage text', async () => {
    const proc = startProxy(['srve']);
    expect((await proc.exited).code).toBe(2);
    expect(proc.stderr()).toContain('unknown command "srve"');
    expect(proc.stderr()).toContain('Usage:');
  });

  it('prints the usage on --help and exits 0', async () => {
    const proc = startProxy(['--help']);
    expect((await proc.exited).code).toBe(0);
    expect(proc.stdout()).toContain('Usage:');
    expect(proc.stderr()).toBe('');
  });
});
