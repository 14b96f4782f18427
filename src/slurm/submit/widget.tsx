/**
 * The submit form in a main-area tab (loaded on first use, not at start-up).
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';
import { slurmQueueIcon } from '../icon';
import type { ISubmitRequest, SubmitClient } from './api';
import { IScriptSource, SubmitForm } from './form';
import type { IFormValues } from './options';
import type { SubmitOutcome } from './submit';

export interface ISubmitWidgetOptions {
  client: SubmitClient;
  source: IScriptSource;
  initial: IFormValues;
  trans: TranslationBundle;
  onSubmit: (request: ISubmitRequest) => Promise<SubmitOutcome>;
}

let counter = 0;

/** A new form tab; it closes itself once the job is submitted. */
export function createSubmitWidget(
  options: ISubmitWidgetOptions
): MainAreaWidget<ReactWidget> {
  let widget: MainAreaWidget<ReactWidget> | null = null;
  const content = ReactWidget.create(
    <SubmitForm
      client={options.client}
      source={options.source}
      initial={options.initial}
      trans={options.trans}
      onSubmit={options.onSubmit}
      onDone={() => widget?.close()}
    />
  );
  content.addClass('jp-HpcSubmit-widget');
  widget = new MainAreaWidget({ content });
  widget.id = `jp-HpcSubmit-${++counter}`;
  widget.title.label = options.trans.__('Submit %1', options.source.label);
  widget.title.caption = options.trans.__(
    'Submit %1 as a Slurm batch job',
    options.source.label
  );
  widget.title.icon = slurmQueueIcon;
  widget.title.closable = true;
  return widget;
}
