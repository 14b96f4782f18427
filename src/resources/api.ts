/**
 * The typed client of the resource routes (`hpc/api/resources...`).
 */
import type { IHpcServer } from '../tokens';
import type { IHistory, ISample } from './types';

export type Requester = Pick<IHpcServer, 'request'>;

export class ResourcesClient {
  constructor(private _server: Requester) {}

  /** `GET resources`: the server's latest sample (shared by every client). */
  sample(): Promise<ISample> {
    return this._server.request<ISample>('resources');
  }

  /** `GET resources/history?seconds=N`: the server's recent samples. */
  history(seconds: number): Promise<IHistory> {
    return this._server.request<IHistory>(
      `resources/history?seconds=${Math.max(1, Math.round(seconds))}`
    );
  }
}
