/**
 * Slurm's commands are there but the controller does not answer (SLURM_CONF
 * points at a port nobody listens on): api/version says so within about
 * MessageTimeout, keeps answering from its cache, and a refresh agrees.
 */
import {
  cleanup,
  http,
  IProc,
  IVersion,
  listeningPort,
  makeTmp,
  startProxy,
  deadControllerConf
} from './helpers';

const TOKEN = 'controller-down-token';
const auth = { authorization: `token ${TOKEN}` };
let proc: IProc;
let port: number;

beforeAll(async () => {
  const dir = makeTmp();
  const conf = await deadControllerConf(dir);
  proc = startProxy(['serve', '--port', '0', '--token', TOKEN], {
    env: { ...process.env, SLURM_CONF: conf }
  });
  port = await listeningPort(proc);
});

afterAll(cleanup);

describe('Slurm controller down', () => {
  it('says Slurm is unavailable within about MessageTimeout', async () => {
    const res = await http({ port, path: '/api/version', headers: auth });
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(12_000);
    const { slurm, dask } = res.json<IVersion>().capabilities;
    expect(slurm.available).toBe(false);
    expect(slurm.reason).toContain('Unable to contact slurm controller');
    // The client commands themselves are there.
    expect(slurm.version).toMatch(/^22\.05\./);
    expect(dask.available).toBe(true);
  });

  it('keeps answering fast from its cache', async () => {
    const res = await http({ port, path: '/api/version', headers: auth });
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(1000);
    const { slurm } = res.json<IVersion>().capabilities;
    expect(slurm.available).toBe(false);
    expect(slurm.reason).toContain('Unable to contact slurm controller');
  });

  it('gives the same verdict on refresh', async () => {
    const res = await http({
      port,
      method: 'POST',
      path: '/api/capabilities/refresh',
      headers: auth
    });
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(12_000);
    const { slurm } = res.json<IVersion>().capabilities;
    expect(slurm.available).toBe(false);
    expect(slurm.reason).toContain('Unable to contact slurm controller');
    // Still alive and answering after all that.
    const again = await http({ port, path: '/api/version', headers: auth });
    expect(again.status).toBe(200);
    expect(proc.child.exitCode).toBeNull();
  });
});
