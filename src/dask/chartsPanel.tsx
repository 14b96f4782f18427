/**
 * A cluster's charts pane (loaded on first use): polls the cluster's
 * metrics every 2 seconds while shown, and offers its Bokeh plots when the
 * scheduler has them. The charts themselves are a further lazy chunk.
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Poll } from '@lumino/polling';
import type { Message } from '@lumino/messaging';
import * as React from 'react';
import type { DaskClient } from './api';
import { daskIcon } from './icon';
import { messageOf } from './model';
import type { ClusterModel } from './model';
import type { IClusterSample } from './types';

const LazyCharts = React.lazy(() =>
  import('./charts').then(module => ({ default: module.ClusterCharts }))
);

export const METRICS_SECONDS = 300;
const METRICS_INTERVAL_MS = 2000;

export class ChartsPanel extends ReactWidget {
  constructor(private _options: ChartsPanel.IOptions) {
    super();
    this.addClass('jp-HpcDask-chartsPanel');
    this._poll = new Poll({
      factory: () => this._fetch(),
      frequency: {
        interval: METRICS_INTERVAL_MS,
        backoff: true,
        max: 60_000
      },
      standby: () => (this.isVisible ? 'when-hidden' : true),
      name: 'jupyterlab-hpc:dask-metrics'
    });
    _options.model.changed.connect(this.update, this);
  }

  get samples(): readonly IClusterSample[] {
    return this._samples;
  }

  async refresh(): Promise<void> {
    await this._poll.refresh();
    await this._poll.tick;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    this._options.model.changed.disconnect(this.update, this);
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this._poll.refresh();
  }

  protected render(): JSX.Element {
    const { model, clusterId, trans, onPlot } = this._options;
    const cluster = model.find(clusterId);
    const plots = Object.entries(cluster?.plots ?? {});
    return (
      <div className="jp-HpcDask-chartsBody">
        <div className="jp-HpcDask-toolbar">
          <h2 className="jp-HpcDask-title">
            {cluster
              ? trans.__('Dask cluster %1', cluster.name)
              : trans.__('This cluster is gone.')}
          </h2>
          {plots.map(([label, route]) => (
            <button
              key={label}
              className="jp-mod-styled"
              onClick={() => onPlot(clusterId, label, route)}
            >
              {label.replace(/^Individual /, '')}
            </button>
          ))}
        </div>
        <React.Suspense
          fallback={
            <div className="jp-HpcDask-hint">{trans.__('Loading charts…')}</div>
          }
        >
          <LazyCharts
            samples={this._samples}
            error={this._error}
            trans={trans}
          />
        </React.Suspense>
      </div>
    );
  }

  private async _fetch(): Promise<void> {
    try {
      this._samples = await this._options.client.metrics(
        this._options.clusterId,
        METRICS_SECONDS
      );
      this._error = null;
    } catch (error) {
      this._error = messageOf(error);
      this.update();
      throw error; // the poll backs off
    }
    this.update();
  }

  private _poll: Poll;
  private _samples: IClusterSample[] = [];
  private _error: string | null = null;
}

export namespace ChartsPanel {
  export interface IOptions {
    client: DaskClient;
    model: ClusterModel;
    clusterId: string;
    onPlot(id: string, label: string, route: string): void;
    trans: TranslationBundle;
  }
}

/** The main-area pane of a cluster's charts. */
export function createChartsWidget(
  options: ChartsPanel.IOptions
): MainAreaWidget<ChartsPanel> {
  const content = new ChartsPanel(options);
  const widget = new MainAreaWidget({ content });
  const name = options.model.find(options.clusterId)?.name ?? options.clusterId;
  widget.id = `jp-HpcDask-charts-${options.clusterId}`;
  widget.title.label = options.trans.__('Dask: %1', name);
  widget.title.icon = daskIcon;
  widget.title.closable = true;
  return widget;
}
