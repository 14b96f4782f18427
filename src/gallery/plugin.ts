/**
 * The example gallery: wires the model, the gallery view (main area), the
 * Launcher's "Examples" section, previews, Use with progress and
 * notifications, updates with their report, "Submit to Gallery for Review"
 * in the file browser, and reviews.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  MainAreaWidget,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { IEditorServices } from '@jupyterlab/codeeditor';
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import type { IDisposable } from '@lumino/disposable';
import { IHpcServer } from '../tokens';
import { GalleryClient } from './api';
import { ReviewBody, SubmitBody, reportNode } from './dialogs';
import { galleryIcon } from './icon';
import { errorMessage, GalleryModel } from './model';
import type { ISubmission, ITask } from './types';
import { GalleryWidget, IGalleryActions } from './widget';

const GALLERY_ID = 'jupyterlab-hpc:gallery';

export namespace CommandIDs {
  export const open = 'jupyterlab-hpc:gallery-open';
  export const preview = 'jupyterlab-hpc:gallery-preview';
  export const use = 'jupyterlab-hpc:gallery-use';
  export const submit = 'jupyterlab-hpc:gallery-submit';
}

interface ISettings {
  destination: string;
  openAfterUse: boolean;
  showInLauncher: boolean;
  launcherItems: number;
}

const DEFAULTS: ISettings = {
  destination: '',
  openAfterUse: true,
  showInLauncher: true,
  launcherItems: 6
};

const ID_ARGS = {
  args: {
    type: 'object',
    properties: { id: { type: 'string', description: 'The example id' } }
  }
};

/** The words of a finished task, for its notification. */
export function taskOutcome(task: ITask, trans: TranslationBundle): string {
  const what = task.exampleTitle;
  switch (task.state) {
    case 'done':
      return task.kind === 'use'
        ? trans.__('"%1" is ready in %2', what, task.path)
        : trans.__('%1: %2', task.path, task.message);
    case 'failed':
      return task.kind === 'use'
        ? trans.__(
            '"%1" could not be copied: %2',
            what,
            task.error?.message ?? task.message
          )
        : trans.__(
            '%1 could not be updated: %2',
            task.path,
            task.error?.message ?? task.message
          );
    case 'cancelled':
      return trans.__('Copy of "%1" cancelled: nothing was kept', what);
    default:
      return task.message;
  }
}

export const galleryPlugin: JupyterFrontEndPlugin<void> = {
  id: GALLERY_ID,
  description:
    'Curated and staged examples: preview without a kernel, Use into a fresh folder, update a copy keeping your edits, submit notebooks for review.',
  autoStart: true,
  requires: [IHpcServer],
  optional: [
    ISettingRegistry,
    ITranslator,
    ICommandPalette,
    ILauncher,
    IDocumentManager,
    IDefaultFileBrowser,
    IRenderMimeRegistry,
    IEditorServices
  ],
  activate: (
    app: JupyterFrontEnd,
    server: IHpcServer,
    registry: ISettingRegistry | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    launcher: ILauncher | null,
    docManager: IDocumentManager | null,
    browser: IDefaultFileBrowser | null,
    rendermime: IRenderMimeRegistry | null,
    editorServices: IEditorServices | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const { commands, shell } = app;
    const client = new GalleryClient(server);
    const model = new GalleryModel({ client });
    let settings: ISettings = { ...DEFAULTS };
    /** Notification ids of the tasks followed from this page. */
    const toasts = new Map<string, string>();

    const galleryAvailable = () =>
      server.state.kind === 'ok' &&
      !!server.state.info.capabilities.gallery?.available;

    /** Opens a notebook of the root and shows it in the file browser. */
    const reveal = async (path: string) => {
      if (docManager) {
        docManager.openOrReveal(path);
      } else {
        await commands.execute('docmanager:open', { path });
      }
      await commands
        .execute('filebrowser:go-to-path', { path, dontShowBrowser: false })
        .catch(() => undefined);
    };

    const use = async (id: string) => {
      const example = model.find(id);
      const title = example?.title ?? id;
      try {
        const task = await model.use(id, settings.destination || undefined);
        toasts.set(
          task.id,
          Notification.emit(
            trans.__('Copying "%1" into %2…', title, task.path),
            'in-progress',
            {
              autoClose: false,
              actions: [
                {
                  label: trans.__('Cancel'),
                  callback: () => void cancel(task.id)
                }
              ]
            }
          )
        );
      } catch (e) {
        Notification.error(
          trans.__('"%1" could not be copied: %2', title, errorMessage(e)),
          { autoClose: false }
        );
      }
    };

    const cancel = async (taskId: string) => {
      try {
        await model.cancel(taskId);
      } catch (e) {
        Notification.error(errorMessage(e), { autoClose: 8000 });
      }
    };

    const update = async (id: string, path: string) => {
      try {
        const task = await model.update(id, path);
        toasts.set(
          task.id,
          Notification.emit(
            trans.__('Updating %1 from the gallery…', path),
            'in-progress',
            { autoClose: false }
          )
        );
      } catch (e) {
        Notification.error(
          trans.__('%1 could not be updated: %2', path, errorMessage(e)),
          { autoClose: false }
        );
      }
    };

    model.settled.connect((_, task) => {
      const toast = toasts.get(task.id);
      toasts.delete(task.id);
      if (toast) {
        Notification.dismiss(toast);
      } else if (task.kind === 'use' && task.state !== 'done') {
        return; // not started from this page: its card shows it
      }
      const message = taskOutcome(task, trans);
      if (task.state === 'done' && task.kind === 'use') {
        Notification.success(message, {
          autoClose: 8000,
          actions: task.entry
            ? [
                {
                  label: trans.__('Open'),
                  callback: () => void reveal(task.entry as string)
                }
              ]
            : []
        });
        if (toast && settings.openAfterUse) {
          void reveal(task.entry ?? task.path);
        }
      } else if (task.state === 'done' && task.report) {
        const report = task.report;
        Notification.emit(
          message,
          report.conflicts.length ? 'warning' : 'success',
          {
            autoClose: report.conflicts.length ? false : 8000,
            actions: report.upToDate
              ? []
              : [
                  {
                    label: trans.__('Details'),
                    callback: () =>
                      void showDialog({
                        title: trans.__('Update of %1', task.path),
                        body: reportNode(report, trans),
                        buttons: [Dialog.okButton()]
                      })
                  }
                ]
          }
        );
        if (!report.upToDate && toast) {
          void showDialog({
            title: trans.__('Update of %1', task.path),
            body: reportNode(report, trans),
            buttons: [Dialog.okButton()]
          });
        }
      } else if (task.state === 'failed') {
        Notification.error(message, { autoClose: false });
      } else if (task.state === 'cancelled') {
        Notification.info(message, { autoClose: 5000 });
      }
    });

    const preview = async (id: string) => {
      const example = model.find(id);
      const title = example?.title ?? id;
      const existing = `jp-hpc-gallery-preview-${id}`;
      for (const w of shell.widgets('main')) {
        if (w.id === existing) {
          shell.activateById(w.id);
          return;
        }
      }
      if (!rendermime || !editorServices) {
        Notification.error(
          trans.__(
            'Previews need JupyterLab’s notebook renderers, missing here.'
          )
        );
        return;
      }
      try {
        const [notebook, { createPreview }] = await Promise.all([
          client.preview(id),
          import('./preview')
        ]);
        const widget = createPreview({
          id,
          title,
          notebook,
          rendermime,
          editorServices,
          trans,
          onUse: () => void use(id)
        });
        shell.add(widget, 'main');
        shell.activateById(widget.id);
      } catch (e) {
        Notification.error(
          trans.__('"%1" cannot be previewed: %2', title, errorMessage(e)),
          { autoClose: 10000 }
        );
      }
    };

    const review = async (s: ISubmission, decision: 'approve' | 'reject') => {
      const body = new ReviewBody(s, decision, trans);
      const result = await showDialog({
        title:
          decision === 'approve'
            ? trans.__('Approve "%1"', s.title)
            : trans.__('Reject "%1"', s.title),
        body,
        buttons: [
          Dialog.cancelButton(),
          decision === 'approve'
            ? Dialog.okButton({ label: trans.__('Approve') })
            : Dialog.warnButton({ label: trans.__('Reject') })
        ]
      });
      if (!result.button.accept || result.value === null) {
        return;
      }
      try {
        const after = await client.review(s.id, decision, result.value);
        Notification.success(
          decision === 'approve'
            ? trans.__('"%1" is approved: it is now curated', after.title)
            : trans.__(
                '"%1" is rejected; %2 sees your note',
                after.title,
                after.submitter
              ),
          { autoClose: 6000 }
        );
      } catch (e) {
        Notification.error(errorMessage(e), { autoClose: false });
      }
      await model.refresh();
    };

    const withdraw = async (s: ISubmission) => {
      const result = await showDialog({
        title: trans.__('Withdraw "%1"?', s.title),
        body: trans.__(
          'It leaves the staging area; your own notebook (%1) is not touched.',
          s.from
        ),
        buttons: [
          Dialog.cancelButton(),
          Dialog.warnButton({ label: trans.__('Withdraw') })
        ]
      });
      if (!result.button.accept) {
        return;
      }
      try {
        await client.withdraw(s.id);
      } catch (e) {
        Notification.error(errorMessage(e), { autoClose: false });
      }
      await model.refresh();
    };

    const actions: IGalleryActions = {
      preview: id => void preview(id),
      use: id => void use(id),
      cancel: id => void cancel(id),
      openCopy: copy => void reveal(copy.entry ?? copy.path),
      update: (id, path) => void update(id, path),
      withdraw: s => void withdraw(s),
      review: (s, decision) => void review(s, decision)
    };

    let gallery: MainAreaWidget<GalleryWidget> | null = null;
    commands.addCommand(CommandIDs.open, {
      label: trans.__('Example Gallery'),
      caption: trans.__(
        'Curated and staged examples: preview them, use a copy'
      ),
      icon: galleryIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => {
        if (!gallery || gallery.isDisposed) {
          const content = new GalleryWidget({ model, actions, trans });
          gallery = new MainAreaWidget({ content });
          gallery.id = 'jp-hpc-gallery';
          gallery.title.label = trans.__('Example Gallery');
          gallery.title.icon = galleryIcon;
          gallery.title.closable = true;
        }
        if (!gallery.isAttached) {
          shell.add(gallery, 'main');
        }
        shell.activateById(gallery.id);
        void model.refresh();
      }
    });
    commands.addCommand(CommandIDs.preview, {
      label: args =>
        model.find(String(args.id))?.title ?? trans.__('Preview an example'),
      caption: args =>
        model.find(String(args.id))?.description ?? trans.__('Preview'),
      icon: galleryIcon,
      describedBy: ID_ARGS,
      execute: args => preview(String(args.id))
    });
    commands.addCommand(CommandIDs.use, {
      label: args =>
        trans.__(
          'Use %1',
          model.find(String(args.id))?.title ?? String(args.id)
        ),
      describedBy: ID_ARGS,
      execute: args => use(String(args.id))
    });

    /** The notebook under the file browser's context menu. */
    const selectedNotebook = (): string | null => {
      const item = browser?.selectedItems().next();
      const model = item && !item.done ? item.value : null;
      return model && model.type === 'notebook' ? model.path : null;
    };
    commands.addCommand(CommandIDs.submit, {
      label: trans.__('Submit to Gallery for Review…'),
      caption: trans.__(
        'Stage this notebook in the example gallery; a reviewer approves or rejects it'
      ),
      icon: galleryIcon,
      isVisible: () =>
        !!model.list?.viewer.canSubmit && selectedNotebook() !== null,
      describedBy: {
        args: {
          type: 'object',
          properties: {
            path: {
              type: 'string',
              description: 'The notebook, relative to the root'
            }
          }
        }
      },
      execute: async args => {
        const path =
          typeof args.path === 'string' ? args.path : selectedNotebook();
        if (!path) {
          return;
        }
        const body = new SubmitBody(PathExt.basename(path, '.ipynb'), trans);
        const result = await showDialog({
          title: trans.__('Submit %1 for review', PathExt.basename(path)),
          body,
          buttons: [
            Dialog.cancelButton(),
            Dialog.okButton({ label: trans.__('Submit') })
          ]
        });
        if (!result.button.accept || !result.value) {
          return;
        }
        try {
          const s = await client.submit({ path, ...result.value });
          Notification.success(
            trans.__(
              '"%1" is in the gallery, under review; you will see the reviewer’s decision there.',
              s.title
            ),
            {
              autoClose: 8000,
              actions: [
                {
                  label: trans.__('Show'),
                  callback: () => void commands.execute(CommandIDs.open)
                }
              ]
            }
          );
          await model.refresh();
        } catch (e) {
          Notification.error(
            trans.__('%1 could not be submitted: %2', path, errorMessage(e)),
            { autoClose: false }
          );
        }
      }
    });
    app.contextMenu.addItem({
      command: CommandIDs.submit,
      selector: '.jp-DirListing-item[data-file-type="notebook"]',
      rank: 60
    });
    palette?.addItem({ command: CommandIDs.open, category: trans.__('HPC') });

    // The Launcher's "Examples" section: the gallery and curated examples.
    const category = trans.__('Examples');
    let launched: IDisposable[] = [];
    const fillLauncher = () => {
      if (!launcher) {
        return;
      }
      launched.forEach(d => d.dispose());
      launched = [];
      if (!settings.showInLauncher || !galleryAvailable()) {
        return;
      }
      launched.push(
        launcher.add({ command: CommandIDs.open, category, rank: 0 })
      );
      const curated = (model.list?.examples ?? [])
        .filter(e => e.status === 'curated' && e.entry !== undefined)
        .slice(0, settings.launcherItems);
      curated.forEach((e, i) =>
        launched.push(
          launcher.add({
            command: CommandIDs.preview,
            args: { id: e.id },
            category,
            rank: i + 1
          })
        )
      );
    };
    let shownIds = '';
    model.changed.connect(() => {
      const ids = (model.list?.examples ?? []).map(e => e.id).join(',');
      if (ids !== shownIds) {
        shownIds = ids;
        fillLauncher();
      }
    });

    const start = () => {
      if (galleryAvailable()) {
        void model.refresh().then(() => model.attach());
      }
      fillLauncher();
    };
    server.stateChanged.connect(start);
    start();

    if (registry) {
      const apply = (loaded: ISettingRegistry.ISettings) => {
        settings = { ...DEFAULTS, ...(loaded.composite as Partial<ISettings>) };
        fillLauncher();
      };
      void registry
        .load(GALLERY_ID)
        .then(loaded => {
          apply(loaded);
          loaded.changed.connect(apply);
        })
        .catch(reason =>
          console.error('jupyterlab-hpc: gallery settings not loaded', reason)
        );
    }
  }
};
