/**
 * The gallery's dialog bodies: submit a notebook for review, a reviewer's
 * note, and the report of an update (what came in, what was kept).
 */
import type { Dialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import type { ISubmission, IUpdateReport } from './types';

function field(
  parent: HTMLElement,
  label: string,
  input: HTMLInputElement | HTMLTextAreaElement
): void {
  const wrap = document.createElement('label');
  wrap.className = 'jp-HpcGallery-field';
  const text = document.createElement('span');
  text.textContent = label;
  input.classList.add('jp-mod-styled');
  wrap.append(text, input);
  parent.append(wrap);
}

export interface ISubmitValue {
  title: string;
  description: string;
  tags: string[];
}

/** Title, description and tags of a notebook submitted for review. */
export class SubmitBody
  extends Widget
  implements Dialog.IBodyWidget<ISubmitValue>
{
  constructor(defaultTitle: string, trans: TranslationBundle) {
    super();
    this.addClass('jp-HpcGallery-dialog');
    this._title.value = defaultTitle;
    this._title.maxLength = 200;
    this._tags.placeholder = trans.__('dask, slurm, gpu');
    field(this.node, trans.__('Title'), this._title);
    field(this.node, trans.__('Description'), this._description);
    field(this.node, trans.__('Tags (comma separated)'), this._tags);
    const hint = document.createElement('p');
    hint.textContent = trans.__(
      'A copy of the notebook as it is now goes to the gallery, marked "under review", with your name; a reviewer approves or rejects it.'
    );
    this.node.append(hint);
  }

  getValue(): ISubmitValue {
    return {
      title: this._title.value.trim(),
      description: this._description.value.trim(),
      tags: [
        ...new Set(
          this._tags.value
            .split(',')
            .map(t => t.trim())
            .filter(Boolean)
        )
      ]
    };
  }

  private _title = document.createElement('input');
  private _description = document.createElement('textarea');
  private _tags = document.createElement('input');
}

/** A reviewer's note (required to reject); null when it is missing. */
export class ReviewBody
  extends Widget
  implements Dialog.IBodyWidget<string | null>
{
  constructor(
    submission: ISubmission,
    private _decision: 'approve' | 'reject',
    trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-HpcGallery-dialog');
    const p = document.createElement('p');
    p.textContent = trans.__(
      '"%1" from %2 (%3).',
      submission.title,
      submission.submitter,
      submission.file
    );
    this.node.append(p);
    this._note.required = _decision === 'reject';
    field(
      this.node,
      _decision === 'reject'
        ? trans.__('Why (the submitter sees this)')
        : trans.__('Note (optional)'),
      this._note
    );
  }

  getValue(): string | null {
    const note = this._note.value.trim();
    return this._decision === 'reject' && !note ? null : note;
  }

  private _note = document.createElement('textarea');
}

/** The outcome of an update, file by file, in words. */
export function reportNode(
  report: IUpdateReport,
  trans: TranslationBundle
): Widget {
  const body = new Widget();
  body.addClass('jp-HpcGallery-report');
  const add = (title: string, lines: string[]) => {
    if (!lines.length) {
      return;
    }
    const h = document.createElement('h3');
    h.textContent = title;
    const ul = document.createElement('ul');
    for (const line of lines) {
      const li = document.createElement('li');
      li.textContent = line;
      ul.append(li);
    }
    body.node.append(h, ul);
  };
  if (report.upToDate) {
    add(trans.__('Already up to date'), []);
    const p = document.createElement('p');
    p.textContent = trans.__('Nothing changed upstream since your copy.');
    body.node.append(p);
    return body;
  }
  add(trans.__('Updated from the example'), report.updated);
  add(trans.__('Added'), report.added);
  const reason = (c: IUpdateReport['conflicts'][number]): string => {
    const beside = c.upstreamCopy
      ? trans.__("the example's version is in %1", c.upstreamCopy)
      : '';
    switch (c.reason) {
      case 'edited-both':
        return trans.__(
          '%1: you edited it and so did the example; yours is kept. %2',
          c.path,
          beside
        );
      case 'exists':
        return trans.__(
          '%1: new in the example, but you have a file of that name; yours is kept. %2',
          c.path,
          beside
        );
      case 'deleted-by-you':
        return trans.__(
          '%1: you deleted it; the example changed it; it stays deleted.',
          c.path
        );
      case 'removed-upstream':
        return trans.__(
          '%1: removed from the example; your file is kept.',
          c.path
        );
      case 'type-changed':
        return trans.__(
          '%1: a file on one side, a folder or link on the other; left alone.',
          c.path
        );
    }
  };
  add(
    trans.__('Not applied (your work is kept)'),
    report.conflicts.map(reason)
  );
  return body;
}
