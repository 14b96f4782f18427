/**
 * A read-only preview of an example's entry notebook in a Lab tab: rendered
 * by JupyterLab's own notebook widget with no kernel and no session, every
 * cell untrusted (JupyterLab then sanitizes HTML outputs and runs no script
 * or JavaScript output) and not editable. Loaded on first use.
 */
import { MainAreaWidget, ToolbarButton } from '@jupyterlab/apputils';
import type { IEditorServices } from '@jupyterlab/codeeditor';
import type * as nbformat from '@jupyterlab/nbformat';
import { Notebook, NotebookModel, StaticNotebook } from '@jupyterlab/notebook';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import { galleryIcon } from './icon';

export interface IPreviewOptions {
  id: string;
  title: string;
  notebook: Record<string, unknown>;
  rendermime: IRenderMimeRegistry;
  editorServices: IEditorServices;
  trans: TranslationBundle;
  onUse: () => void;
}

/** The notebook's JSON with every cell marked untrusted and read-only. */
export function lockedNotebook(
  value: Record<string, unknown>
): nbformat.INotebookContent {
  const nb = JSON.parse(JSON.stringify(value)) as nbformat.INotebookContent;
  nb.cells = (nb.cells ?? []).map(cell => ({
    ...cell,
    metadata: {
      ...(cell.metadata ?? {}),
      trusted: false,
      editable: false,
      deletable: false
    }
  }));
  return nb;
}

export function createPreview(
  options: IPreviewOptions
): MainAreaWidget<Notebook> {
  const model = new NotebookModel();
  model.fromJSON(lockedNotebook(options.notebook));
  for (const cell of model.cells) {
    cell.trusted = false;
  }
  model.dirty = false;
  const content = new Notebook({
    rendermime: options.rendermime,
    contentFactory: new Notebook.ContentFactory({
      editorFactory: options.editorServices.factoryService.newInlineEditor
    }),
    mimeTypeService: options.editorServices.mimeTypeService,
    notebookConfig: {
      ...StaticNotebook.defaultNotebookConfig,
      windowingMode: 'none'
    }
  });
  content.model = model;
  content.addClass('jp-HpcGallery-previewNotebook');
  const widget = new MainAreaWidget({ content });
  widget.id = `jp-hpc-gallery-preview-${options.id}`;
  widget.addClass('jp-HpcGallery-preview');
  widget.node.dataset.exampleId = options.id;
  widget.title.label = options.trans.__('Preview: %1', options.title);
  widget.title.caption = options.trans.__(
    '%1 — a read-only preview: no kernel, nothing runs',
    options.title
  );
  widget.title.icon = galleryIcon;
  widget.title.closable = true;
  widget.toolbar.addItem(
    'use',
    new ToolbarButton({
      label: options.trans.__('Use this example'),
      tooltip: options.trans.__(
        'Copy it into a new folder of yours and open it'
      ),
      onClick: options.onUse
    })
  );
  widget.disposed.connect(() => model.dispose());
  return widget;
}
