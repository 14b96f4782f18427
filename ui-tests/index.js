// The test-bed JupyterLab (after JupyterLab's dev_mode/index.js): the core plugins are bundled here;
// prebuilt extensions were loaded by bootstrap.js and are picked up from window._JUPYTERLAB.
import { JupyterLab } from '@jupyterlab/application';
import { JupyterPluginRegistry, PageConfig } from '@jupyterlab/coreutils';
import { IConnectionStatus, IServiceManager } from '@jupyterlab/services';
import './build/style.js';

// Plugins of an extension module (ES module default export or CommonJS).
const pluginsOf = m => {
  const e = Object.prototype.hasOwnProperty.call(m, '__esModule')
    ? m.default
    : m;
  return Array.isArray(e) ? e : [e];
};
// The language-server plugins need jupyter-lsp, which is not served here.
const noLsp = m =>
  pluginsOf(m).filter(({ id }) => !id.includes(':language-server'));

async function federatedModule(scope, module) {
  const factory = await window._JUPYTERLAB[scope].get(module);
  return factory();
}

export async function main() {
  const extensions = [
    require('@jupyterlab/application-extension'),
    require('@jupyterlab/apputils-extension'),
    require('@jupyterlab/celltags-extension'),
    require('@jupyterlab/codemirror-extension'),
    require('@jupyterlab/completer-extension'),
    require('@jupyterlab/console-extension'),
    require('@jupyterlab/csvviewer-extension'),
    require('@jupyterlab/docmanager-extension'),
    require('@jupyterlab/documentsearch-extension'),
    require('@jupyterlab/filebrowser-extension'),
    noLsp(require('@jupyterlab/fileeditor-extension')),
    require('@jupyterlab/help-extension'),
    require('@jupyterlab/imageviewer-extension'),
    require('@jupyterlab/inspector-extension'),
    require('@jupyterlab/launcher-extension'),
    require('@jupyterlab/mainmenu-extension'),
    require('@jupyterlab/markdownviewer-extension'),
    require('@jupyterlab/markedparser-extension'),
    require('@jupyterlab/mathjax-extension'),
    require('@jupyterlab/metadataform-extension'),
    noLsp(require('@jupyterlab/notebook-extension')),
    require('@jupyterlab/rendermime-extension'),
    require('@jupyterlab/running-extension'),
    require('@jupyterlab/services-extension'),
    require('@jupyterlab/settingeditor-extension'),
    require('@jupyterlab/shortcuts-extension'),
    require('@jupyterlab/statusbar-extension'),
    require('@jupyterlab/theme-dark-extension'),
    require('@jupyterlab/theme-light-extension'),
    require('@jupyterlab/toc-extension'),
    require('@jupyterlab/tooltip-extension'),
    require('@jupyterlab/translation-extension'),
    require('@jupyterlab/ui-components-extension')
  ];
  const mimeExtensions = [
    require('@jupyterlab/json-extension'),
    require('@jupyterlab/pdf-extension')
  ];

  // Prebuilt ("federated") extensions announced by the server.
  const federated = JSON.parse(
    PageConfig.getOption('federated_extensions') || '[]'
  );
  for (const data of federated) {
    try {
      if (data.style) {
        await federatedModule(data.name, data.style);
      }
      if (data.extension) {
        extensions.push(
          pluginsOf(await federatedModule(data.name, data.extension))
        );
      }
      if (data.mimeExtension) {
        mimeExtensions.push(
          await federatedModule(data.name, data.mimeExtension)
        );
      }
    } catch (e) {
      console.error(`Failed to load federated extension ${data.name}`, e);
    }
  }

  // Not wanted in tests: asks about Jupyter news (needs jupyterlab's /lab/api/news).
  const skip = ['@jupyterlab/apputils-extension:announcements'];
  // As JupyterLab's own dev_mode/index.js (4.4+): the service manager and
  // connection status come from plugins (@jupyterlab/services-extension).
  const pluginRegistry = new JupyterPluginRegistry();
  pluginRegistry.registerPlugins(
    extensions
      .flatMap(m => (Array.isArray(m) ? m : pluginsOf(m)))
      .filter(p => !skip.includes(p.id))
  );
  const connectionStatus =
    await pluginRegistry.resolveOptionalService(IConnectionStatus);
  const serviceManager =
    await pluginRegistry.resolveRequiredService(IServiceManager);
  const lab = new JupyterLab({
    pluginRegistry,
    serviceManager,
    connectionStatus,
    mimeExtensions: mimeExtensions.map(m =>
      Object.prototype.hasOwnProperty.call(m, '__esModule') ? m.default : m
    )
  });
  // Galata and plain Playwright tests reach the app through this global.
  window.jupyterapp = lab;
  await lab.start();
  await lab.restored;
  document.body.dataset.labRestored = 'true';
}
