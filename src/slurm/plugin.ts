/**
 * The Slurm queue sidebar: wires the model (one poll of the queue), the
 * panel, the settings and the commands.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  Notification
} from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { IHpcServer } from '../tokens';
import { runAction } from './actions';
import { SlurmClient } from './api';
import { showJobDetails } from './details';
import { IJobEvent, jobToShow, JobWatcher, summarize } from './events';
import { HistoryWidget } from './history';
import { canAct } from './jobs';
import { DEFAULT_POLL_SECONDS, QueueModel } from './model';
import type { IJob, JobAction } from './types';
import { ISlurmQueue } from './tokens';
import { QueueWidget, slurmUnavailable } from './widget';

const SLURM_ID = 'jupyterlab-hpc:slurm';

export namespace CommandIDs {
  export const open = 'jupyterlab-hpc:slurm-open';
  export const refresh = 'jupyterlab-hpc:slurm-refresh';
  export const cancel = 'jupyterlab-hpc:slurm-cancel-selected';
  export const hold = 'jupyterlab-hpc:slurm-hold-selected';
  export const release = 'jupyterlab-hpc:slurm-release-selected';
  export const requeue = 'jupyterlab-hpc:slurm-requeue-selected';
  export const showJob = 'jupyterlab-hpc:slurm-show-job';
  export const revealJob = 'jupyterlab-hpc:slurm-reveal-job';
  export const history = 'jupyterlab-hpc:slurm-history';
}

const ACTION_COMMANDS: Record<JobAction, string> = {
  cancel: CommandIDs.cancel,
  hold: CommandIDs.hold,
  release: CommandIDs.release,
  requeue: CommandIDs.requeue
};

const NO_ARGS = { args: { type: 'object', properties: {} } };

/** Optional `jobIds` (unique ids); without it, the selection. */
const JOB_IDS_ARGS = {
  args: {
    type: 'object',
    properties: {
      jobIds: {
        type: 'array',
        items: { type: 'string' },
        description: 'The jobs (jobId) to act on; the selection by default'
      }
    }
  }
};

export const slurmPlugin: JupyterFrontEndPlugin<ISlurmQueue> = {
  id: SLURM_ID,
  description:
    'The Slurm queue sidebar: live queue, job details, cancel / hold / release / requeue.',
  autoStart: true,
  provides: ISlurmQueue,
  requires: [IHpcServer],
  optional: [ISettingRegistry, ITranslator, ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    server: IHpcServer,
    registry: ISettingRegistry | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ): ISlurmQueue => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_hpc');
    const { commands, shell } = app;
    const model = new QueueModel({
      client: new SlurmClient(server),
      pollSeconds: DEFAULT_POLL_SECONDS
    });
    let settings: ISettingRegistry.ISettings | null = null;

    const widget = new QueueWidget({
      model,
      server,
      trans,
      onAction: (action, jobIds) =>
        void commands.execute(
          ACTION_COMMANDS[action],
          jobIds ? { jobIds } : {}
        ),
      onOpen: job =>
        void commands.execute(CommandIDs.showJob, { jobId: job.jobId }),
      onHiddenColumnsChange: hidden => {
        void settings?.set('hiddenColumns', hidden).catch(reason => {
          console.error('jupyterlab-hpc: could not save the columns', reason);
        });
      }
    });
    shell.add(widget, 'left', { rank: 450 });
    restorer?.add(widget, 'jupyterlab-hpc-slurm');

    // Optional: tell the user when their jobs start or end.
    const notify = (events: IJobEvent[]) => {
      const { message, type } = summarize(events, trans);
      const first = jobToShow(events);
      Notification.emit(message, type, {
        autoClose: type === 'error' ? false : 8000,
        actions: [
          {
            label: trans.__('Show job'),
            caption: trans.__('Show job %1', first.displayId),
            callback: () =>
              void commands.execute(CommandIDs.showJob, { jobId: first.jobId })
          }
        ]
      });
    };
    const watcher = new JobWatcher({
      model,
      user: () =>
        server.state.kind === 'ok' ? (server.state.info.user ?? null) : null,
      notify
    });

    // Poll only while Slurm is there; say why not in the panel otherwise.
    const onState = () => {
      model.enabled = slurmUnavailable(server.state, trans) === null;
    };
    onState();
    server.stateChanged.connect(onState);

    if (registry) {
      const apply = (loaded: ISettingRegistry.ISettings) => {
        model.pollSeconds = loaded.composite.refreshInterval as number;
        const events = loaded.composite.notifyJobEvents === true;
        watcher.enabled = events;
        // The notifications need the poll to go on while the panel is closed.
        model.background = events;
        widget.hiddenColumns = loaded.composite.hiddenColumns as string[];
      };
      void registry
        .load(SLURM_ID)
        .then(loaded => {
          settings = loaded;
          apply(loaded);
          loaded.changed.connect(apply);
        })
        .catch(reason => {
          console.error('jupyterlab-hpc: Slurm settings not loaded', reason);
        });
    }

    /** The jobs named in a command's args, or the selection. */
    const target = (args: { jobIds?: unknown }): IJob[] => {
      if (!Array.isArray(args.jobIds)) {
        return model.selectedJobs;
      }
      const ids = new Set(args.jobIds.map(String));
      return model.jobs.filter(job => ids.has(job.jobId));
    };

    commands.addCommand(CommandIDs.open, {
      label: trans.__('Slurm Queue'),
      caption: trans.__('Show the Slurm queue sidebar'),
      icon: args => (args.isPalette ? undefined : widget.title.icon),
      describedBy: NO_ARGS,
      execute: () => shell.activateById(widget.id)
    });
    commands.addCommand(CommandIDs.refresh, {
      label: trans.__('Refresh the Slurm Queue'),
      caption: trans.__('Ask the server for the queue now'),
      describedBy: NO_ARGS,
      execute: () => model.refresh()
    });
    const captions: Record<JobAction, string> = {
      cancel: trans.__('Cancel Selected Slurm Jobs'),
      hold: trans.__('Hold Selected Slurm Jobs'),
      release: trans.__('Release Selected Slurm Jobs'),
      requeue: trans.__('Requeue Selected Slurm Jobs')
    };
    for (const action of Object.keys(ACTION_COMMANDS) as JobAction[]) {
      commands.addCommand(ACTION_COMMANDS[action], {
        label: captions[action],
        caption: captions[action],
        describedBy: JOB_IDS_ARGS,
        isEnabled: args => canAct(action, target(args)),
        execute: args => runAction(model, action, target(args), trans)
      });
    }
    commands.addCommand(CommandIDs.showJob, {
      label: trans.__('Show Slurm Job Details'),
      caption: trans.__('Every field of scontrol show job'),
      describedBy: {
        args: {
          type: 'object',
          properties: { jobId: { type: 'string', description: 'The jobId' } },
          required: ['jobId']
        }
      },
      execute: args => {
        const jobId = String(args.jobId);
        const job = model.jobs.find(j => j.jobId === jobId) ?? null;
        return showJobDetails({ app, model, jobId, job, trans });
      }
    });

    const reveal = async (jobId: string) => {
      shell.activateById(widget.id);
      await model.reveal(jobId);
    };
    commands.addCommand(CommandIDs.revealJob, {
      label: trans.__('Show Slurm Job in the Queue'),
      caption: trans.__('Select a job in the queue sidebar and scroll to it'),
      describedBy: {
        args: {
          type: 'object',
          properties: { jobId: { type: 'string', description: 'The jobId' } },
          required: ['jobId']
        }
      },
      execute: args => reveal(String(args.jobId))
    });

    let history: MainAreaWidget<HistoryWidget> | null = null;
    commands.addCommand(CommandIDs.history, {
      label: trans.__('Slurm Job History'),
      caption: trans.__(
        'Finished jobs with their state, exit code and elapsed time'
      ),
      describedBy: NO_ARGS,
      execute: () => {
        if (!history || history.isDisposed) {
          const content = new HistoryWidget(new SlurmClient(server), trans);
          history = new MainAreaWidget({ content });
          history.id = 'jp-HpcSlurm-history';
          history.title.label = trans.__('Slurm History');
          history.title.icon = widget.title.icon;
          history.title.closable = true;
          shell.add(history, 'main');
        }
        shell.activateById(history.id);
        return history.content.load();
      }
    });

    // The palette greys out actions that don't apply to the selection.
    const changed = () => commands.notifyCommandChanged();
    model.selectionChanged.connect(changed);
    model.jobsChanged.connect(changed);

    if (palette) {
      const category = trans.__('HPC');
      for (const command of [
        CommandIDs.open,
        CommandIDs.refresh,
        CommandIDs.cancel,
        CommandIDs.hold,
        CommandIDs.release,
        CommandIDs.requeue,
        CommandIDs.history
      ]) {
        palette.addItem({ command, category });
      }
    }

    return {
      model,
      show: () => shell.activateById(widget.id),
      reveal
    };
  }
};
