/**
 * The server connection model: request helper plus the version handshake.
 */
import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';
import { HpcRequestError, requestAPI } from '../request';
import { HandshakeState, IHpcServer, IVersionInfo } from '../tokens';
import { API_VERSION, FRONTEND_VERSION } from '../version';

/** `1.2.3` → `1.2`: versions that differ only in the patch level agree. */
function minor(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

/** Why a server's version answer is not usable by this frontend, or null. */
export function incompatibility(info: IVersionInfo): string | null {
  if (info.name !== 'jupyterlab-hpc') {
    return `Something else answers at hpc/ ("${info.name}").`;
  }
  if (info.apiVersion !== API_VERSION) {
    return `The server speaks API version ${info.apiVersion}, this extension API version ${API_VERSION}.`;
  }
  if (minor(info.version) !== minor(FRONTEND_VERSION)) {
    return `The server is version ${info.version}, this extension version ${FRONTEND_VERSION}.`;
  }
  return null;
}

export class HpcServer implements IHpcServer {
  constructor(serverSettings?: ServerConnection.ISettings) {
    this.serverSettings = serverSettings ?? ServerConnection.makeSettings();
  }

  readonly serverSettings: ServerConnection.ISettings;

  get state(): HandshakeState {
    return this._state;
  }

  get stateChanged(): ISignal<IHpcServer, HandshakeState> {
    return this._stateChanged;
  }

  request<T>(path: string, init?: RequestInit): Promise<T> {
    return requestAPI<T>(this.serverSettings, path, init);
  }

  async check(refresh = false): Promise<HandshakeState> {
    let next: HandshakeState;
    try {
      const info = refresh
        ? await this.request<IVersionInfo>('capabilities/refresh', {
            method: 'POST'
          })
        : await this.request<IVersionInfo>('version');
      const problem = incompatibility(info);
      next = problem
        ? { kind: 'incompatible', info, message: problem }
        : { kind: 'ok', info };
    } catch (error) {
      const message =
        error instanceof HpcRequestError
          ? error.status === 404
            ? 'Nothing answers at hpc/ on this Jupyter server.'
            : error.message
          : String(error);
      next = { kind: 'missing', message };
    }
    this._setState(next);
    return next;
  }

  private _setState(next: HandshakeState): void {
    if (JSON.stringify(next) === JSON.stringify(this._state)) {
      return;
    }
    this._state = next;
    this._stateChanged.emit(next);
  }

  private _state: HandshakeState = { kind: 'checking' };
  private _stateChanged = new Signal<IHpcServer, HandshakeState>(this);
}
