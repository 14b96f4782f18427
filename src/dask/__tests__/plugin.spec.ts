import { YNotebook } from '@jupyter/ydoc';
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { CommandRegistry } from '@lumino/commands';
import { json, versionInfo } from '../../__tests__/fakeServer';
import { HpcServer } from '../../core/model';
import { CommandIDs, daskPlugin } from '../plugin';
import { cluster } from './fixtures';
import { ServerConnection } from '@jupyterlab/services';

/** The plugin activated in a minimal Lab: real commands, a fake shell. */
async function activate(notebook: unknown) {
  const fetch = async (input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes('/api/version')) {
      return json(200, versionInfo());
    }
    return json(200, { clusters: [cluster()] });
  };
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    fetch: fetch as typeof window.fetch
  });
  const server = new HpcServer(settings);
  await server.check();
  const commands = new CommandRegistry();
  const added: { area: string; id: string }[] = [];
  const app = {
    commands,
    shell: {
      add: (widget: { id: string }, area: string) =>
        added.push({ area, id: widget.id }),
      activateById: jest.fn()
    },
    contextMenu: { addItem: jest.fn() },
    contextMenuHitTest: () => undefined
  } as unknown as JupyterFrontEnd;
  const tracker = { currentWidget: notebook };
  daskPlugin.activate(app, server, null, null, null, null, tracker);
  return { app, commands, added };
}

describe('the Dask plugin', () => {
  // The sidebar re-renders from Lumino messages, outside React's act().
  const env = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
  beforeAll(() => (env.IS_REACT_ACT_ENVIRONMENT = false));
  afterAll(() => (env.IS_REACT_ACT_ENVIRONMENT = true));

  it('adds the sidebar and inserts client code into the active notebook', async () => {
    const shared = YNotebook.create({});
    shared.insertCell(0, { cell_type: 'code', source: 'import dask' });
    const panel = {
      id: 'notebook-1',
      content: {
        model: { sharedModel: shared },
        activeCellIndex: 0,
        activeCell: {}
      }
    };
    const { app, commands, added } = await activate(panel);
    expect(added).toEqual([{ area: 'left', id: 'jp-HpcDask-panel' }]);
    // The poll's first answer (the plugin polls once Dask is available).
    await commands.execute(CommandIDs.refresh);
    expect(commands.isEnabled(CommandIDs.inject, { id: 'a1b2c3d4e5f6' })).toBe(
      true
    );
    await commands.execute(CommandIDs.inject, { id: 'a1b2c3d4e5f6' });
    expect(shared.cells.map(c => c.getSource())).toEqual([
      'import dask',
      [
        'from dask.distributed import Client',
        '',
        `client = Client(scheduler_file="${cluster().schedulerFile}")`,
        'client'
      ].join('\n')
    ]);
    expect(app.shell.activateById).toHaveBeenCalledWith('notebook-1');
  });

  it('has nothing to insert into without a notebook', async () => {
    const { commands } = await activate(null);
    await commands.execute(CommandIDs.refresh);
    expect(commands.isEnabled(CommandIDs.inject, { id: 'a1b2c3d4e5f6' })).toBe(
      true
    );
    // No notebook: a warning, and nothing thrown.
    await expect(
      commands.execute(CommandIDs.inject, { id: 'a1b2c3d4e5f6' })
    ).resolves.toBeUndefined();
  });
});
