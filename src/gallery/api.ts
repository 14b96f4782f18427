/**
 * The typed client of the gallery routes (`hpc/api/gallery/...`): the only
 * file of the feature that knows their URLs.
 */
import { hpcUrl } from '../request';
import type { IHpcServer } from '../tokens';
import type { IGalleryList, ISubmission, ITask } from './types';

/** The part of `IHpcServer` the client needs (easy to fake in tests). */
export type Requester = Pick<IHpcServer, 'request' | 'serverSettings'>;

const JSON_HEADERS = { 'Content-Type': 'application/json' };

const enc = encodeURIComponent;

export class GalleryClient {
  constructor(private _server: Requester) {}

  /** `GET gallery`. */
  list(): Promise<IGalleryList> {
    return this._server.request<IGalleryList>('gallery');
  }

  /** `GET gallery/{id}/preview`: the entry notebook's JSON. */
  preview(id: string): Promise<Record<string, unknown>> {
    return this._server.request(`gallery/${enc(id)}/preview`);
  }

  /** The thumbnail's URL (an `<img>` fetches it with the page's cookies). */
  thumbnailUrl(id: string): string {
    return hpcUrl(
      this._server.serverSettings,
      `api/gallery/${enc(id)}/thumbnail`
    );
  }

  /** `POST gallery/{id}/use`: the task, its folder already claimed. */
  use(id: string, destination?: string): Promise<ITask> {
    return this._post(
      `gallery/${enc(id)}/use`,
      destination ? { destination } : {}
    );
  }

  /** `POST gallery/{id}/update {path}`. */
  update(id: string, path: string): Promise<ITask> {
    return this._post(`gallery/${enc(id)}/update`, { path });
  }

  /** `GET gallery/tasks`. */
  async tasks(): Promise<ITask[]> {
    return (await this._server.request<{ tasks: ITask[] }>('gallery/tasks'))
      .tasks;
  }

  /** `GET gallery/tasks/{id}`. */
  task(id: string): Promise<ITask> {
    return this._server.request<ITask>(`gallery/tasks/${enc(id)}`);
  }

  /** `DELETE gallery/tasks/{id}`: cancels a running task (its state after). */
  cancel(id: string): Promise<ITask | undefined> {
    return this._server.request<ITask | undefined>(`gallery/tasks/${enc(id)}`, {
      method: 'DELETE'
    });
  }

  /** `POST gallery/submissions`. */
  submit(body: {
    path: string;
    title?: string;
    description?: string;
    tags?: string[];
  }): Promise<ISubmission> {
    return this._post('gallery/submissions', body);
  }

  /** `DELETE gallery/submissions/{id}`. */
  async withdraw(id: string): Promise<void> {
    await this._server.request<void>(`gallery/submissions/${enc(id)}`, {
      method: 'DELETE'
    });
  }

  /** `POST gallery/submissions/{id}/review`. */
  review(
    id: string,
    decision: 'approve' | 'reject',
    note = ''
  ): Promise<ISubmission> {
    return this._post(`gallery/submissions/${enc(id)}/review`, {
      decision,
      note
    });
  }

  private _post<T>(path: string, body: unknown): Promise<T> {
    return this._server.request<T>(path, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify(body)
    });
  }
}
