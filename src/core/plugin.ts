/**
 * The suite's core: the server connection every feature uses, the start-up
 * version handshake (one actionable dialog when the server is missing or
 * incompatible) and the "HPC Suite Status" command in the Help menu.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  ReactWidget,
  showDialog
} from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import * as React from 'react';
import { HandshakeState, IHpcServer } from '../tokens';
import { CapabilityList } from './components/CapabilityList';
import { HpcServer } from './model';

const CORE_ID = 'jupyterlab-hpc:core';
const STATUS_ID = 'jupyterlab-hpc:server-status';

export namespace CommandIDs {
  export const showStatus = 'jupyterlab-hpc:show-server-status';
}

function statusBody(
  state: HandshakeState,
  trans: TranslationBundle
): ReactWidget {
  return ReactWidget.create(
    React.createElement(CapabilityList, { state, trans })
  );
}

/** The one dialog shown at start-up when the suite can't work. */
async function warnAtStartup(
  state: HandshakeState,
  trans: TranslationBundle,
  settings: ISettingRegistry.ISettings | null
): Promise<void> {
  if (state.kind !== 'missing' && state.kind !== 'incompatible') {
    return;
  }
  const advice =
    state.kind === 'missing'
      ? trans.__(
          'The Slurm, resource, Dask and gallery panels need the jupyterlab-hpc server beside Jupyter. Ask your site\'s Jupyter administrators to enable it (see the admin guide: jupyter-server-proxy entry "hpc", or the front-mode wrapper).'
        )
      : trans.__(
          'Install matching versions of the jupyterlab-hpc extension and server (the same release), then restart JupyterLab.'
        );
  const body = `${state.message}\n\n${advice}`;
  const dontShow = trans.__("Don't show again");
  const result = await showDialog({
    title:
      state.kind === 'missing'
        ? trans.__('HPC tools unavailable')
        : trans.__('HPC tools: version mismatch'),
    body,
    buttons: [
      Dialog.cancelButton({ label: dontShow }),
      Dialog.okButton({ label: trans.__('OK') })
    ]
  });
  // Escape also rejects the dialog: only the button itself silences it.
  if (result.button.label === dontShow && settings) {
    await settings.set('warnIfUnavailable', false);
  }
}

export const corePlugin: JupyterFrontEndPlugin<IHpcServer> = {
  id: CORE_ID,
  description:
    'The connection to the jupyterlab-hpc server, and the start-up version handshake.',
  autoStart: true,
  provides: IHpcServer,
  optional: [ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    registry: ISettingRegistry | null,
    translator: ITranslator | null
  ): IHpcServer => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const server = new HpcServer(app.serviceManager.serverSettings);
    const settings = registry
      ? registry.load(CORE_ID).catch(() => null)
      : Promise.resolve(null);
    // The handshake must not delay Lab's start-up: run it once Lab is restored.
    void Promise.all([app.restored, settings]).then(async ([, loaded]) => {
      const state = await server.check();
      const warn = (loaded?.composite.warnIfUnavailable as boolean) ?? true;
      if (warn) {
        await warnAtStartup(state, trans, loaded);
      }
    });
    return server;
  }
};

export const statusPlugin: JupyterFrontEndPlugin<void> = {
  id: STATUS_ID,
  description:
    'Help > HPC Suite Status: what the server found (Slurm, GPUs, Dask, gallery) or why not.',
  autoStart: true,
  requires: [IHpcServer],
  optional: [ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    server: IHpcServer,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    app.commands.addCommand(CommandIDs.showStatus, {
      label: trans.__('HPC Suite Status'),
      caption: trans.__(
        'Show what the jupyterlab-hpc server found: Slurm, GPUs, Dask, gallery'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: async () => {
        let state =
          server.state.kind === 'checking'
            ? await server.check()
            : server.state;
        const again = trans.__('Check again');
        for (;;) {
          const result = await showDialog({
            title: trans.__('HPC Suite Status'),
            body: statusBody(state, trans),
            buttons: [
              Dialog.cancelButton({ label: again }),
              Dialog.okButton({ label: trans.__('Close') })
            ]
          });
          if (result.button.label !== again) {
            return;
          }
          state = await server.check(true);
        }
      }
    });
    palette?.addItem({
      command: CommandIDs.showStatus,
      category: trans.__('HPC')
    });
  }
};
