/**
 * The summary of a job from `scontrol show job` fields (or, while they
 * load, its queue row): pure, so the view stays a function of its props.
 */
import { formatDuration } from '../jobs';
import type { IJob, IJobDetail } from '../types';

export interface IJobSummary {
  state: string;
  /** Why it waits (or why it ended), null for "None". */
  reason: string | null;
  user: string;
  account: string;
  partition: string;
  qos: string;
  submitTime: string | null;
  startTime: string | null;
  endTime: string | null;
  /** True when the job has an end (EndTime in the past for a final state). */
  ended: boolean;
  elapsed: string;
  /** null when UNLIMITED. */
  limit: string | null;
  nodes: string;
  cpus: string;
  /** "cpu=4", "mem=8G", "gres/gpu=1". */
  tres: string[];
  exitCode: string | null;
  workDir: string | null;
}

/** Slurm's words for "no value". */
const UNSET = new Set(['', 'Unknown', 'None', 'N/A', '(null)']);

function value(v: string | null | undefined): string | null {
  return v === undefined || v === null || UNSET.has(v) ? null : v;
}

/** An ISO time without the "T", as Slurm's local time. */
function time(v: string | null | undefined): string | null {
  const t = value(v);
  return t ? t.replace('T', ' ') : null;
}

/** "1-02:03:04", "02:03:04", "03:04" → seconds; null when not a duration. */
export function parseDuration(text: string | null | undefined): number | null {
  const match = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(text ?? '');
  if (!match) {
    return null;
  }
  const [, d, h, m, s] = match;
  return (
    Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(m) * 60 + Number(s)
  );
}

/** States in which the elapsed time grows between two refreshes. */
const TICKING = new Set(['RUNNING', 'COMPLETING']);

export function summarize(
  detail: IJobDetail | null,
  job: IJob | null,
  fetchedAt: number,
  now: number
): IJobSummary {
  if (!detail) {
    return {
      state: job?.state ?? '',
      reason: job && job.reason !== 'None' ? job.reason : null,
      user: job?.user ?? '',
      account: job?.account ?? '',
      partition: job?.partition ?? '',
      qos: job?.qos ?? '',
      submitTime: time(job?.submitTime),
      startTime: time(job?.startTime),
      endTime: time(job?.endTime),
      ended: false,
      elapsed: formatDuration(job?.timeUsedSec ?? 0),
      limit:
        job && job.timeLimitSec !== null
          ? formatDuration(job.timeLimitSec)
          : null,
      nodes: job ? [job.nodes, job.nodeList].filter(Boolean).join(' · ') : '',
      cpus: job ? String(job.cpus) : '',
      tres: job?.tres ? job.tres.split(',') : [],
      exitCode: null,
      workDir: job?.workDir || null
    };
  }
  const f = detail.fields;
  const state = detail.state || f.JobState || '';
  let used = parseDuration(f.RunTime) ?? 0;
  if (TICKING.has(state) && fetchedAt > 0) {
    used += Math.max(0, Math.floor((now - fetchedAt) / 1000));
  }
  const limitSec = parseDuration(f.TimeLimit);
  const ended =
    !TICKING.has(state) && state !== 'PENDING' && !!value(f.EndTime);
  return {
    state,
    reason: detail.reason,
    user: (f.UserId ?? '').replace(/\(\d+\)$/, ''),
    account: value(f.Account) ?? '',
    partition: value(f.Partition) ?? '',
    qos: value(f.QOS) ?? '',
    submitTime: time(f.SubmitTime),
    startTime: time(f.StartTime),
    endTime: time(f.EndTime),
    ended,
    elapsed: formatDuration(used),
    limit:
      limitSec !== null
        ? formatDuration(limitSec)
        : f.TimeLimit === 'UNLIMITED'
          ? null
          : value(f.TimeLimit),
    nodes: [value(f.NumNodes), value(f.NodeList)].filter(Boolean).join(' · '),
    cpus: value(f.NumCPUs) ?? '',
    tres: value(f.TRES) ? f.TRES.split(',') : [],
    exitCode: value(f.ExitCode),
    workDir: detail.workDir
  };
}
