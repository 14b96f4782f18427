/**
 * The heavier command bodies, loaded on first use so they cost nothing at
 * Lab start-up: the shut-down confirmation with its progress notification,
 * and a dashboard plot's pane.
 */
import {
  Dialog,
  IFrame,
  MainAreaWidget,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { daskIcon } from './icon';
import { messageOf } from './model';
import type { ClusterModel } from './model';
import type { ICluster } from './types';

/**
 * Asks, then shuts the cluster down (an external one is only forgotten),
 * with a notification that follows the request to its end.
 */
export async function confirmShutdown(
  model: ClusterModel,
  cluster: ICluster,
  trans: TranslationBundle
): Promise<void> {
  const external = cluster.backend === 'external';
  const failed = cluster.status === 'failed';
  const answer = await showDialog({
    title: external
      ? trans.__('Forget %1?', cluster.name)
      : failed
        ? trans.__('Remove %1?', cluster.name)
        : trans.__('Shut down %1?', cluster.name),
    body: external
      ? trans.__(
          'The cluster was started elsewhere: it keeps running, it is only removed from this list.'
        )
      : failed
        ? trans.__(
            'Whatever is left of it is stopped, and its directory and logs are removed.'
          )
        : trans._n(
            'The scheduler and its worker stop; results they hold are lost.',
            'The scheduler and its %1 workers stop; results they hold are lost.',
            cluster.workers.connected
          ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({
        label: external
          ? trans.__('Forget')
          : failed
            ? trans.__('Remove')
            : trans.__('Shut down')
      })
    ]
  });
  if (!answer.button.accept) {
    return;
  }
  const done = model.shutdown(cluster.id).then(() => null);
  Notification.promise(done, {
    pending: {
      message: external
        ? trans.__('Forgetting %1…', cluster.name)
        : trans.__('Shutting down %1…', cluster.name),
      options: { autoClose: false }
    },
    success: {
      message: () =>
        external
          ? trans.__('Dask cluster %1 was forgotten.', cluster.name)
          : trans.__('Dask cluster %1 was shut down.', cluster.name),
      options: { autoClose: 5000 }
    },
    error: {
      message: (reason: unknown) =>
        trans.__(
          'Dask cluster %1 was not shut down: %2',
          cluster.name,
          messageOf(reason)
        ),
      options: { autoClose: false }
    }
  });
  await done.catch(() => undefined);
}

/**
 * A Bokeh plot of the scheduler's dashboard (through the server's proxy) as
 * a Lab pane, sandboxed as dask-labextension does.
 */
export function createPlotWidget(options: {
  url: string;
  id: string;
  label: string;
}): MainAreaWidget<IFrame> {
  const content = new IFrame({
    sandbox: ['allow-scripts', 'allow-same-origin']
  });
  content.url = options.url;
  const pane = new MainAreaWidget({ content });
  pane.id = options.id;
  pane.title.label = options.label;
  pane.title.icon = daskIcon;
  pane.title.closable = true;
  return pane;
}
