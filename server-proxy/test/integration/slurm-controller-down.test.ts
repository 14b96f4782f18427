/**
 * The Slurm routes when the controller does not answer (SLURM_CONF points at
 * a port nobody listens on, as in controller-down.test.ts): the queue says so
 * with 503 SLURM_CONTROLLER_DOWN, backs off instead of hammering squeue, and
 * the server keeps answering everything else.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cleanup,
  http,
  IErrorJson,
  IProc,
  IShims,
  IVersion,
  jsonRequest,
  listeningPort,
  makeShims,
  makeTmpFor,
  startProxyAs,
  tokenHeader,
  deadControllerConf
} from './helpers';

const TOKEN = 'slurm-down-token';
const PROFILES = [{ name: 'Debug', partition: 'debug' }];
let proc: IProc;
let port: number;
let shims: IShims;

function get(path: string): ReturnType<typeof http> {
  return http({ port, path, headers: tokenHeader(TOKEN) });
}

beforeAll(async () => {
  const dir = makeTmpFor('alice');
  const conf = await deadControllerConf(dir);
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ slurm: { profiles: PROFILES } }));
  shims = makeShims(dir, ['squeue'], 'alice');
  proc = startProxyAs(
    'alice',
    [
      'serve',
      '--port',
      '0',
      '--token',
      TOKEN,
      '--config',
      config,
      '--root',
      dir
    ],
    {
      env: {
        ...process.env,
        SLURM_CONF: conf,
        PATH: `${shims.bin}:${process.env.PATH}`
      }
    }
  );
  port = await listeningPort(proc);
});

afterAll(cleanup);

describe('Slurm routes with the controller down', () => {
  it('answers the queue with 503 SLURM_CONTROLLER_DOWN', async () => {
    const res = await get('/api/slurm/jobs?scope=all');
    expect(res.status).toBe(503);
    expect(res.ms).toBeLessThan(15_000);
    const { error } = res.json<IErrorJson>();
    expect(error.code).toBe('SLURM_CONTROLLER_DOWN');
    expect(error.message).toContain('Unable to contact slurm controller');
    expect(shims.calls('squeue')).toHaveLength(1);
  });

  it('backs off: the next readers get the same answer without a new squeue', async () => {
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => get('/api/slurm/jobs?scope=all'))
    );
    for (const res of answers) {
      expect(res.status).toBe(503);
      expect(res.json<IErrorJson>().error.code).toBe('SLURM_CONTROLLER_DOWN');
      expect(res.ms).toBeLessThan(2000);
    }
    expect(shims.calls('squeue')).toHaveLength(1);
  });

  it('says so for the partitions too', async () => {
    const res = await get('/api/slurm/partitions');
    expect(res.status).toBe(503);
    expect(res.json<IErrorJson>().error.code).toBe('SLURM_CONTROLLER_DOWN');
  });

  it('keeps answering the other routes', async () => {
    const profiles = await get('/api/slurm/profiles');
    expect(profiles.status).toBe(200);
    expect(profiles.json()).toEqual({ profiles: PROFILES });
    const version = await get('/api/version');
    expect(version.status).toBe(200);
    expect(version.json<IVersion>().capabilities.slurm.available).toBe(false);
    const bad = await jsonRequest(
      port,
      TOKEN,
      'POST',
      '/api/slurm/jobs/actions',
      { action: 'cancel', jobIds: ['abc'] }
    );
    expect(bad.status).toBe(400);
    expect(proc.child.exitCode).toBeNull();
  });
});
