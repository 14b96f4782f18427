/**
 * The Slurm queue as a service other plugins (submit, details) build on.
 */
import { Token } from '@lumino/coreutils';
import type { QueueModel } from './model';

export interface ISlurmQueue {
  /** The shared queue model: one poll, the selection, the actions. */
  readonly model: QueueModel;
  /** Show the queue sidebar. */
  show(): void;
  /**
   * Show the sidebar, refresh, then select and scroll to a job (a new
   * submission, say). Resolves once the refreshed queue is applied.
   */
  reveal(jobId: string): Promise<void>;
}

export const ISlurmQueue = new Token<ISlurmQueue>(
  'jupyterlab-hpc:ISlurmQueue',
  'The Slurm queue sidebar and its model.'
);
