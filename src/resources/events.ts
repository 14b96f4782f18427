/**
 * The events worth a notification, from two successive samples: an OOM kill
 * (the count rose) and the allocation running out (crossing the threshold).
 */
import { secondsLeft } from './summary';
import type { ISample } from './types';

export type MeterEvent =
  | { kind: 'oom'; kills: number; limitBytes: number | null }
  | { kind: 'time'; jobId: string; secondsLeft: number };

/**
 * Events between `previous` and `next`. An OOM kill is news only between two
 * samples (what happened before the page opened is not); the allocation
 * warning is given once per job (`warnedJobs`, which this updates), also
 * when the page opens with little time left.
 */
export function meterEvents(
  previous: ISample | null,
  next: ISample,
  now: number,
  timeWarnSeconds: number,
  warnedJobs: Set<string>
): MeterEvent[] {
  const events: MeterEvent[] = [];
  if (
    previous &&
    previous.oomKills !== null &&
    next.oomKills !== null &&
    next.oomKills > previous.oomKills
  ) {
    events.push({
      kind: 'oom',
      kills: next.oomKills - previous.oomKills,
      limitBytes: next.memory.limitBytes
    });
  }
  const left = secondsLeft(next, now);
  if (
    next.job &&
    left !== null &&
    timeWarnSeconds > 0 &&
    left <= timeWarnSeconds &&
    !warnedJobs.has(next.job.jobId)
  ) {
    warnedJobs.add(next.job.jobId);
    events.push({ kind: 'time', jobId: next.job.jobId, secondsLeft: left });
  }
  return events;
}
