/**
 * The Dask cluster panel: wires the model (one poll of the cluster list),
 * the sidebar, the settings, the commands, the context menu, the
 * notifications, the charts panes and the dashboard plot panes.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Clipboard,
  ICommandPalette,
  MainAreaWidget,
  Notification
} from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { hpcUrl } from '../request';
import { IHpcServer } from '../tokens';
import { DaskClient } from './api';
import { ClientCodeStyle, clientCode, insertBelow } from './code';
import { CARD_SELECTOR, CommandIDs } from './commands';
import {
  DEFAULT_DEFAULTS,
  IClusterActions,
  IDaskDefaults,
  IFormActions
} from './components/props';
import { eventMessage } from './events';
import { daskIcon } from './icon';
import { ClusterModel, DEFAULT_REFRESH_SECONDS } from './model';
import type { ICluster } from './types';
import { DaskWidget, daskUnavailable } from './widget';

export { CommandIDs } from './commands';

const DASK_ID = 'jupyterlab-hpc:dask';

const ID_ARGS = {
  args: {
    type: 'object',
    properties: {
      id: {
        type: 'string',
        description: 'The cluster id; the selected cluster by default'
      }
    }
  }
};
const NO_ARGS = { args: { type: 'object', properties: {} } };

export const daskPlugin: JupyterFrontEndPlugin<void> = {
  id: DASK_ID,
  description:
    'Dask clusters on this machine or as Slurm jobs: start, scale, adapt, shut down, charts and client code for notebooks.',
  autoStart: true,
  requires: [IHpcServer],
  optional: [
    ISettingRegistry,
    ITranslator,
    ICommandPalette,
    ILayoutRestorer,
    INotebookTracker
  ],
  activate: (
    app: JupyterFrontEnd,
    server: IHpcServer,
    registry: ISettingRegistry | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    notebooks: INotebookTracker | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const { commands, shell } = app;
    const client = new DaskClient(server);
    const model = new ClusterModel({
      client,
      refreshSeconds: DEFAULT_REFRESH_SECONDS
    });
    let style: ClientCodeStyle = 'schedulerFile';
    let notify = true;

    /** The cluster named in the args, under the context menu, or selected. */
    const target = (args: { id?: unknown }): ICluster | null => {
      if (typeof args.id === 'string') {
        return model.find(args.id);
      }
      const node = app.contextMenuHitTest(n => !!n.dataset?.clusterId);
      const id = node?.dataset.clusterId;
      return id ? model.find(id) : model.selectedCluster;
    };
    const codeOf = (cluster: ICluster | null) =>
      cluster ? clientCode(cluster, style) : null;

    const run = (command: string) => (id: string) =>
      void commands.execute(command, { id });
    const actions: IClusterActions = {
      select: id => (model.selected = id),
      scale: (id, workers) => model.scale(id, workers),
      adapt: (id, adapt) => model.setAdapt(id, adapt),
      shutdown: run(CommandIDs.shutdown),
      inject: run(CommandIDs.inject),
      copy: run(CommandIDs.copy),
      charts: run(CommandIDs.charts),
      plot: (id, label, route) =>
        void commands.execute(CommandIDs.plot, { id, label, route })
    };
    const forms: IFormActions = {
      create: request => model.create(request),
      adopt: request => model.adopt(request)
    };

    const widget = new DaskWidget({
      model,
      server,
      client,
      actions,
      forms,
      trans
    });
    widget.title.caption = trans.__('Dask clusters');
    shell.add(widget, 'left', { rank: 460 });
    restorer?.add(widget, 'jupyterlab-hpc-dask');

    const onState = () => {
      model.enabled = daskUnavailable(server.state, trans) === null;
    };
    onState();
    server.stateChanged.connect(onState);

    if (registry) {
      const apply = (loaded: ISettingRegistry.ISettings) => {
        const c = loaded.composite as {
          refreshSeconds: number;
          clientCodeStyle: ClientCodeStyle;
          notifyClusterEvents: boolean;
          defaults: Partial<IDaskDefaults>;
        };
        model.refreshSeconds = c.refreshSeconds;
        style = c.clientCodeStyle;
        notify = c.notifyClusterEvents;
        widget.codeStyle = style;
        widget.defaults = { ...DEFAULT_DEFAULTS, ...c.defaults };
      };
      void registry
        .load(DASK_ID)
        .then(loaded => {
          apply(loaded);
          loaded.changed.connect(apply);
        })
        .catch(reason => {
          console.error('jupyterlab-hpc: Dask settings not loaded', reason);
        });
    }

    model.events.connect((_, events) => {
      if (!notify) {
        return;
      }
      for (const event of events) {
        const message = eventMessage(event, trans);
        const id = event.cluster.id;
        switch (event.kind) {
          case 'running':
            Notification.success(message, {
              autoClose: 8000,
              actions: [
                {
                  label: trans.__('Insert client code'),
                  callback: () =>
                    void commands.execute(CommandIDs.inject, { id })
                }
              ]
            });
            break;
          case 'failed':
            Notification.error(message, {
              autoClose: false,
              actions: [
                {
                  label: trans.__('Show'),
                  callback: () => {
                    model.selected = id;
                    shell.activateById(widget.id);
                  }
                }
              ]
            });
            break;
          case 'stopped':
            Notification.info(message, { autoClose: 5000 });
            break;
        }
      }
    });

    commands.addCommand(CommandIDs.open, {
      label: trans.__('Dask Clusters'),
      caption: trans.__('Show the Dask cluster sidebar'),
      icon: args => (args.isPalette ? undefined : daskIcon),
      describedBy: NO_ARGS,
      execute: () => shell.activateById(widget.id)
    });
    commands.addCommand(CommandIDs.create, {
      label: trans.__('New Dask Cluster'),
      caption: trans.__('Open the form that starts a Dask cluster'),
      describedBy: NO_ARGS,
      isEnabled: () => model.enabled,
      execute: () => {
        widget.form = 'create';
        shell.activateById(widget.id);
      }
    });
    commands.addCommand(CommandIDs.adopt, {
      label: trans.__('Adopt a Dask Cluster'),
      caption: trans.__(
        'Show a cluster started elsewhere, by scheduler file or address'
      ),
      describedBy: NO_ARGS,
      isEnabled: () => model.enabled,
      execute: () => {
        widget.form = 'adopt';
        shell.activateById(widget.id);
      }
    });
    commands.addCommand(CommandIDs.refresh, {
      label: trans.__('Refresh the Dask Clusters'),
      describedBy: NO_ARGS,
      isEnabled: () => model.enabled,
      execute: () => model.refresh()
    });
    commands.addCommand(CommandIDs.inject, {
      label: trans.__('Insert Dask Client Code'),
      caption: trans.__(
        'Add a cell that connects to the selected cluster below the active cell of the current notebook'
      ),
      describedBy: ID_ARGS,
      isEnabled: args => notebooks !== null && codeOf(target(args)) !== null,
      execute: args => {
        const code = codeOf(target(args));
        const panel = notebooks?.currentWidget ?? null;
        if (!code) {
          return;
        }
        if (!panel) {
          Notification.warning(
            trans.__(
              'Open a notebook first: the code goes below its active cell.'
            ),
            { autoClose: 5000 }
          );
          return;
        }
        insertBelow(panel.content, code);
        shell.activateById(panel.id);
      }
    });
    commands.addCommand(CommandIDs.copy, {
      label: trans.__('Copy Dask Client Code'),
      caption: trans.__('Copy the code that connects to the selected cluster'),
      describedBy: ID_ARGS,
      isEnabled: args => codeOf(target(args)) !== null,
      execute: args => {
        const code = codeOf(target(args));
        if (code) {
          Clipboard.copyToSystem(code);
          Notification.info(trans.__('Client code copied.'), {
            autoClose: 2000
          });
        }
      }
    });
    commands.addCommand(CommandIDs.shutdown, {
      label: args => {
        const cluster = target(args);
        return cluster?.backend === 'external'
          ? trans.__('Forget the Dask Cluster')
          : cluster?.status === 'failed'
            ? trans.__('Remove the Failed Dask Cluster')
            : trans.__('Shut Down the Dask Cluster');
      },
      caption: trans.__('Shut down the selected cluster, after confirmation'),
      describedBy: ID_ARGS,
      isEnabled: args => {
        const cluster = target(args);
        return (
          !!cluster &&
          cluster.status !== 'stopping' &&
          cluster.status !== 'stopped'
        );
      },
      execute: async args => {
        const cluster = target(args);
        if (!cluster) {
          return;
        }
        const { confirmShutdown } = await import('./actions');
        await confirmShutdown(model, cluster, trans);
      }
    });

    const charts = new Map<string, MainAreaWidget>();
    commands.addCommand(CommandIDs.charts, {
      label: trans.__('Dask Cluster Charts'),
      caption: trans.__('Workers, memory, tasks and throughput over time'),
      describedBy: ID_ARGS,
      isEnabled: args => target(args) !== null,
      execute: async args => {
        const cluster = target(args);
        if (!cluster) {
          return;
        }
        let pane = charts.get(cluster.id);
        if (!pane || pane.isDisposed) {
          const { createChartsWidget } = await import('./chartsPanel');
          pane = createChartsWidget({
            client,
            model,
            clusterId: cluster.id,
            onPlot: actions.plot,
            trans
          });
          charts.set(cluster.id, pane);
          shell.add(pane, 'main', { mode: 'split-right' });
        }
        shell.activateById(pane.id);
      }
    });

    const plots = new Map<string, MainAreaWidget>();
    let plotCount = 0;
    commands.addCommand(CommandIDs.plot, {
      label: args =>
        args.label
          ? trans.__('Dask Plot: %1', String(args.label))
          : trans.__('Dask Dashboard Plot'),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            id: { type: 'string', description: 'The cluster id' },
            label: { type: 'string', description: 'The plot’s name' },
            route: {
              type: 'string',
              description: 'Its route on the dashboard (individual-plots.json)'
            }
          },
          required: ['id', 'route']
        }
      },
      execute: async args => {
        const cluster = target(args);
        const route = String(args.route ?? '');
        if (!cluster?.dashboardPath || !route) {
          return;
        }
        const key = `${cluster.id}:${route}`;
        let pane = plots.get(key);
        if (!pane || pane.isDisposed) {
          const { createPlotWidget } = await import('./actions');
          pane = createPlotWidget({
            url: hpcUrl(
              server.serverSettings,
              URLExt.join(cluster.dashboardPath, route)
            ),
            id: `jp-HpcDask-plot-${cluster.id}-${++plotCount}`,
            label: trans.__(
              '%1: %2',
              cluster.name,
              String(args.label ?? route).replace(/^Individual /, '')
            )
          });
          plots.set(key, pane);
          shell.add(pane, 'main', { mode: 'split-right' });
        }
        shell.activateById(pane.id);
      }
    });

    // A cluster that went away takes its panes with it.
    model.changed.connect(() => {
      for (const [key, pane] of [...charts, ...plots]) {
        const id = key.split(':')[0];
        if (model.loaded && !model.find(id) && !pane.isDisposed) {
          pane.dispose();
        }
      }
      commands.notifyCommandChanged();
    });

    for (const command of [
      CommandIDs.inject,
      CommandIDs.copy,
      CommandIDs.charts,
      CommandIDs.shutdown
    ]) {
      app.contextMenu.addItem({ command, selector: CARD_SELECTOR, rank: 10 });
    }

    if (palette) {
      const category = trans.__('HPC');
      for (const command of [
        CommandIDs.open,
        CommandIDs.create,
        CommandIDs.adopt,
        CommandIDs.refresh,
        CommandIDs.inject,
        CommandIDs.copy,
        CommandIDs.charts,
        CommandIDs.shutdown
      ]) {
        palette.addItem({ command, category });
      }
    }
  }
};
