import { fakeSettings, json, versionInfo } from '../../__tests__/fakeServer';
import { HandshakeState } from '../../tokens';
import { HpcServer } from '../model';

describe('HpcServer handshake', () => {
  it('starts as checking and becomes ok with a matching server', async () => {
    const { settings } = fakeSettings(() => json(200, versionInfo()));
    const server = new HpcServer(settings);
    expect(server.state.kind).toBe('checking');
    const state = await server.check();
    expect(state.kind).toBe('ok');
    expect(server.state).toBe(state);
  });

  it('is incompatible when the API version differs', async () => {
    const { settings } = fakeSettings(() =>
      json(200, versionInfo({ apiVersion: 2 }))
    );
    const state = await new HpcServer(settings).check();
    expect(state.kind).toBe('incompatible');
    expect(state.kind === 'incompatible' && state.message).toContain(
      'API version 2'
    );
  });

  it('is incompatible when the release differs, not for a patch level', async () => {
    const other = fakeSettings(() =>
      json(200, versionInfo({ version: '0.2.0' }))
    );
    const patch = fakeSettings(() =>
      json(200, versionInfo({ version: '0.1.7' }))
    );
    expect((await new HpcServer(other.settings).check()).kind).toBe(
      'incompatible'
    );
    expect((await new HpcServer(patch.settings).check()).kind).toBe('ok');
  });

  it('is missing when nothing answers at hpc/', async () => {
    const { settings } = fakeSettings(() => new Response('', { status: 404 }));
    const state = await new HpcServer(settings).check();
    expect(state).toEqual({
      kind: 'missing',
      message: 'Nothing answers at hpc/ on this Jupyter server.'
    });
  });

  it("keeps the server's message when it refuses", async () => {
    const { settings } = fakeSettings(() =>
      json(403, { error: { code: 'FORBIDDEN', message: 'log in again' } })
    );
    const state = await new HpcServer(settings).check();
    expect(state).toEqual({ kind: 'missing', message: 'log in again' });
  });

  it('asks the server to detect again with POST capabilities/refresh', async () => {
    const { settings, requests } = fakeSettings(() => json(200, versionInfo()));
    await new HpcServer(settings).check(true);
    expect(requests.map(r => `${r.method} ${r.url}`)).toEqual([
      'POST http://localhost:8888/user/alice/hpc/api/capabilities/refresh'
    ]);
  });

  it('signals only real changes', async () => {
    const { settings } = fakeSettings(() => json(200, versionInfo()));
    const server = new HpcServer(settings);
    const seen: HandshakeState[] = [];
    server.stateChanged.connect((_, s) => seen.push(s), this);
    await server.check();
    await server.check();
    expect(seen.map(s => s.kind)).toEqual(['ok']);
  });
});
