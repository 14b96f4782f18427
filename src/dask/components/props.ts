/**
 * What the panel's components are given: the user's actions (run by the
 * plugin's commands, which report their outcome) and the form defaults.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { DaskClient } from '../api';
import type { ClientCodeStyle } from '../code';
import type { AdoptRequest, IAdapt, ICluster, ICreateRequest } from '../types';

export interface IClusterActions {
  select(id: string): void;
  /** Resolves when accepted; rejects with the server's error. */
  scale(id: string, workers: number): Promise<unknown>;
  adapt(id: string, adapt: IAdapt | null): Promise<unknown>;
  /** Asks for confirmation first. */
  shutdown(id: string): void;
  inject(id: string): void;
  copy(id: string): void;
  charts(id: string): void;
  plot(id: string, label: string, route: string): void;
}

export interface IFormActions {
  /** Rejects with `HpcRequestError` (shown next to the form). */
  create(request: ICreateRequest): Promise<ICluster>;
  adopt(request: AdoptRequest): Promise<ICluster>;
}

/** The create form's defaults (setting `defaults`). */
export interface IDaskDefaults {
  backend: 'local' | 'slurm';
  workers: number;
  threadsPerWorker: number;
  memoryPerWorker: string;
  walltime: string;
  partition: string;
  account: string;
}

export const DEFAULT_DEFAULTS: IDaskDefaults = {
  backend: 'local',
  workers: 2,
  threadsPerWorker: 1,
  memoryPerWorker: '2GiB',
  walltime: '01:00:00',
  partition: '',
  account: ''
};

export interface IPanelProps {
  /** Why the panel can't be used (no server, no Dask), or null. */
  unavailable: string | null;
  clusters: readonly ICluster[];
  loaded: boolean;
  error: string | null;
  failures: number;
  selected: string | null;
  /** Whether Slurm is there (the Slurm backend is offered). */
  slurm: boolean;
  defaults: IDaskDefaults;
  style: ClientCodeStyle;
  /** Which form is open (the "new cluster" command opens it). */
  form: 'none' | 'create' | 'adopt';
  onFormChange(form: 'none' | 'create' | 'adopt'): void;
  onRefresh(): void;
  client: DaskClient;
  actions: IClusterActions;
  forms: IFormActions;
  trans: TranslationBundle;
}
