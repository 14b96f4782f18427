import { apiUrl, HpcRequestError, requestAPI } from '../request';
import { fakeSettings, json } from './fakeServer';

/** The rejection of `p` (fails the test if `p` resolves). */
function rejection(p: Promise<unknown>): Promise<HpcRequestError> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: HpcRequestError) => e
  );
}

describe('requestAPI', () => {
  it('calls {baseUrl}hpc/api/{path} and parses the JSON answer', async () => {
    const { settings, requests } = fakeSettings(() => json(200, { ok: 1 }));
    const data = await requestAPI<{ ok: number }>(settings, 'version');
    expect(data).toEqual({ ok: 1 });
    expect(requests[0].url).toBe(
      'http://localhost:8888/user/alice/hpc/api/version'
    );
    expect(requests[0].method).toBe('GET');
  });

  it('builds URLs under the JupyterHub prefix', () => {
    const { settings } = fakeSettings(() => json(200, {}));
    expect(apiUrl(settings, 'slurm/jobs')).toBe(
      'http://localhost:8888/user/alice/hpc/api/slurm/jobs'
    );
  });

  it("rejects with the server's own code and message", async () => {
    const { settings } = fakeSettings(() =>
      json(503, {
        error: { code: 'SLURM_UNAVAILABLE', message: 'The controller is down' }
      })
    );
    const error = await rejection(requestAPI(settings, 'slurm/jobs'));
    expect(error).toBeInstanceOf(HpcRequestError);
    expect(error.status).toBe(503);
    expect(error.code).toBe('SLURM_UNAVAILABLE');
    expect(error.message).toBe('The controller is down');
  });

  it('names the status when an error has no JSON body', async () => {
    const { settings } = fakeSettings(
      () => new Response('<html>Bad gateway</html>', { status: 502 })
    );
    const error = await rejection(requestAPI(settings, 'version'));
    expect(error.status).toBe(502);
    expect(error.code).toBe('HTTP_502');
    expect(error.message).toContain('502');
  });

  it('reports an unreachable server as a NETWORK error', async () => {
    const { settings } = fakeSettings(() => {
      throw new TypeError('Failed to fetch');
    });
    const error = await rejection(requestAPI(settings, 'version'));
    expect(error).toBeInstanceOf(HpcRequestError);
    expect(error.status).toBe(0);
    expect(error.code).toBe('NETWORK');
    expect(error.message).toContain('Failed to fetch');
  });

  it('refuses a 200 answer that is not JSON', async () => {
    const { settings } = fakeSettings(
      () => new Response('<html>a login page</html>', { status: 200 })
    );
    const error = await rejection(requestAPI(settings, 'version'));
    expect(error.code).toBe('BAD_RESPONSE');
  });

  it('returns undefined for an empty 204 answer', async () => {
    const { settings } = fakeSettings(
      () => new Response(null, { status: 204 })
    );
    await expect(
      requestAPI(settings, 'dask/clusters/x', { method: 'DELETE' })
    ).resolves.toBeUndefined();
  });
});
