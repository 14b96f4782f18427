/**
 * The sidebar's Lumino shell: re-renders `QueuePanel` when the model or the
 * server's handshake changes, and tells the model when it is shown. The
 * panel (the table and its libraries) loads lazily, on first show.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import * as React from 'react';
import type { HandshakeState, IHpcServer } from '../tokens';
import { slurmQueueIcon } from './icon';
import type { QueueModel } from './model';
import type { IRevealRequest } from './components/QueueTable';
import type { IJob, JobAction } from './types';

/** The columns hidden until the settings say otherwise (schema default). */
export const DEFAULT_HIDDEN_COLUMNS = [
  'account',
  'partition',
  'limit',
  'nodes',
  'cpus'
];

const LazyQueuePanel = React.lazy(() =>
  import('./components/QueuePanel').then(module => ({
    default: module.QueuePanel
  }))
);

/** Why Slurm can't be used according to the handshake, or null if it can. */
export function slurmUnavailable(
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
      const slurm = state.info.capabilities.slurm;
      return slurm.available
        ? null
        : trans.__(
            'Slurm is not available here: %1',
            slurm.reason ?? trans.__('no reason given')
          );
    }
  }
}

export class QueueWidget extends ReactWidget {
  constructor(options: QueueWidget.IOptions) {
    super();
    this._model = options.model;
    this._server = options.server;
    this._trans = options.trans;
    this._options = options;
    this.id = 'jp-HpcSlurm-panel';
    this.addClass('jp-HpcSlurm-widget');
    this.title.icon = slurmQueueIcon;
    this.title.caption = this._trans.__('Slurm queue');
    this._model.jobsChanged.connect(this._onChange, this);
    this._model.statusChanged.connect(this._onChange, this);
    this._model.selectionChanged.connect(this._onChange, this);
    this._server.stateChanged.connect(this._onChange, this);
    this._model.revealRequested.connect(this._onReveal, this);
  }

  /** The clusters the server reports (`slurm.clusters`). */
  get clusters(): readonly string[] {
    const state = this._server.state;
    return state.kind === 'ok' ? state.info.capabilities.slurm.clusters : [];
  }

  /** The columns not shown (ids from `COLUMN_IDS`). */
  get hiddenColumns(): readonly string[] {
    return this._hidden;
  }
  set hiddenColumns(hidden: readonly string[]) {
    this._hidden = hidden;
    this.update();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._model.isActive = false;
    this._server.stateChanged.disconnect(this._onChange, this);
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this._shown = true;
      this._model.isActive = true;
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._shown = true;
    this._model.isActive = true;
    this.update();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._model.isActive = false;
  }

  protected render(): JSX.Element {
    const model = this._model;
    const trans = this._trans;
    const options = this._options;
    const fallback = (
      <p className="jp-HpcSlurm-loading">{trans.__('Loading the queue…')}</p>
    );
    if (!this._shown) {
      // Never shown yet: the table and its libraries stay unloaded (B5).
      return fallback;
    }
    return (
      <React.Suspense fallback={fallback}>
        <LazyQueuePanel
          unavailable={slurmUnavailable(this._server.state, trans)}
          jobs={model.jobs}
          status={model.status}
          scope={model.scope}
          onScopeChange={scope => (model.scope = scope)}
          clusters={this.clusters}
          cluster={model.cluster}
          onClusterChange={cluster => {
            model.cluster = cluster;
            this.update();
          }}
          onRefresh={() => void model.refresh()}
          selection={model.selection}
          onSelectionChange={ids => model.select(ids)}
          onAction={options.onAction}
          onOpen={options.onOpen}
          reveal={this._reveal}
          onRevealed={this._onRevealed}
          hiddenColumns={this._hidden}
          onHiddenColumnsChange={hidden => {
            this.hiddenColumns = hidden;
            options.onHiddenColumnsChange?.(hidden);
          }}
          trans={trans}
        />
      </React.Suspense>
    );
  }

  private _onChange(): void {
    this.update();
  }

  private _onReveal(_: QueueModel, jobId: string): void {
    this._reveal = { jobId, seq: ++this._revealSeq };
    this.update();
  }

  /** Taken by the table: a later mount must not scroll to it again. */
  private _onRevealed = (): void => {
    this._reveal = null;
  };

  private _shown = false;
  private _model: QueueModel;
  private _server: IHpcServer;
  private _trans: TranslationBundle;
  private _options: QueueWidget.IOptions;
  private _hidden: readonly string[] = DEFAULT_HIDDEN_COLUMNS;
  private _reveal: IRevealRequest | null = null;
  private _revealSeq = 0;
}

export namespace QueueWidget {
  export interface IOptions {
    model: QueueModel;
    server: IHpcServer;
    trans: TranslationBundle;
    /** A toolbar button or key was pressed (runs the matching command). */
    onAction: (action: JobAction, jobIds?: string[]) => void;
    /** A row was opened (double click, Enter). */
    onOpen: (job: IJob) => void;
    /** The user chose other columns (saved to the settings). */
    onHiddenColumnsChange?: (hidden: string[]) => void;
  }
}
