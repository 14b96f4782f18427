/**
 * Where Lab can open a job's work directory and output files: the server
 * gives each Slurm path relative to the Jupyter root (or null outside it);
 * a path Lab cannot open comes with the reason, for a disabled button.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import type { IJobDetail } from '../types';
import type { OutputStream } from './api';

/** A path to open in Lab, or why there is none. */
export interface IOpenTarget {
  /** Relative to the Jupyter root ("" is the root), or null. */
  path: string | null;
  /** Why `path` is null (for the disabled button's tooltip). */
  reason: string | null;
}

/** The absolute and root-relative path of one of a job's places. */
export function jobPaths(
  detail: IJobDetail,
  which: 'workDir' | OutputStream
): { absolute: string | null; relative: string | null | undefined } {
  switch (which) {
    case 'workDir':
      return { absolute: detail.workDir, relative: detail.workDirPath };
    case 'stdout':
      return { absolute: detail.stdout, relative: detail.stdOutPath };
    case 'stderr':
      return { absolute: detail.stderr, relative: detail.stdErrPath };
  }
}

/** Where Lab can open one of a job's places, or why it cannot. */
export function openTarget(
  detail: IJobDetail | null,
  which: 'workDir' | OutputStream,
  trans: TranslationBundle
): IOpenTarget {
  if (!detail) {
    return { path: null, reason: trans.__('Loading the job…') };
  }
  const { absolute, relative } = jobPaths(detail, which);
  if (!absolute) {
    return {
      path: null,
      reason:
        which === 'workDir'
          ? trans.__('Slurm names no working directory for this job.')
          : trans.__('Slurm names no file for this output.')
    };
  }
  if (absolute === '/dev/null') {
    return {
      path: null,
      reason: trans.__('This output goes to /dev/null: it is not kept.')
    };
  }
  if (relative === undefined) {
    return {
      path: null,
      reason: trans.__(
        'The HPC server is too old to place %1 in the Jupyter root.',
        absolute
      )
    };
  }
  if (relative === null) {
    return {
      path: null,
      reason: trans.__(
        '%1 is outside the Jupyter root: Lab can only open files under the folder it was started in.',
        absolute
      )
    };
  }
  return { path: relative, reason: null };
}
