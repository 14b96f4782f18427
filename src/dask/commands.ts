/**
 * The Dask panel's command ids (also named in schema/dask.json's shortcut).
 */
export namespace CommandIDs {
  export const open = 'jupyterlab-hpc:dask-open';
  export const create = 'jupyterlab-hpc:dask-new-cluster';
  export const adopt = 'jupyterlab-hpc:dask-adopt-cluster';
  export const refresh = 'jupyterlab-hpc:dask-refresh';
  export const inject = 'jupyterlab-hpc:dask-inject-client-code';
  export const copy = 'jupyterlab-hpc:dask-copy-client-code';
  export const shutdown = 'jupyterlab-hpc:dask-shutdown-cluster';
  export const charts = 'jupyterlab-hpc:dask-charts';
  export const plot = 'jupyterlab-hpc:dask-open-plot';
}

/** The context menu's selector: a cluster card (`components/ClusterCard`). */
export const CARD_SELECTOR = '.jp-HpcDask-card';
