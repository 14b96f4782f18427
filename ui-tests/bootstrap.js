// Entry point. Runs before any shared module is loaded: sets the public path,
// loads the prebuilt (federated) extensions listed by the server in
// PageConfig.federated_extensions, lets them join the shared-module scope,
// then imports the real app (index.js). Adapted from JupyterLab's dev_mode/bootstrap.js.
function getOption(name) {
  const el = document.getElementById('jupyter-config-data');
  const data = el ? JSON.parse(el.textContent || '{}') : {};
  return data[name] || '';
}

__webpack_public_path__ = getOption('fullStaticUrl') + '/';

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.onerror = reject;
    s.onload = resolve;
    s.async = true;
    document.head.appendChild(s);
    s.src = url;
  });
}

async function loadComponent(url, scope) {
  await loadScript(url);
  await __webpack_init_sharing__('default');
  const container = window._JUPYTERLAB[scope];
  await container.init(__webpack_share_scopes__.default);
}

void (async function bootstrap() {
  const federated = getOption('federated_extensions') || [];
  const base = getOption('fullLabextensionsUrl');
  const results = await Promise.allSettled(
    federated.map(d => loadComponent(`${base}/${d.name}/${d.load}`, d.name))
  );
  results.forEach(r => r.status === 'rejected' && console.error(r.reason));
  const { main } = await import('./index.js');
  if (document.readyState === 'complete') {
    void main();
  } else {
    window.addEventListener('load', main);
  }
})();
