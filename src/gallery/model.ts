/**
 * The gallery's state: the list of examples (with the user's copies and
 * submissions), and the Use/Update tasks, followed until they settle. Tasks
 * live in the server, so a reloaded page finds the running ones again.
 */
import { ISignal, Signal } from '@lumino/signaling';
import { HpcRequestError } from '../request';
import type { GalleryClient } from './api';
import type { IGalleryExample, IGalleryList, ITask } from './types';

/** How often a running task is asked about. */
export const TASK_POLL_MS = 500;

/** Examples matching the search text (title, description, tags, author) and every chosen tag. */
export function filterExamples(
  examples: readonly IGalleryExample[],
  query: string,
  tags: readonly string[]
): IGalleryExample[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return examples.filter(e => {
    if (!tags.every(t => e.tags.includes(t))) {
      return false;
    }
    const text = [
      e.title,
      e.description,
      e.author ?? '',
      e.kernel ?? '',
      ...e.tags
    ]
      .join(' ')
      .toLowerCase();
    return words.every(w => text.includes(w));
  });
}

/** Every tag with how many examples carry it, most used first. */
export function tagCounts(
  examples: readonly IGalleryExample[]
): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const e of examples) {
    for (const t of e.tags) {
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The message of a failed request, in the server's words. */
export function errorMessage(e: unknown): string {
  return e instanceof HpcRequestError || e instanceof Error
    ? e.message
    : String(e);
}

export class GalleryModel {
  constructor(options: { client: GalleryClient; pollMs?: number }) {
    this.client = options.client;
    this._pollMs = options.pollMs ?? TASK_POLL_MS;
  }

  readonly client: GalleryClient;

  /** The last list; null until loaded. */
  get list(): IGalleryList | null {
    return this._list;
  }

  /** Why the last load failed, or null. */
  get error(): string | null {
    return this._error;
  }

  get loading(): boolean {
    return this._loading;
  }

  /** Emitted whenever anything shown changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted once per task that settles while followed. */
  get settled(): ISignal<this, ITask> {
    return this._settled;
  }

  /** The latest task of an example (running, or the last finished one). */
  taskOf(exampleId: string): ITask | undefined {
    return this._byExample.get(exampleId);
  }

  find(id: string): IGalleryExample | undefined {
    return this._list?.examples.find(e => e.id === id);
  }

  async refresh(): Promise<void> {
    this._loading = true;
    this._changed.emit();
    try {
      this._list = await this.client.list();
      this._error = null;
    } catch (e) {
      this._error = errorMessage(e);
    } finally {
      this._loading = false;
      this._changed.emit();
    }
  }

  /** Follows the server's running tasks (after a page reload). */
  async attach(): Promise<void> {
    let tasks: ITask[];
    try {
      tasks = await this.client.tasks();
    } catch {
      return; // the list's own error says why
    }
    for (const t of tasks.filter(t => t.state === 'running')) {
      this._follow(t);
    }
  }

  /** Starts a Use; resolves with the task as first answered. */
  async use(id: string, destination?: string): Promise<ITask> {
    const task = await this.client.use(id, destination);
    this._follow(task);
    return task;
  }

  async update(id: string, path: string): Promise<ITask> {
    const task = await this.client.update(id, path);
    this._follow(task);
    return task;
  }

  async cancel(taskId: string): Promise<void> {
    const task = await this.client.cancel(taskId);
    if (task) {
      this._apply(task);
    }
  }

  dispose(): void {
    this._disposed = true;
    for (const timer of this._timers.values()) {
      clearTimeout(timer);
    }
    this._timers.clear();
    Signal.clearData(this);
  }

  private _follow(task: ITask): void {
    this._apply(task);
    if (task.state !== 'running' || this._timers.has(task.id)) {
      return;
    }
    const tick = async () => {
      this._timers.delete(task.id);
      if (this._disposed) {
        return;
      }
      try {
        const t = await this.client.task(task.id);
        if (this._apply(t)) {
          return;
        }
      } catch (e) {
        if (e instanceof HpcRequestError && e.status === 404) {
          // Forgotten by the server (restarted): no longer followed.
          this._byExample.delete(task.exampleId);
          this._changed.emit();
          return;
        }
      }
      this._timers.set(task.id, setTimeout(tick, this._pollMs));
    };
    this._timers.set(task.id, setTimeout(tick, this._pollMs));
  }

  /** Records a task's state; true when it has settled (signals once). */
  private _apply(task: ITask): boolean {
    const before = this._byExample.get(task.exampleId);
    this._byExample.set(task.exampleId, task);
    this._changed.emit();
    if (task.state === 'running') {
      return false;
    }
    const timer = this._timers.get(task.id);
    if (timer) {
      clearTimeout(timer);
      this._timers.delete(task.id);
    }
    if (!(before?.id === task.id && before.state !== 'running')) {
      this._settled.emit(task);
      // New copies, updated copies: the list shows them.
      void this.refresh();
    }
    return true;
  }

  private _list: IGalleryList | null = null;
  private _error: string | null = null;
  private _loading = false;
  private _pollMs: number;
  private _disposed = false;
  private _byExample = new Map<string, ITask>();
  private _timers = new Map<string, ReturnType<typeof setTimeout>>();
  private _changed = new Signal<this, void>(this);
  private _settled = new Signal<this, ITask>(this);
}
