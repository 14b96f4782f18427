/**
 * The typed client of the Dask routes (`hpc/api/dask/...`): the only file of
 * the feature that knows their URLs.
 */
import type { IHpcServer } from '../tokens';
import type {
  AdoptRequest,
  IAdapt,
  ICluster,
  IClusterPreview,
  IClusterSample,
  ICreateRequest
} from './types';

/** The part of `IHpcServer` the client needs (easy to fake in tests). */
export type Requester = Pick<IHpcServer, 'request'>;

/** A partition's name and whether it is the default (`GET slurm/partitions`). */
export interface IPartitionName {
  name: string;
  isDefault: boolean;
  available: boolean;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

export class DaskClient {
  constructor(private _server: Requester) {}

  /** `GET dask/clusters`. */
  async clusters(): Promise<ICluster[]> {
    const body = await this._server.request<{ clusters: ICluster[] }>(
      'dask/clusters'
    );
    return body.clusters;
  }

  /** `POST dask/clusters`: 201 with the cluster, status "starting". */
  create(request: ICreateRequest): Promise<ICluster> {
    return this._post<ICluster>('dask/clusters', request);
  }

  /** `POST dask/clusters/preview`: the commands and job scripts; nothing runs. */
  preview(request: ICreateRequest): Promise<IClusterPreview> {
    return this._post<IClusterPreview>('dask/clusters/preview', request);
  }

  /** `POST dask/clusters/adopt`: a cluster started elsewhere. */
  adopt(request: AdoptRequest): Promise<ICluster> {
    return this._post<ICluster>('dask/clusters/adopt', request);
  }

  /** `PATCH dask/clusters/{id} {workers}`: a fixed size (adapt off). */
  scale(id: string, workers: number): Promise<ICluster> {
    return this._patch(id, { workers });
  }

  /** `PATCH dask/clusters/{id} {adapt}`; null turns adaptivity off. */
  adapt(id: string, adapt: IAdapt | null): Promise<ICluster> {
    return this._patch(id, { adapt });
  }

  /** `DELETE dask/clusters/{id}`: shuts down (external: forgets). */
  async remove(id: string): Promise<void> {
    await this._server.request<void>(
      `dask/clusters/${encodeURIComponent(id)}`,
      {
        method: 'DELETE'
      }
    );
  }

  /** `GET dask/clusters/{id}/metrics?seconds=N`. */
  async metrics(id: string, seconds: number): Promise<IClusterSample[]> {
    const body = await this._server.request<{ samples: IClusterSample[] }>(
      `dask/clusters/${encodeURIComponent(id)}/metrics?seconds=${Math.max(1, Math.round(seconds))}`
    );
    return body.samples;
  }

  /** `GET slurm/partitions`, names only (for the create form). */
  async partitions(): Promise<IPartitionName[]> {
    const body = await this._server.request<{ partitions: IPartitionName[] }>(
      'slurm/partitions'
    );
    return body.partitions;
  }

  private _patch(id: string, body: unknown): Promise<ICluster> {
    return this._server.request<ICluster>(
      `dask/clusters/${encodeURIComponent(id)}`,
      { method: 'PATCH', headers: JSON_HEADERS, body: JSON.stringify(body) }
    );
  }

  private _post<T>(path: string, body: unknown): Promise<T> {
    return this._server.request<T>(path, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify(body)
    });
  }
}
