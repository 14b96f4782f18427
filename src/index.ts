/**
 * jupyterlab-hpc: the suite's plugins. Each feature adds its plugin here.
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { corePlugin, statusPlugin } from './core/plugin';
import { daskPlugin } from './dask/plugin';
import { galleryPlugin } from './gallery/plugin';
import { resourcesPlugin } from './resources/plugin';
import { slurmPlugin } from './slurm/plugin';
import { slurmSubmitPlugin } from './slurm/submit/plugin';

export { IHpcServer } from './tokens';
export type { HandshakeState, ICapabilities, IVersionInfo } from './tokens';
export { HpcRequestError, requestAPI } from './request';
export { ISlurmQueue } from './slurm/tokens';

const plugins: JupyterFrontEndPlugin<unknown>[] = [
  corePlugin,
  statusPlugin,
  slurmPlugin,
  slurmSubmitPlugin,
  resourcesPlugin,
  daskPlugin,
  galleryPlugin
];

export default plugins;
