/**
 * Slurm's pending reasons in words, for the reasons users meet most often
 * (see `man squeue`, JOB REASON CODES).
 */
import type { TranslationBundle } from '@jupyterlab/translation';

/** The reason codes explained here. */
export const KNOWN_REASONS = [
  'Priority',
  'Resources',
  'JobHeldUser',
  'JobHeldAdmin',
  'Dependency',
  'DependencyNeverSatisfied',
  'PartitionNodeLimit',
  'PartitionTimeLimit',
  'PartitionConfig',
  'PartitionDown',
  'JobArrayTaskLimit',
  'QOSMaxJobsPerUserLimit',
  'AssocGrpCpuLimit',
  'ReqNodeNotAvail',
  'BeginTime',
  'NodeDown'
] as const;

/**
 * What a reason code means, or null for an unknown code or "None".
 * Codes may carry details after a comma or in parentheses
 * ("ReqNodeNotAvail, UnavailableNodes:n1"): the code is the first word.
 */
export function describeReason(
  reason: string | null | undefined,
  trans: TranslationBundle
): string | null {
  const code = (reason ?? '').split(/[\s,(]/)[0];
  switch (code) {
    case 'Priority':
      return trans.__(
        'Waiting for its turn: jobs with a higher priority are queued before it.'
      );
    case 'Resources':
      return trans.__(
        'Next in line, waiting for enough nodes, CPUs, memory or GPUs to become free.'
      );
    case 'JobHeldUser':
      return trans.__(
        'Held by its owner: it will not start until it is released.'
      );
    case 'JobHeldAdmin':
      return trans.__(
        'Held by an administrator: only an administrator can release it.'
      );
    case 'Dependency':
      return trans.__(
        'Waiting for the jobs it depends on (--dependency) to reach the required state.'
      );
    case 'DependencyNeverSatisfied':
      return trans.__(
        'Its dependency can never be satisfied: it will never start. Cancel it.'
      );
    case 'PartitionNodeLimit':
      return trans.__(
        'It asks for more (or fewer) nodes than the partition allows per job.'
      );
    case 'PartitionTimeLimit':
      return trans.__("Its time limit is longer than the partition's maximum.");
    case 'PartitionConfig':
      return trans.__(
        "It asks for something this partition's configuration does not allow (account, QOS, memory or GPUs)."
      );
    case 'PartitionDown':
      return trans.__('The partition is down.');
    case 'JobArrayTaskLimit':
      return trans.__(
        'The array may run only a few tasks at once (the % limit of --array): this task waits for another one to finish.'
      );
    case 'QOSMaxJobsPerUserLimit':
      return trans.__(
        'You already run as many jobs as your QOS allows per user: it starts when one of them ends.'
      );
    case 'AssocGrpCpuLimit':
      return trans.__(
        "Your account's group has reached its CPU limit: it starts when CPUs are released."
      );
    case 'ReqNodeNotAvail':
      return trans.__(
        'A node it needs is unavailable (down, drained or reserved, e.g. for maintenance).'
      );
    case 'BeginTime':
      return trans.__('It was submitted to start later (--begin).');
    case 'NodeDown':
      return trans.__('A node it needs is down.');
    default:
      return null;
  }
}
