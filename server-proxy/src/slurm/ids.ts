/**
 * Slurm's job id grammar: a request with anything else is refused whole
 * (400) before a command runs.
 *   12            a job (or a whole array, or a whole het job)
 *   12_3          an array task
 *   12_[4-9]      array tasks, with a list and a throttle: 12_[1,4-9%2]
 *   40+1          a het-job component
 */
const JOB_ID =
  /^\d{1,10}(?:_(?:\d{1,7}|\[\d{1,7}(?:-\d{1,7})?(?:,\d{1,7}(?:-\d{1,7})?)*(?:%\d{1,7})?\])|\+\d{1,4})?$/;

export function isJobId(id: unknown): id is string {
  return typeof id === 'string' && id.length <= 200 && JOB_ID.test(id);
}

/** The JSON-schema pattern of a job id (the same grammar). */
export const JOB_ID_PATTERN = JOB_ID.source;

/**
 * scancel rejects a throttled range (`12_[4-9%2]`) and then cancels
 * nothing at all: the throttle is not part of which tasks are meant.
 */
export function withoutThrottle(id: string): string {
  return id.replace(/%\d+\]$/, ']');
}
