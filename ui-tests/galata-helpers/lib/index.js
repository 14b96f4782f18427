// What the Python jupyterlab package ships as @jupyterlab/galata-extension,
// rebuilt from npm's @jupyterlab/galata (lib/extension), without its fonts
// plugin (which needs @fontsource/* and @jupyterlab/terminal).
import { Dialog, Notification } from '@jupyterlab/apputils';
import { GalataInpage } from '@jupyterlab/galata/lib/extension/global';
import { PLUGIN_ID_GALATA_HELPERS } from '@jupyterlab/galata/lib/extension/tokens';

window.galata = new GalataInpage();
window.galataip = window.galata;

export default {
  id: PLUGIN_ID_GALATA_HELPERS,
  description: 'Galata in-page extension helpers.',
  autoStart: true,
  activate: () =>
    Object.freeze({ notifications: Notification.manager, dialogs: Dialog.tracker })
};
