/**
 * Submitting batch scripts to Slurm: "Submit as Slurm Job" for the open
 * editor (its current text, unsaved changes included) and for `.sh`,
 * `.sbatch`, `.slurm` files in the file browser, and "New Slurm Job" from
 * the palette. Each opens the submit form (or, if the settings say so,
 * submits at once); the new job is then shown in the queue.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { IEditorTracker } from '@jupyterlab/fileeditor';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { IHpcServer } from '../../tokens';
import { ISlurmQueue } from '../tokens';
import { ISubmitRequest, SubmitClient } from './api';
import type { IScriptSource } from './form';
import { EMPTY_VALUES, isBatchScriptPath, SCRIPT_TEMPLATE } from './options';
import { submitJob } from './submit';

const SUBMIT_ID = 'jupyterlab-hpc:slurm-submit';

export namespace CommandIDs {
  export const submitEditor = 'jupyterlab-hpc:slurm-submit-editor';
  export const submitFile = 'jupyterlab-hpc:slurm-submit-file';
  export const submitNew = 'jupyterlab-hpc:slurm-submit-new';
}

export const slurmSubmitPlugin: JupyterFrontEndPlugin<void> = {
  id: SUBMIT_ID,
  description:
    'Submit batch scripts to Slurm from the editor, the file browser or a form with site profiles, with a preview of what runs.',
  autoStart: true,
  requires: [ISlurmQueue, IHpcServer],
  optional: [
    IEditorTracker,
    IFileBrowserFactory,
    ITranslator,
    ICommandPalette,
    ISettingRegistry
  ],
  activate: (
    app: JupyterFrontEnd,
    queue: ISlurmQueue,
    server: IHpcServer,
    editors: IEditorTracker | null,
    browsers: IFileBrowserFactory | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    registry: ISettingRegistry | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const { commands, shell } = app;
    const contents = app.serviceManager.contents;
    const client = new SubmitClient(server);
    let defaultProfile = '';
    let showForm = true;

    if (registry) {
      const apply = (loaded: ISettingRegistry.ISettings) => {
        defaultProfile = loaded.composite.defaultProfile as string;
        showForm = loaded.composite.showForm as boolean;
      };
      void registry
        .load(SUBMIT_ID)
        .then(loaded => {
          apply(loaded);
          loaded.changed.connect(apply);
        })
        .catch(reason => {
          console.error('jupyterlab-hpc: submit settings not loaded', reason);
        });
    }

    let forms = 0;
    const openForm = async (source: IScriptSource) => {
      const { createSubmitWidget } = await import('./widget');
      const key = `form-${++forms}`;
      const widget = createSubmitWidget({
        client,
        source,
        trans,
        initial: { ...EMPTY_VALUES, profile: defaultProfile },
        onSubmit: (request: ISubmitRequest) =>
          submitJob(key, { client, queue, request, label: source.label, trans })
      });
      shell.add(widget, 'main', { mode: 'split-right' });
      shell.activateById(widget.id);
    };

    /** The form, or (setting `showForm` off) a direct submission. */
    const start = async (key: string, source: IScriptSource) => {
      if (showForm) {
        return openForm(source);
      }
      const request: ISubmitRequest = {
        script: await source.read(),
        cwd: source.cwd,
        ...(defaultProfile ? { profile: defaultProfile } : {})
      };
      await submitJob(key, {
        client,
        queue,
        request,
        label: source.label,
        trans,
        onFailedAction: {
          label: trans.__('Open the form'),
          callback: () => void openForm(source)
        }
      });
    };

    const currentEditor = () => {
      const widget = editors?.currentWidget ?? null;
      return widget && widget === shell.currentWidget ? widget : null;
    };
    commands.addCommand(CommandIDs.submitEditor, {
      label: trans.__('Submit as Slurm Job'),
      caption: trans.__(
        "Submit the editor's text (unsaved changes included) with sbatch, in the file's folder"
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      isEnabled: () => currentEditor() !== null,
      execute: () => {
        const widget = currentEditor();
        if (!widget) {
          return;
        }
        const path = contents.localPath(widget.context.path);
        const shared = widget.content.model.sharedModel;
        return start(path, {
          label: PathExt.basename(path),
          cwd: PathExt.dirname(path),
          editable: false,
          read: async () => shared.getSource(),
          watch: changed => {
            const onChange = () => changed();
            shared.changed.connect(onChange);
            return () => shared.changed.disconnect(onChange);
          }
        });
      }
    });

    /** The file named in the args, or the one selected in the browser. */
    const selectedFile = (args: { path?: unknown }): string | null => {
      if (typeof args.path === 'string') {
        return args.path;
      }
      const browser = browsers?.tracker.currentWidget;
      const item = browser?.selectedItems().next();
      return item && !item.done && item.value.type !== 'directory'
        ? item.value.path
        : null;
    };
    commands.addCommand(CommandIDs.submitFile, {
      label: trans.__('Submit as Slurm Job'),
      caption: trans.__('Submit this batch script with sbatch, in its folder'),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            path: {
              type: 'string',
              description: 'The script; the file browser selection by default'
            }
          }
        }
      },
      isVisible: args => {
        const path = selectedFile(args);
        return path !== null && isBatchScriptPath(path);
      },
      execute: args => {
        const selected = selectedFile(args);
        if (!selected) {
          return;
        }
        const path = contents.localPath(selected);
        return start(path, {
          label: PathExt.basename(path),
          cwd: PathExt.dirname(path),
          editable: false,
          read: async () => {
            const model = await contents.get(selected, {
              type: 'file',
              format: 'text',
              content: true
            });
            return String(model.content);
          }
        });
      }
    });

    commands.addCommand(CommandIDs.submitNew, {
      label: trans.__('New Slurm Job…'),
      caption: trans.__(
        'Write a batch script in the submit form, with site profiles and partitions'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () =>
        openForm({
          label: trans.__('New script'),
          cwd: contents.localPath(
            browsers?.tracker.currentWidget?.model.path ?? ''
          ),
          editable: true,
          read: async () => SCRIPT_TEMPLATE
        })
    });

    editors?.currentChanged.connect(() => commands.notifyCommandChanged());
    if (palette) {
      const category = trans.__('HPC');
      palette.addItem({ command: CommandIDs.submitNew, category });
      palette.addItem({ command: CommandIDs.submitEditor, category });
    }
  }
};
