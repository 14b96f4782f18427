/**
 * Pure parsers of Slurm 22.05's text output (tested on captured output).
 * Fields are separated by \x1f and records by \x1e, never by whitespace:
 * job names may contain spaces, tabs, newlines and HTML.
 */

export const FIELD = '\x1f';
export const RECORD = '\x1e';

export interface IJob {
  jobId: string;
  displayId: string;
  arrayJobId?: string;
  arrayTaskId?: string;
  hetJobId?: string;
  hetJobOffset?: string;
  name: string;
  user: string;
  account: string;
  partition: string;
  qos: string;
  state: string;
  reason: string;
  nodes: number;
  cpus: number;
  tres: string;
  nodeList: string;
  submitTime: string | null;
  startTime: string | null;
  endTime: string | null;
  timeUsedSec: number;
  timeLimitSec: number | null;
  priority: number | null;
  workDir: string;
  cluster?: string;
}

/** The `squeue -O` fields, in order; each is written `Field:\x1f`. */
export const SQUEUE_FIELDS = [
  'JobArrayID',
  'JobID',
  'ArrayJobID',
  'ArrayTaskID',
  'HetJobID',
  'HetJobOffset',
  'Partition',
  'UserName',
  'Account',
  'QOS',
  'State',
  'Reason',
  'NumNodes',
  'NumCPUs',
  'tres-alloc',
  'NodeList',
  'SubmitTime',
  'StartTime',
  'EndTime',
  'TimeUsed',
  'TimeLimit',
  'PriorityLong',
  'WorkDir',
  // Last, so that nothing a user typed can shift the other fields.
  'Name'
] as const;

/** Slurm's placeholders for "no value". */
const UNSET = new Set(['', 'N/A', '(null)', 'None', 'Unknown', 'n/a']);

function unset(value: string): boolean {
  return UNSET.has(value);
}

function orEmpty(value: string): string {
  return unset(value) ? '' : value;
}

/**
 * Memoises a parser of short, often repeated texts (times, limits): a big
 * queue repeats them thousands of times. Bounded, cleared when full.
 */
function memo<T>(parse: (text: string) => T): (text: string) => T {
  const cache = new Map<string, T>();
  return text => {
    let value = cache.get(text);
    if (value === undefined && !cache.has(text)) {
      value = parse(text);
      if (cache.size >= 10_000) {
        cache.clear();
      }
      cache.set(text, value);
    }
    return value as T;
  };
}

/** "[D-]HH:MM:SS", "MM:SS", "M" → seconds; UNLIMITED/INFINITE/N/A → null. */
export const parseDuration = memo(parseDurationText);

function parseDurationText(text: string): number | null {
  const t = text.trim();
  if (
    !t ||
    /^(UNLIMITED|INFINITE|infinite|N\/A|INVALID|NOT_SET|Partition_Limit)$/.test(
      t
    )
  ) {
    return null;
  }
  const m = /^(?:(\d+)-)?(?:(\d+):)?(?:(\d+):)?(\d+)$/.exec(t);
  if (!m) {
    return null;
  }
  const [, days, a, b, last] = m;
  // With one colon "MM:SS", with two "HH:MM:SS"; "D-HH" and "D-HH:MM" too.
  let h = 0;
  let min = 0;
  let s = 0;
  if (days !== undefined && a === undefined) {
    h = Number(last);
  } else if (days !== undefined && b === undefined) {
    h = Number(a);
    min = Number(last);
  } else if (b !== undefined) {
    h = Number(a);
    min = Number(b);
    s = Number(last);
  } else if (a !== undefined) {
    min = Number(a);
    s = Number(last);
  } else {
    min = Number(last);
  }
  return Number(days ?? 0) * 86400 + h * 3600 + min * 60 + s;
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/** Slurm's "2026-11-23T13:01:20" (local, no zone) or a placeholder → null. */
export function parseTime(text: string): string | null {
  if (TIME.test(text)) {
    return text; // squeue's own times: no blanks around
  }
  const t = text.trim();
  return TIME.test(t) ? t : null;
}

function int(text: string): number {
  const n = Number.parseInt(text, 10);
  return Number.isFinite(n) ? n : 0;
}

/** `squeue --noheader -O <SQUEUE_FIELDS with \x1f, last \x1e>` → jobs. */
export function parseSqueue(text: string, cluster?: string): IJob[] {
  const jobs: IJob[] = [];
  const n = SQUEUE_FIELDS.length;
  for (const raw of text.split(RECORD)) {
    // Records end with \x1e then \n: drop the newline that starts the next.
    const record = raw.startsWith('\n') ? raw.slice(1) : raw;
    if (!record.trim()) {
      continue;
    }
    const f = record.split(FIELD);
    if (f.length < n) {
      continue; // a partial record (truncated output): skip, don't misalign
    }
    // The name is last: any separator inside it stays part of it.
    const name = f.slice(n - 1).join(FIELD);
    const state = f[10];
    const job: IJob = {
      jobId: f[1],
      displayId: f[0],
      name,
      user: f[7],
      account: orEmpty(f[8]),
      partition: f[6],
      qos: orEmpty(f[9]),
      state,
      reason: f[11] || 'None',
      nodes: int(f[12]),
      cpus: int(f[13]),
      tres: orEmpty(f[14]),
      nodeList: state === 'PENDING' ? '' : orEmpty(f[15]),
      submitTime: parseTime(f[16]),
      startTime: parseTime(f[17]),
      endTime: parseTime(f[18]),
      timeUsedSec: parseDuration(f[19]) ?? 0,
      timeLimitSec: parseDuration(f[20]),
      priority: /^\d+$/.test(f[21]) ? Number(f[21]) : null,
      workDir: orEmpty(f[22])
    };
    if (!unset(f[3])) {
      job.arrayJobId = f[2];
      job.arrayTaskId = f[3];
    }
    if (!unset(f[4])) {
      job.hetJobId = f[4];
      job.hetJobOffset = f[5];
    }
    if (cluster) {
      job.cluster = cluster;
    }
    jobs.push(job);
  }
  return jobs;
}

/**
 * The fields of a row of the compact queue payload (`GET api/slurm/jobs`,
 * see API.md), in order: squeue's `-O` order, with the name where TimeUsed
 * was (the running clocks travel apart, in `timeUsedSec`).
 */
export const ROW_FIELDS = [
  'displayId',
  'jobId',
  'arrayJobId',
  'arrayTaskId',
  'hetJobId',
  'hetJobOffset',
  'partition',
  'user',
  'account',
  'qos',
  'state',
  'reason',
  'nodes',
  'cpus',
  'tres',
  'nodeList',
  'submitTime',
  'startTime',
  'endTime',
  'name',
  'timeLimitSec',
  'priority',
  'workDir'
] as const;

/** Row fields that a job lacks when `null` (not an array task, not a het job). */
const OPTIONAL_FIELDS = new Set<string>([
  'arrayJobId',
  'arrayTaskId',
  'hetJobId',
  'hetJobOffset'
]);

export type RowValue = string | number | null;

/** The queue as rows: what `GET api/slurm/jobs` sends, less its envelope. */
export interface IQueueRows {
  /** One array per job, its values in `ROW_FIELDS` order. */
  rows: RowValue[][];
  /** Each job's `timeUsedSec`, apart: the only values that move by themselves. */
  timeUsedSec: number[];
}

/**
 * `parseSqueue` without job objects: each record's fields, converted in
 * place, become a row (B1 in DESIGN.md: a 50,000-job queue costs little
 * more than splitting squeue's answer, and its JSON names no key per job).
 * `jobsFromRows` turns it back into `parseSqueue`'s jobs.
 */
export function squeueRows(text: string): IQueueRows {
  const [all] = squeueRowChunks(text, Number.POSITIVE_INFINITY);
  return all ?? { rows: [], timeUsedSec: [] };
}

/**
 * `squeueRows` in parts of `size` records, so that a caller can compress
 * one part while it converts the next.
 */
export function* squeueRowChunks(
  text: string,
  size: number
): Generator<IQueueRows> {
  const n = SQUEUE_FIELDS.length;
  let rows: RowValue[][] = [];
  let timeUsedSec: number[] = [];
  // One record at a time (not text.split: 50,000 strings alive at once
  // would cost the garbage collector more than the conversion).
  for (let at = 0; at < text.length;) {
    let end = text.indexOf(RECORD, at);
    if (end < 0) {
      end = text.length;
    }
    // Records end with \x1e then \n: skip the newline that starts the next.
    const start = text.charCodeAt(at) === 10 ? at + 1 : at;
    const record = text.slice(start, end);
    at = end + 1;
    const s = record.split(FIELD);
    if (s.length < n) {
      continue; // a partial record (truncated output): skip, don't misalign
    }
    const f: RowValue[] = s;
    // The name is last: any separator inside it stays part of it. It takes
    // TimeUsed's place (19), whose value goes to `timeUsedSec`.
    timeUsedSec.push(parseDuration(s[19]) ?? 0);
    f[19] = s.length === n ? s[n - 1] : s.slice(n - 1).join(FIELD);
    f.length = n - 1;
    if (unset(s[3])) {
      f[2] = f[3] = null;
    }
    if (unset(s[4])) {
      f[4] = f[5] = null;
    }
    f[8] = orEmpty(s[8]);
    f[9] = orEmpty(s[9]);
    f[11] = s[11] || 'None';
    f[12] = int(s[12]);
    f[13] = int(s[13]);
    f[14] = orEmpty(s[14]);
    f[15] = s[10] === 'PENDING' ? '' : orEmpty(s[15]);
    f[16] = parseTime(s[16]);
    f[17] = parseTime(s[17]);
    f[18] = parseTime(s[18]);
    f[20] = parseDuration(s[20]);
    f[21] = /^\d+$/.test(s[21]) ? Number(s[21]) : null;
    f[22] = orEmpty(s[22]);
    rows.push(f);
    if (rows.length >= size) {
      yield { rows, timeUsedSec };
      rows = [];
      timeUsedSec = [];
    }
  }
  if (rows.length > 0) {
    yield { rows, timeUsedSec };
  }
}

/** The compact payload back into `parseSqueue`'s jobs (src/slurm/api.ts does the same). */
export function jobsFromRows(
  queue: IQueueRows & { fields: readonly string[]; cluster?: string }
): IJob[] {
  return queue.rows.map((row, i) => {
    const job: Record<string, RowValue> = {};
    queue.fields.forEach((field, k) => {
      if (row[k] !== null || !OPTIONAL_FIELDS.has(field)) {
        job[field] = row[k];
      }
    });
    job.timeUsedSec = queue.timeUsedSec[i];
    if (queue.cluster) {
      job.cluster = queue.cluster;
    }
    return job as unknown as IJob;
  });
}

/**
 * `scontrol show job -o ID` (one line per job) → field maps. Values may hold
 * spaces (JobName, Command, Reason texts): a field runs until the next
 * ` Key=` where Key looks like a Slurm key.
 */
export function parseScontrolJobs(text: string): Array<Record<string, string>> {
  // A job name may hold newlines: a record starts only at "JobId=".
  return text
    .split(/\n(?=JobId=)/)
    .map(line => line.replace(/\n$/, ''))
    .filter(line => line.startsWith('JobId='))
    .map(line => {
      const fields: Record<string, string> = {};
      const keys = [...line.matchAll(/(?:^| )([A-Z][A-Za-z0-9/:_]*)=/g)];
      // JobName is user text: it ends only at " UserId=" (or at the
      // " HetJobIdSet=" that het job components print before it).
      const nameAt = keys.findIndex(k => k[1] === 'JobName');
      const userAt = keys.findIndex(k => k[1] === 'UserId');
      const hetSetAt =
        userAt - 1 > nameAt && keys[userAt - 1]?.[1] === 'HetJobIdSet'
          ? userAt - 1
          : userAt;
      const usable =
        nameAt >= 0 && userAt > nameAt
          ? [...keys.slice(0, nameAt + 1), ...keys.slice(hetSetAt)]
          : keys;
      usable.forEach((k, i) => {
        const start = (k.index ?? 0) + k[0].length;
        const end =
          i + 1 < usable.length
            ? (usable[i + 1].index ?? line.length)
            : line.length;
        fields[k[1]] = line.slice(start, end).trimEnd();
      });
      return fields;
    });
}

export interface IHistoryJob {
  jobId: string;
  name: string;
  user: string;
  partition: string;
  state: string;
  exitCode: string;
  submitTime: string | null;
  startTime: string | null;
  endTime: string | null;
  elapsedSec: number;
}

/** The `sacct -o` fields; JobName last (it may contain anything). */
export const SACCT_FIELDS = [
  'JobID',
  'User',
  'Partition',
  'State',
  'ExitCode',
  'Submit',
  'Start',
  'End',
  'ElapsedRaw',
  'JobName'
] as const;

/** `sacct -X -n -P --delimiter=\x1f -o <SACCT_FIELDS>` → jobs, newest first. */
export function parseSacct(text: string): IHistoryJob[] {
  const jobs: IHistoryJob[] = [];
  const n = SACCT_FIELDS.length;
  for (const line of text.split('\n')) {
    const f = line.split(FIELD);
    if (f.length < n) {
      // A newline inside the previous job's name: it continues there.
      if (jobs.length && line) {
        jobs[jobs.length - 1].name += `\n${line}`;
      }
      continue;
    }
    jobs.push({
      jobId: f[0],
      user: f[1],
      partition: f[2],
      state: f[3],
      exitCode: f[4],
      submitTime: parseTime(f[5]),
      startTime: parseTime(f[6]),
      endTime: parseTime(f[7]),
      elapsedSec: int(f[8]),
      name: f.slice(n - 1).join(FIELD)
    });
  }
  return jobs.reverse();
}

/** One line of `jobcomp/filetxt` (`Key=Value ...`) → a history job. */
export function parseJobcompLine(line: string): IHistoryJob | null {
  const get = (key: string): string => {
    const m = new RegExp(`(?:^| )${key}=(\\S*)`).exec(line);
    return m ? m[1] : '';
  };
  const jobId = get('JobId');
  if (!jobId) {
    return null;
  }
  const name = /(?:^| )Name=([\s\S]*?) JobState=/.exec(line)?.[1] ?? '';
  const start = parseTime(get('StartTime'));
  const end = parseTime(get('EndTime'));
  return {
    jobId,
    name,
    user: get('UserId').replace(/\(\d+\)$/, ''),
    partition: get('Partition'),
    state: get('JobState'),
    exitCode: get('ExitCode'),
    submitTime: parseTime(get('SubmitTime')),
    startTime: start,
    endTime: end,
    elapsedSec:
      start && end
        ? Math.max(0, (Date.parse(end) - Date.parse(start)) / 1000)
        : 0
  };
}

/** A whole jobcomp/filetxt file: a name may hold newlines, a record starts at "JobId=". */
export function parseJobcomp(text: string): IHistoryJob[] {
  return text
    .split(/\n(?=JobId=)/)
    .map(record => parseJobcompLine(record.replace(/\n$/, '')))
    .filter((j): j is IHistoryJob => j !== null);
}

export interface IPartition {
  name: string;
  isDefault: boolean;
  available: boolean;
  nodes: { allocated: number; idle: number; other: number; total: number };
  cpus: { allocated: number; idle: number; other: number; total: number };
  gres: string | null;
  maxTimeSec: number | null;
}

function aiot(text: string): IPartition['nodes'] {
  const [allocated, idle, other, total] = text.split('/').map(int);
  return { allocated, idle, other, total };
}

/** `sinfo -h -s -o '%P\x1f%a\x1f%F\x1f%C\x1f%G\x1f%l'` → partitions. */
export function parseSinfo(text: string): IPartition[] {
  return text
    .split('\n')
    .map(line => line.split(FIELD))
    .filter(f => f.length >= 6)
    .map(f => ({
      name: f[0].replace(/\*$/, ''),
      isDefault: f[0].endsWith('*'),
      available: f[1] === 'up',
      nodes: aiot(f[2]),
      cpus: aiot(f[3]),
      gres: unset(f[4]) ? null : f[4],
      maxTimeSec: parseDuration(f[5])
    }));
}
