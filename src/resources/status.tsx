/**
 * The status bar item: `CPU 1.2/4 · Mem 3.1/16 GB · GPU 45% · 1h12m left`,
 * each part only when known, coloured near its limit; a click opens the
 * charts.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';
import type { ResourceModel } from './model';
import { summarize, type ISummaryOptions } from './summary';

export class ResourceStatus extends ReactWidget {
  constructor(options: ResourceStatus.IOptions) {
    super();
    this._options = options;
    this.addClass('jp-HpcMeter-status');
    this.node.setAttribute('role', 'button');
    this.node.tabIndex = 0;
    options.model.changed.connect(this.update, this);
    this.node.addEventListener('click', options.onOpen);
    this.node.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        options.onOpen();
      }
    });
  }

  /** Thresholds and parts shown (settings). */
  set summaryOptions(options: ISummaryOptions) {
    this._options.summary = options;
    this.update();
  }

  protected render(): JSX.Element | null {
    const { model, trans, summary } = this._options;
    const sample = model.latest;
    if (!sample) {
      this.node.title = model.error ?? '';
      return null;
    }
    const parts = summarize(sample, Date.now(), summary, trans);
    const tooltip = parts.map(part => part.detail);
    if (model.error) {
      tooltip.push(trans.__('Not up to date: %1', model.error));
    }
    tooltip.push(trans.__('Click for charts'));
    this.node.title = tooltip.join('\n');
    return (
      <span
        className={
          model.error ? 'jp-HpcMeter-parts jp-mod-stale' : 'jp-HpcMeter-parts'
        }
      >
        {parts.map((part, i) => (
          <React.Fragment key={part.kind}>
            {i > 0 && <span className="jp-HpcMeter-sep"> · </span>}
            <span
              className={`jp-HpcMeter-part jp-mod-${part.level}`}
              data-kind={part.kind}
            >
              {part.text}
            </span>
          </React.Fragment>
        ))}
      </span>
    );
  }

  private _options: ResourceStatus.IOptions;
}

export namespace ResourceStatus {
  export interface IOptions {
    model: ResourceModel;
    trans: TranslationBundle;
    summary: ISummaryOptions;
    onOpen: () => void;
  }
}
