/**
 * The Dask sidebar's Lumino shell: re-renders the panel when the model, the
 * handshake or the settings change, and tells the model when it is shown.
 * The panel (cards, forms) loads lazily, on first show.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import * as React from 'react';
import type { HandshakeState, IHpcServer } from '../tokens';
import type { DaskClient } from './api';
import type { ClientCodeStyle } from './code';
import type {
  IClusterActions,
  IDaskDefaults,
  IFormActions
} from './components/props';
import { DEFAULT_DEFAULTS } from './components/props';
import { daskIcon } from './icon';
import type { ClusterModel } from './model';

const LazyDaskPanel = React.lazy(() =>
  import('./components/DaskPanel').then(module => ({
    default: module.DaskPanel
  }))
);

/** Why Dask can't be used according to the handshake, or null if it can. */
export function daskUnavailable(
  state: HandshakeState,
  trans: TranslationBundle
): string | null {
  switch (state.kind) {
    case 'checking':
      return trans.__('Checking the HPC server…');
    case 'missing':
      return trans.__(
        'The jupyterlab-hpc server is not reachable: %1',
        state.message
      );
    case 'incompatible':
      return state.message;
    case 'ok': {
      const dask = state.info.capabilities.dask;
      return dask?.available
        ? null
        : trans.__(
            'Dask is not available here: %1',
            dask?.reason ?? trans.__('no reason given')
          );
    }
  }
}

export type FormKind = 'none' | 'create' | 'adopt';

export class DaskWidget extends ReactWidget {
  constructor(options: DaskWidget.IOptions) {
    super();
    this._options = options;
    this.id = 'jp-HpcDask-panel';
    this.addClass('jp-HpcDask-widget');
    this.title.icon = daskIcon;
    this.title.caption = options.trans.__('Dask clusters');
    options.model.changed.connect(this._onChange, this);
    options.server.stateChanged.connect(this._onChange, this);
  }

  /** The create form's defaults (setting `defaults`). */
  get defaults(): IDaskDefaults {
    return this._defaults;
  }
  set defaults(defaults: IDaskDefaults) {
    this._defaults = defaults;
    this.update();
  }

  get codeStyle(): ClientCodeStyle {
    return this._style;
  }
  set codeStyle(style: ClientCodeStyle) {
    this._style = style;
    this.update();
  }

  /** Which form is open. */
  get form(): FormKind {
    return this._form;
  }
  set form(form: FormKind) {
    this._form = form;
    this.update();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._options.model.isActive = false;
    this._options.server.stateChanged.disconnect(this._onChange, this);
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this._shown = true;
      this._options.model.isActive = true;
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._shown = true;
    this._options.model.isActive = true;
    this.update();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._options.model.isActive = false;
  }

  protected render(): JSX.Element {
    const { model, server, trans } = this._options;
    const fallback = (
      <p className="jp-HpcDask-hint">{trans.__('Loading the clusters…')}</p>
    );
    if (!this._shown) {
      // Never shown yet: the panel's chunk stays unloaded (B5).
      return fallback;
    }
    const state = server.state;
    return (
      <React.Suspense fallback={fallback}>
        <LazyDaskPanel
          unavailable={daskUnavailable(state, trans)}
          clusters={model.clusters}
          loaded={model.loaded}
          error={model.error}
          failures={model.failures}
          selected={model.selected}
          slurm={state.kind === 'ok' && state.info.capabilities.slurm.available}
          defaults={this._defaults}
          style={this._style}
          form={this._form}
          onFormChange={form => (this.form = form)}
          onRefresh={() => void model.refresh()}
          client={this._options.client}
          actions={this._options.actions}
          forms={this._options.forms}
          trans={trans}
        />
      </React.Suspense>
    );
  }

  private _onChange(): void {
    this.update();
  }

  private _options: DaskWidget.IOptions;
  private _shown = false;
  private _form: FormKind = 'none';
  private _defaults: IDaskDefaults = DEFAULT_DEFAULTS;
  private _style: ClientCodeStyle = 'schedulerFile';
}

export namespace DaskWidget {
  export interface IOptions {
    model: ClusterModel;
    server: IHpcServer;
    client: DaskClient;
    actions: IClusterActions;
    forms: IFormActions;
    trans: TranslationBundle;
  }
}
