/**
 * The charts panel's Lumino shell. The charts (recharts) load lazily, the
 * first time the panel is shown, so they cost nothing at Lab start-up.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import * as React from 'react';
import type { ResourceModel } from './model';

const LazyCharts = React.lazy(() =>
  import('./charts').then(module => ({ default: module.ResourceCharts }))
);

export class ResourcePanel extends ReactWidget {
  constructor(
    private _model: ResourceModel,
    private _trans: TranslationBundle,
    private _warnAt: () => number,
    private _kernelNames: () => ReadonlyMap<string, string> = () => new Map()
  ) {
    super();
    this.addClass('jp-HpcMeter-panel');
    _model.changed.connect(this.update, this);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (!this._historyLoaded) {
      this._historyLoaded = true;
      this._model.loadHistory().catch(reason => {
        this._historyLoaded = false;
        console.warn('jupyterlab-hpc: resource history not loaded', reason);
      });
    }
  }

  protected render(): JSX.Element {
    return (
      <React.Suspense
        fallback={
          <div className="jp-HpcMeter-loading">
            {this._trans.__('Loading charts…')}
          </div>
        }
      >
        <LazyCharts
          samples={this._model.samples}
          error={this._model.error}
          warnAt={this._warnAt()}
          kernelNames={this._kernelNames()}
          trans={this._trans}
        />
      </React.Suspense>
    );
  }

  private _historyLoaded = false;
}
