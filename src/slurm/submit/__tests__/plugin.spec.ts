import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import type { IEditorTracker } from '@jupyterlab/fileeditor';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import { CommandRegistry } from '@lumino/commands';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import { act, waitFor } from '@testing-library/react';
import type { ISlurmQueue } from '../../tokens';
import { CommandIDs, slurmSubmitPlugin } from '../plugin';
import { fakeSubmitClient, healthyRoutes } from './fakes';

const FILE_TEXT = '#!/bin/bash\n#SBATCH -J from-disk\n';

/** Activates the plugin on a fake app; settings from `settings`. */
function activate(
  options: {
    settings?: { defaultProfile: string; showForm: boolean };
    editor?: ReturnType<typeof fakeEditor>;
  } = {}
) {
  const { server, seen } = fakeSubmitClient(healthyRoutes());
  const commands = new CommandRegistry();
  const added: Widget[] = [];
  const read: string[] = [];
  const app = {
    commands,
    shell: {
      add: (widget: Widget) => added.push(widget),
      activateById: () => undefined,
      currentWidget: options.editor ?? null
    },
    serviceManager: {
      contents: {
        localPath: (path: string) => path.replace(/^RTC:/, ''),
        get: async (path: string) => {
          read.push(path);
          return { content: FILE_TEXT };
        }
      }
    }
  } as unknown as JupyterFrontEnd;
  const revealed: string[] = [];
  const queue = {
    reveal: async (jobId: string) => void revealed.push(jobId)
  } as unknown as ISlurmQueue;
  const registry = options.settings
    ? ({
        load: async () => ({
          composite: options.settings,
          changed: { connect: () => undefined }
        })
      } as unknown as ISettingRegistry)
    : null;
  const editors = {
    currentWidget: options.editor ?? null,
    currentChanged: { connect: () => undefined }
  } as unknown as IEditorTracker;
  slurmSubmitPlugin.activate(
    app,
    queue,
    server,
    editors,
    null as IFileBrowserFactory | null,
    null,
    null,
    registry
  );
  return { commands, added, read, revealed, seen };
}

function fakeEditor(path: string, text: { value: string }) {
  return {
    context: { path },
    content: {
      model: {
        sharedModel: {
          getSource: () => text.value,
          changed: new Signal<object, void>({})
        }
      }
    }
  };
}

const settle = () => new Promise(r => setTimeout(r, 0));

afterEach(() => Notification.dismiss());

describe('slurmSubmitPlugin', () => {
  it('offers "Submit as Slurm Job" for batch scripts only', () => {
    const { commands } = activate();
    expect(
      commands.isVisible(CommandIDs.submitFile, { path: 'a/run.sh' })
    ).toBe(true);
    expect(
      commands.isVisible(CommandIDs.submitFile, { path: 'a/b.slurm' })
    ).toBe(true);
    expect(
      commands.isVisible(CommandIDs.submitFile, { path: 'notes.txt' })
    ).toBe(false);
    expect(commands.label(CommandIDs.submitFile)).toBe('Submit as Slurm Job');
  });

  it("opens the form on a file, read through Jupyter's contents, in its folder", async () => {
    const { commands, added, read, seen } = activate();
    await commands.execute(CommandIDs.submitFile, { path: 'a/run.sh' });
    expect(added).toHaveLength(1);
    expect(added[0].title.label).toBe('Submit run.sh');
    Widget.attach(added[0], document.body);
    await waitFor(
      () =>
        expect(
          seen.find(s => s.route === 'POST slurm/jobs/preview')?.body
        ).toEqual({ script: FILE_TEXT, cwd: 'a' }),
      // The form's module loads lazily: slow on a busy machine.
      { timeout: 10000 }
    );
    expect(read).toEqual(['a/run.sh']);
    expect(added[0].node.textContent).toContain('Submit run.sh to Slurm');
    await act(async () => added[0].dispose());
  });

  it('submits at once with the default profile when the form is off', async () => {
    const { commands, added, revealed, seen } = activate({
      settings: { defaultProfile: 'Debug short', showForm: false }
    });
    await settle();
    await commands.execute(CommandIDs.submitFile, { path: 'a/run.sh' });
    expect(added).toEqual([]);
    expect(seen.map(s => s.route)).toEqual(['POST slurm/jobs']);
    expect(seen[0].body).toEqual({
      script: FILE_TEXT,
      cwd: 'a',
      profile: 'Debug short'
    });
    expect(revealed).toEqual(['42']);
  });

  it("submits the editor's current text, unsaved changes included", async () => {
    const text = { value: '#!/bin/bash\necho saved\n' };
    const editor = fakeEditor('RTC:dir/x.sh', text);
    const { commands, seen } = activate({
      editor,
      settings: { defaultProfile: '', showForm: false }
    });
    await settle();
    expect(commands.isEnabled(CommandIDs.submitEditor)).toBe(true);
    text.value = '#!/bin/bash\necho not saved yet\n';
    await commands.execute(CommandIDs.submitEditor);
    expect(seen[0].body).toEqual({ script: text.value, cwd: 'dir' });
  });

  it('is greyed out without an editor in front', () => {
    const { commands } = activate();
    expect(commands.isEnabled(CommandIDs.submitEditor)).toBe(false);
  });
});
