/**
 * Long gallery work (Use, Update) as tasks the client polls: kept in memory
 * by the server, so a page reload finds them again (`GET api/gallery/tasks`).
 * A task's function does the work and its own cleanup; it reports progress
 * through its handle and must stop soon after `signal` aborts.
 */
import { randomBytes } from 'node:crypto';
import { HpcError } from '../errors';
import type { ITask, IUpdateReport } from './types';

export const TASK_ID_PATTERN = '^[0-9a-f]{16}$';

export interface ITaskHandle {
  /** Aborted when the user cancels (or the server shuts down). */
  readonly signal: AbortSignal;
  /** 0..1 or null (unknown), and what is happening, in words. */
  progress(fraction: number | null, message: string): void;
}

export interface ITaskResult {
  entry?: string;
  report?: IUpdateReport;
  /** The final message (default: "Done"). */
  message?: string;
}

interface IEntry {
  task: ITask;
  controller: AbortController;
  settled: Promise<void>;
}

export class TaskRegistry {
  constructor(options: { keepFinished?: number } = {}) {
    this._keep = options.keepFinished ?? 50;
  }

  /** Starts `run` at once; the task is `running` until it settles. */
  start(
    init: Pick<ITask, 'kind' | 'exampleId' | 'exampleTitle' | 'path'>,
    run: (handle: ITaskHandle) => Promise<ITaskResult>
  ): ITask {
    const id = randomBytes(8).toString('hex');
    const controller = new AbortController();
    const task: ITask = {
      id,
      ...init,
      state: 'running',
      progress: null,
      message: 'Starting',
      startedAt: new Date().toISOString()
    };
    const handle: ITaskHandle = {
      signal: controller.signal,
      progress: (fraction, message) => {
        if (task.state !== 'running') {
          return;
        }
        task.progress =
          fraction === null ? null : Math.max(0, Math.min(1, fraction));
        task.message = message;
      }
    };
    const settled = (async () => {
      try {
        const result = await run(handle);
        if (controller.signal.aborted) {
          task.state = 'cancelled';
          task.message = 'Cancelled';
        } else {
          task.state = 'done';
          task.progress = 1;
          task.message = result.message ?? 'Done';
          if (result.entry !== undefined) {
            task.entry = result.entry;
          }
          if (result.report !== undefined) {
            task.report = result.report;
          }
        }
      } catch (e) {
        if (controller.signal.aborted) {
          task.state = 'cancelled';
          task.message = 'Cancelled';
        } else {
          task.state = 'failed';
          const err =
            e instanceof HpcError
              ? { code: e.code, message: e.message }
              : {
                  code: 'INTERNAL',
                  message: String((e as Error)?.message ?? e)
                };
          task.error = err;
          task.message = err.message;
        }
      } finally {
        task.finishedAt = new Date().toISOString();
        this._trim();
      }
    })();
    this._tasks.set(id, { task, controller, settled });
    return { ...task };
  }

  list(): ITask[] {
    return [...this._tasks.values()].map(e => ({ ...e.task }));
  }

  get(id: string): ITask | undefined {
    const e = this._tasks.get(id);
    return e ? { ...e.task } : undefined;
  }

  /** Cancels a running task and waits until its cleanup is over. */
  async cancel(id: string): Promise<ITask | undefined> {
    const e = this._tasks.get(id);
    if (!e) {
      return undefined;
    }
    if (e.task.state === 'running') {
      e.controller.abort();
    }
    await e.settled;
    return { ...e.task };
  }

  /** Forgets a finished task; false if unknown or still running. */
  forget(id: string): boolean {
    const e = this._tasks.get(id);
    if (!e || e.task.state === 'running') {
      return false;
    }
    return this._tasks.delete(id);
  }

  /** Resolves once the task has settled. */
  async settled(id: string): Promise<ITask | undefined> {
    const e = this._tasks.get(id);
    if (!e) {
      return undefined;
    }
    await e.settled;
    return { ...e.task };
  }

  /** Cancels everything still running and waits for the cleanups. */
  async shutdown(): Promise<void> {
    const all = [...this._tasks.values()];
    for (const e of all) {
      if (e.task.state === 'running') {
        e.controller.abort();
      }
    }
    await Promise.all(all.map(e => e.settled));
  }

  private _trim(): void {
    const finished = [...this._tasks.values()].filter(
      e => e.task.state !== 'running'
    );
    for (const e of finished.slice(
      0,
      Math.max(0, finished.length - this._keep)
    )) {
      this._tasks.delete(e.task.id);
    }
  }

  private _keep: number;
  private _tasks = new Map<string, IEntry>();
}
