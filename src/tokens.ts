/**
 * Tokens and shapes shared by every feature plugin.
 */
import { ServerConnection } from '@jupyterlab/services';
import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

/** One feature's availability as detected by the server. */
export interface ICapability {
  available: boolean;
  reason?: string;
}

/** What the server found on this machine (`GET api/version`). */
export interface ICapabilities {
  slurm: ICapability & {
    version?: string;
    clusters: string[];
    accounting: boolean;
    accountingReason?: string;
  };
  gpu: ICapability & { count?: number };
  dask: ICapability & { version?: string; python: string };
  gallery: ICapability & { catalogues: number };
  commands: Record<string, string | null>;
  checkedAt: string;
}

export interface IVersionInfo {
  name: string;
  version: string;
  apiVersion: number;
  /** The account the server runs as (whose jobs scope "mine" lists). */
  user?: string;
  capabilities: ICapabilities;
}

/** The outcome of the start-up handshake with the server. */
export type HandshakeState =
  | { kind: 'checking' }
  | { kind: 'ok'; info: IVersionInfo }
  | { kind: 'incompatible'; info: IVersionInfo; message: string }
  | { kind: 'missing'; message: string };

/** The connection to the jupyterlab-hpc server, shared by every plugin. */
export interface IHpcServer {
  /** Jupyter's server settings (base URL, token, fetch). */
  readonly serverSettings: ServerConnection.ISettings;
  /** Calls `hpc/api/{path}`; rejects with `HpcRequestError`. */
  request<T>(path: string, init?: RequestInit): Promise<T>;
  /** The latest handshake outcome. */
  readonly state: HandshakeState;
  /** Emitted when `state` changes. */
  readonly stateChanged: ISignal<IHpcServer, HandshakeState>;
  /** Handshake again; `refresh` makes the server detect its capabilities anew. */
  check(refresh?: boolean): Promise<HandshakeState>;
}

export const IHpcServer = new Token<IHpcServer>(
  'jupyterlab-hpc:IHpcServer',
  'The connection to the jupyterlab-hpc server: typed requests, the version handshake and the capabilities the server detected.'
);
