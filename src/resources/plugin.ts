/**
 * The resource meter: a status bar item and a charts panel fed by the
 * server's shared sampler, plus notifications for OOM kills and the Slurm
 * allocation running out.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import type { TranslationBundle } from '@jupyterlab/translation';
import { IHpcServer } from '../tokens';
import { ResourcesClient } from './api';
import type { MeterEvent } from './events';
import { formatBytes, formatDuration } from './format';
import { DEFAULT_REFRESH_SECONDS, ResourceModel } from './model';
import { ResourcePanel } from './panel';
import { ResourceStatus } from './status';
import type { ISummaryOptions } from './summary';

const RESOURCES_ID = 'jupyterlab-hpc:resources';

export namespace CommandIDs {
  export const open = 'jupyterlab-hpc:resources-open';
}

const DEFAULT_SUMMARY: ISummaryOptions = {
  warnAt: 0.8,
  dangerAt: 0.95,
  timeWarnSeconds: 15 * 60,
  show: { cpu: true, memory: true, gpu: true, time: true }
};

/** The notification's sentence for a meter event. */
export function eventMessage(
  event: MeterEvent,
  trans: TranslationBundle
): string {
  switch (event.kind) {
    case 'oom':
      return event.limitBytes !== null
        ? trans._n(
            'A process was killed for exceeding the memory limit of %2.',
            '%1 processes were killed for exceeding the memory limit of %2.',
            event.kills,
            formatBytes(event.limitBytes)
          )
        : trans._n(
            'A process was killed: the machine ran out of memory.',
            '%1 processes were killed: the machine ran out of memory.',
            event.kills
          );
    case 'time':
      return trans.__(
        'Slurm job %1, which this server runs in, ends in %2: save your work.',
        event.jobId,
        formatDuration(event.secondsLeft)
      );
  }
}

export const resourcesPlugin: JupyterFrontEndPlugin<void> = {
  id: RESOURCES_ID,
  description:
    'CPU, memory and GPU use against your real limits, and the time left in your Slurm allocation.',
  autoStart: true,
  requires: [IHpcServer],
  optional: [
    IStatusBar,
    ISettingRegistry,
    ITranslator,
    ICommandPalette,
    ILayoutRestorer
  ],
  activate: (
    app: JupyterFrontEnd,
    server: IHpcServer,
    statusBar: IStatusBar | null,
    registry: ISettingRegistry | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const { commands, shell } = app;
    const model = new ResourceModel({
      client: new ResourcesClient(server),
      refreshSeconds: DEFAULT_REFRESH_SECONDS
    });
    let summary = DEFAULT_SUMMARY;
    let notifyOom = true;

    const onState = () => {
      model.enabled = server.state.kind === 'ok';
    };
    onState();
    server.stateChanged.connect(onState);

    model.events.connect((_, events) => {
      for (const event of events) {
        if (event.kind === 'oom' && !notifyOom) {
          continue;
        }
        const message = eventMessage(event, trans);
        const options = {
          autoClose: false as const,
          actions: [
            {
              label: trans.__('Show charts'),
              callback: () => void commands.execute(CommandIDs.open)
            }
          ]
        };
        if (event.kind === 'oom') {
          Notification.error(message, options);
        } else {
          Notification.warning(message, options);
        }
      }
    });

    const tracker = new WidgetTracker<MainAreaWidget<ResourcePanel>>({
      namespace: 'jupyterlab-hpc-resources'
    });
    commands.addCommand(CommandIDs.open, {
      label: trans.__('Resource Usage'),
      caption: trans.__(
        'Charts of CPU, memory and GPU use against your limits'
      ),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: async () => {
        let widget = tracker.currentWidget;
        if (!widget || widget.isDisposed) {
          // Kernels are named by their notebook (the running sessions).
          const sessions = app.serviceManager.sessions;
          const kernelNames = () => {
            const names = new Map<string, string>();
            for (const session of sessions.running()) {
              if (session.kernel) {
                names.set(session.kernel.id, session.path);
              }
            }
            return names;
          };
          const content = new ResourcePanel(
            model,
            trans,
            () => summary.warnAt,
            kernelNames
          );
          widget = new MainAreaWidget({ content });
          widget.id = 'jp-HpcMeter-charts';
          widget.title.label = trans.__('Resource Usage');
          widget.title.closable = true;
          await tracker.add(widget);
          shell.add(widget, 'main', { mode: 'split-right' });
        }
        shell.activateById(widget.id);
        return widget;
      }
    });
    void restorer?.restore(tracker, {
      command: CommandIDs.open,
      name: () => 'resources'
    });
    palette?.addItem({ command: CommandIDs.open, category: trans.__('HPC') });

    let status: ResourceStatus | null = null;
    if (statusBar) {
      status = new ResourceStatus({
        model,
        trans,
        summary,
        onOpen: () => void commands.execute(CommandIDs.open)
      });
      statusBar.registerStatusItem(RESOURCES_ID, {
        item: status,
        align: 'left',
        rank: 2,
        isActive: () => model.latest !== null,
        activeStateChanged: model.changed
      });
    }

    if (registry) {
      const apply = (settings: ISettingRegistry.ISettings) => {
        const c = settings.composite as {
          refreshSeconds: number;
          warnAt: number;
          dangerAt: number;
          timeWarnMinutes: number;
          notifyOomKills: boolean;
          show: ISummaryOptions['show'];
        };
        model.refreshSeconds = c.refreshSeconds;
        model.timeWarnSeconds = c.timeWarnMinutes * 60;
        notifyOom = c.notifyOomKills;
        summary = {
          warnAt: c.warnAt,
          dangerAt: Math.max(c.dangerAt, c.warnAt),
          timeWarnSeconds: c.timeWarnMinutes * 60,
          show: { ...DEFAULT_SUMMARY.show, ...c.show }
        };
        if (status) {
          status.summaryOptions = summary;
        }
      };
      void registry
        .load(RESOURCES_ID)
        .then(settings => {
          apply(settings);
          settings.changed.connect(apply);
        })
        .catch(reason => {
          console.error('jupyterlab-hpc: meter settings not loaded', reason);
        });
    }
  }
};
