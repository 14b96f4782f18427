import plugins from '../index';
import { FRONTEND_VERSION } from '../version';

describe('the plugin array', () => {
  it('names every plugin jupyterlab-hpc:<feature> and describes it', () => {
    expect(plugins.length).toBeGreaterThanOrEqual(2);
    for (const plugin of plugins) {
      expect(plugin.id).toMatch(/^jupyterlab-hpc:[a-z-]+$/);
      expect(plugin.description?.length).toBeGreaterThan(10);
    }
    expect(new Set(plugins.map(p => p.id)).size).toBe(plugins.length);
  });

  it('has a settings schema for each plugin', () => {
    for (const plugin of plugins) {
      const feature = plugin.id.split(':')[1];
      const schema = require(`../../schema/${feature}.json`);
      expect(schema.type).toBe('object');
      expect(schema.additionalProperties).toBe(false);
    }
  });

  it('reports the same version as package.json (the handshake compares it)', () => {
    expect(FRONTEND_VERSION).toBe(require('../../package.json').version);
  });
});
