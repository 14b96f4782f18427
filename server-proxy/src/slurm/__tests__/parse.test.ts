/**
 * The parsers on real Slurm 22.05 output captured from the test cluster
 * (fixtures/README.md says how each file was produced).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sacctArgs, sinfoArgs, squeueArgs } from '../commands';
import {
  FIELD,
  IJob,
  jobsFromRows,
  parseDuration,
  parseJobcomp,
  parseJobcompLine,
  parseSacct,
  parseScontrolJobs,
  parseSinfo,
  parseSqueue,
  parseTime,
  RECORD,
  ROW_FIELDS,
  SQUEUE_FIELDS,
  squeueRows
} from '../parse';

function fixture(name: string): string {
  return readFileSync(join(__dirname, 'fixtures', name), 'utf8');
}

/** The names the capture gave its jobs (fixtures/capture.sh). */
const WEIRD_NAME = 'we\tird\nline2 ü <b>html</b>';
const DONE_NAME = 'done\tx\nnl ü <b>h</b>';
const WORK = '/tmp/hpc-fixture-ej31vD';

describe('the fixtures match the commands', () => {
  it('were captured with the argv the commands module builds', () => {
    const args = JSON.parse(fixture('args.json')) as Record<string, string[]>;
    expect(squeueArgs('all')).toEqual(args.squeue);
    expect(sacctArgs(1)).toEqual(args.sacct);
    expect(sinfoArgs()).toEqual(args.sinfo);
  });
});

describe('parseSqueue (squeue-all.txt)', () => {
  const jobs = parseSqueue(fixture('squeue-all.txt'));
  const byDisplay = (id: string): IJob => {
    const job = jobs.find(j => j.displayId === id);
    if (!job) {
      throw new Error(`no job ${id} in ${jobs.map(j => j.displayId)}`);
    }
    return job;
  };

  it('finds every record, in order, names with newlines included', () => {
    expect(jobs.map(j => j.displayId)).toEqual([
      '189_[2-5%2]',
      '190',
      '163',
      '189_0',
      '189_1',
      '191',
      '194+0',
      '194+1'
    ]);
    expect(jobs.map(j => j.jobId)).toEqual([
      '189',
      '190',
      '163',
      '196',
      '197',
      '191',
      '194',
      '195'
    ]);
  });

  it('reads the pending throttled array row', () => {
    expect(byDisplay('189_[2-5%2]')).toEqual({
      jobId: '189',
      displayId: '189_[2-5%2]',
      arrayJobId: '189',
      arrayTaskId: '2-5%2',
      name: 'arr',
      user: 'alice',
      account: '',
      partition: 'debug',
      qos: 'normal',
      state: 'PENDING',
      reason: 'JobArrayTaskLimit',
      nodes: 1,
      cpus: 1,
      tres: 'cpu=1,mem=8000M,node=1,billing=1',
      nodeList: '',
      submitTime: '2026-11-23T16:04:31',
      startTime: null,
      endTime: null,
      timeUsedSec: 0,
      // -t 1-02:03:04, which Slurm rounds up to whole minutes
      timeLimitSec: 93840,
      priority: 4294901645,
      workDir: WORK
    });
  });

  it('reads the running array tasks', () => {
    for (const [display, jobId, task] of [
      ['189_0', '196', '0'],
      ['189_1', '197', '1']
    ]) {
      const job = byDisplay(display);
      expect(job).toMatchObject({
        jobId,
        arrayJobId: '189',
        arrayTaskId: task,
        state: 'RUNNING',
        reason: 'None',
        nodeList: 'localhost',
        tres: 'cpu=1,node=1,billing=1',
        submitTime: '2026-11-23T16:04:31',
        startTime: '2026-11-23T16:04:32',
        endTime: '2026-11-24T18:08:32',
        timeUsedSec: 2,
        timeLimitSec: 93840
      });
      expect(job.hetJobId).toBeUndefined();
    }
  });

  it("reads bob's held job", () => {
    const job = byDisplay('190');
    expect(job).toMatchObject({
      user: 'bob',
      name: 'held',
      state: 'PENDING',
      reason: 'JobHeldUser',
      priority: 0,
      timeLimitSec: 300,
      workDir: '/tmp'
    });
    expect(job.arrayJobId).toBeUndefined();
    expect(job.arrayTaskId).toBeUndefined();
  });

  it('reads the het job components', () => {
    const [first, second] = [byDisplay('194+0'), byDisplay('194+1')];
    expect(first).toMatchObject({
      jobId: '194',
      hetJobId: '194',
      hetJobOffset: '0',
      partition: 'gpu',
      name: 'het',
      timeLimitSec: null
    });
    expect(second).toMatchObject({
      jobId: '195',
      hetJobId: '194',
      hetJobOffset: '1',
      partition: 'gpu'
    });
    expect(first.arrayJobId).toBeUndefined();
  });

  it('keeps names with tabs, newlines, non-ASCII and HTML byte-exact', () => {
    expect(byDisplay('191')).toMatchObject({
      name: WEIRD_NAME,
      user: 'alice',
      state: 'RUNNING',
      timeLimitSec: 360, // -t 05:06, rounded up to 6:00
      endTime: '2026-11-23T16:10:32'
    });
    // Someone else's job on the shared test cluster: UNLIMITED, EndTime NONE.
    expect(byDisplay('163')).toMatchObject({
      name: 'tab\there <b>x</b> ü',
      timeLimitSec: null,
      endTime: null,
      timeUsedSec: 4 * 60 + 7
    });
  });

  it('sets the cluster when given one', () => {
    const withCluster = parseSqueue(fixture('squeue-all.txt'), 'testcluster');
    expect(withCluster).toHaveLength(8);
    expect(withCluster.every(j => j.cluster === 'testcluster')).toBe(true);
    expect(jobs.every(j => j.cluster === undefined)).toBe(true);
  });

  /** One synthetic record with the name last. */
  function record(name: string, jobId = '7'): string {
    const f: string[] = SQUEUE_FIELDS.map(() => 'N/A');
    f[0] = jobId;
    f[1] = jobId;
    f[10] = 'RUNNING';
    f[SQUEUE_FIELDS.length - 1] = name;
    return `${f.join(FIELD)}${RECORD}\n`;
  }

  it('keeps a field separator inside a name as part of the name', () => {
    const [job] = parseSqueue(record(`a${FIELD}b${FIELD}c`));
    expect(job.name).toBe(`a${FIELD}b${FIELD}c`);
    expect(job.jobId).toBe('7');
  });

  it('skips a partial (truncated) record instead of misaligning', () => {
    const whole = record('ok', '8');
    const text = whole + record('cut', '9').slice(0, 30);
    expect(parseSqueue(text).map(j => j.jobId)).toEqual(['8']);
    expect(parseSqueue('')).toEqual([]);
  });
});

describe('squeueRows (the compact payload) and jobsFromRows', () => {
  /** Through JSON, as the payload travels; decoded as the frontend does. */
  function roundTrip(text: string, cluster?: string): IJob[] {
    const sent = JSON.parse(
      JSON.stringify({ fields: ROW_FIELDS, ...squeueRows(text), cluster })
    );
    return jobsFromRows(sent);
  }

  /** A pending job `id` named `name` whose work dir is `dir`. */
  function record(name: string, id: string, dir = '/home/a'): string {
    const f = fixture('squeue-all.txt')
      .split(RECORD)[1]
      .replace(/^\n/, '')
      .split(FIELD);
    f[0] = f[1] = f[2] = id;
    f[22] = dir;
    f[SQUEUE_FIELDS.length - 1] = name;
    return `${f.join(FIELD)}${RECORD}\n`;
  }

  it('gives the jobs parseSqueue gives (the real capture)', () => {
    const text = fixture('squeue-all.txt');
    expect(roundTrip(text)).toEqual(parseSqueue(text));
    expect(roundTrip(text, 'c2')).toEqual(parseSqueue(text, 'c2'));
    expect(roundTrip(text).map(j => j.displayId)).toEqual([
      '189_[2-5%2]',
      '190',
      '163',
      '189_0',
      '189_1',
      '191',
      '194+0',
      '194+1'
    ]);
  });

  it('keeps the running clocks apart from the rows, in job order', () => {
    const { rows, timeUsedSec } = squeueRows(fixture('squeue-all.txt'));
    expect(rows).toHaveLength(8);
    expect(rows.every(row => row.length === ROW_FIELDS.length)).toBe(true);
    // 163 has run 4:07, the array tasks and 191 0:02, the pending jobs 0.
    expect(timeUsedSec).toEqual([0, 0, 247, 2, 2, 2, 0, 0]);
    const name = ROW_FIELDS.indexOf('name');
    expect(rows[5][name]).toBe('we\tird\nline2 ü <b>html</b>');
  });

  it.each([
    ['a tab and a newline', 'a\tb\nc'],
    ['quotes', 'say "hi" \'there\''],
    ['backslashes', 'C:\\dir\\n \\u0041 \\'],
    ['unicode', 'ünï 日本語 🚀'],
    ['HTML', '<b>bold</b> &amp; <script>x()</script>'],
    ['a field separator', `a${FIELD}b${FIELD}c`],
    ['JSON-looking text', '{"jobs":[1],"rows":null}'],
    ['control characters', 'bell\u0007 esc\u001b del\u007f'],
    ['nothing', '']
  ])('keeps a name with %s byte-exact', (_, name) => {
    // The work dir is user text too (but not last: no separator in it).
    const dir = `/home/${name.split(FIELD).join('')}`;
    const text = record(name, '7', dir) + record('plain', '8');
    const jobs = roundTrip(text);
    expect(jobs).toEqual(parseSqueue(text));
    expect(jobs.map(j => j.name)).toEqual([name, 'plain']);
    expect(jobs[0].workDir).toBe(dir);
    expect(jobs.map(j => j.jobId)).toEqual(['7', '8']);
  });

  it('skips a partial (truncated) record and reads nothing from nothing', () => {
    const text = record('ok', '8') + record('cut', '9').slice(0, 30);
    expect(roundTrip(text).map(j => j.jobId)).toEqual(['8']);
    expect(squeueRows('')).toEqual({ rows: [], timeUsedSec: [] });
  });
});

describe('parseScontrolJobs', () => {
  it("reads bob's held job, every field", () => {
    const [job, ...rest] = parseScontrolJobs(
      fixture('scontrol-show-job-held.txt')
    );
    expect(rest).toEqual([]);
    expect(job).toMatchObject({
      JobId: '190',
      JobName: 'held',
      UserId: 'bob(1002)',
      JobState: 'PENDING',
      Reason: 'JobHeldUser',
      Priority: '0',
      TimeLimit: '00:05:00',
      StartTime: 'Unknown',
      Partition: 'debug',
      'AllocNode:Sid': 'localhost:11958',
      'CPUs/Task': '1',
      'ReqB:S:C:T': '0:0:*:*',
      TRES: 'cpu=1,mem=8000M,node=1,billing=1',
      WorkDir: '/tmp',
      StdOut: '/tmp/slurm-190.out',
      StdErr: '/tmp/slurm-190.out',
      Power: ''
    });
  });

  it('reads an array as its pending meta record and its tasks', () => {
    const records = parseScontrolJobs(fixture('scontrol-show-job-arr.txt'));
    expect(records.map(r => r.JobId)).toEqual(['189', '197', '196']);
    expect(records.map(r => r.ArrayTaskId)).toEqual(['2-5%2', '1', '0']);
    expect(records.every(r => r.ArrayJobId === '189')).toBe(true);
    expect(records.every(r => r.JobName === 'arr')).toBe(true);
    expect(records[1].StdOut).toBe(`${WORK}/slurm-189_1.out`);
    const [task] = parseScontrolJobs(fixture('scontrol-show-job-arr-task.txt'));
    expect(task).toMatchObject({
      JobId: '197',
      ArrayTaskThrottle: '2',
      JobState: 'RUNNING',
      NodeList: 'localhost',
      StdOut: `${WORK}/slurm-189_1.out`
    });
  });

  it('reads het job components (HetJobIdSet follows the name)', () => {
    const records = parseScontrolJobs(fixture('scontrol-show-job-het.txt'));
    expect(records).toHaveLength(2);
    expect(records.map(r => [r.JobId, r.HetJobId, r.HetJobOffset])).toEqual([
      ['194', '194', '0'],
      ['195', '194', '1']
    ]);
    for (const r of records) {
      expect(r.JobName).toBe('het');
      expect(r.HetJobIdSet).toBe('194-195');
      expect(r.UserId).toBe('alice(1001)');
      expect(r.Partition).toBe('gpu');
    }
  });

  it('reads a job whose name holds a tab, a newline and HTML', () => {
    const records = parseScontrolJobs(fixture('scontrol-show-job-weird.txt'));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      JobId: '191',
      JobName: WEIRD_NAME,
      UserId: 'alice(1001)',
      JobState: 'RUNNING',
      TimeLimit: '00:06:00',
      StdOut: `${WORK}/slurm-191.out`
    });
  });

  it('keeps key-like text inside a name in the name', () => {
    const line =
      'JobId=5 JobName=a Reason=fake b UserId=alice(1001) GroupId=alice(1001) JobState=PENDING Reason=Priority Dependency=(null)\n';
    const [job] = parseScontrolJobs(line);
    expect(job.JobName).toBe('a Reason=fake b');
    expect(job.Reason).toBe('Priority');
    expect(job.JobState).toBe('PENDING');
  });

  it('ignores text that is not a job record', () => {
    expect(
      parseScontrolJobs('slurm_load_jobs error: Invalid job id specified\n')
    ).toEqual([]);
    expect(parseScontrolJobs('')).toEqual([]);
  });
});

describe('parseSacct (sacct-alice.txt)', () => {
  const jobs = parseSacct(fixture('sacct-alice.txt'));
  const byId = (id: string): ReturnType<typeof parseSacct>[number] => {
    const found = jobs.filter(j => j.jobId === id);
    expect(found).toHaveLength(1);
    return found[0];
  };

  it('reads one job per record, newest first', () => {
    const lines = fixture('sacct-alice.txt').split('\n');
    const records = lines.filter(l => l.split(FIELD).length >= 10).length;
    expect(records).toBe(99);
    expect(jobs).toHaveLength(99);
    expect(jobs[0].jobId).toBe('189_1');
    expect(jobs[jobs.length - 1].jobId).toBe(lines[0].split(FIELD)[0]);
  });

  it('joins the lines of a name that holds a newline', () => {
    expect(byId('191')).toEqual({
      jobId: '191',
      user: 'alice',
      partition: 'debug',
      state: 'RUNNING',
      exitCode: '0:0',
      submitTime: '2026-11-23T16:04:31',
      startTime: '2026-11-23T16:04:32',
      endTime: null, // "Unknown" while it runs
      elapsedSec: 2,
      name: WEIRD_NAME
    });
    expect(byId('192')).toMatchObject({
      state: 'COMPLETED',
      name: DONE_NAME,
      endTime: '2026-11-23T16:04:32',
      elapsedSec: 0
    });
    // The job after a two-line name is read normally.
    expect(byId('193')).toMatchObject({ name: 'plain', state: 'COMPLETED' });
    expect(byId('182')).toMatchObject({
      name: WEIRD_NAME,
      state: 'CANCELLED by 0'
    });
    // No continuation line became a job of its own.
    expect(jobs.filter(j => !/^\d+([_+][\d[\]%,-]+)?$/.test(j.jobId))).toEqual(
      []
    );
  });

  it('reads het components and pending jobs', () => {
    expect(byId('194+1')).toMatchObject({
      partition: 'gpu',
      state: 'PENDING',
      startTime: null,
      endTime: null,
      name: 'het'
    });
  });
});

describe('jobcomp (jobcomp.txt, jobcomp/filetxt)', () => {
  const text = fixture('jobcomp.txt');

  it('reads a one-line record', () => {
    const line = text.split('\n').find(l => l.startsWith('JobId=193 '));
    expect(line).toBeDefined();
    expect(parseJobcompLine(line as string)).toEqual({
      jobId: '193',
      name: 'plain',
      user: 'alice',
      partition: 'debug',
      state: 'COMPLETED',
      exitCode: '0:0',
      submitTime: '2026-11-23T16:04:31',
      startTime: '2026-11-23T16:04:32',
      endTime: '2026-11-23T16:04:32',
      elapsedSec: 0
    });
    expect(parseJobcompLine('')).toBeNull();
    expect(parseJobcompLine('garbage without an id')).toBeNull();
  });

  it('reads a file whose names span lines', () => {
    const jobs = parseJobcomp(text);
    // In the order the jobs ended (193 first here).
    expect(jobs.map(j => j.jobId).sort()).toEqual(['192', '193']);
    expect(jobs.find(j => j.jobId === '192')).toMatchObject({
      name: DONE_NAME,
      user: 'alice',
      state: 'COMPLETED',
      partition: 'debug',
      exitCode: '0:0',
      endTime: '2026-11-23T16:04:32'
    });
  });

  it('computes the elapsed time from start and end', () => {
    const job = parseJobcompLine(
      'JobId=9 UserId=bob(1002) GroupId=bob(1002) Name=x JobState=FAILED Partition=gpu TimeLimit=5 StartTime=2026-01-01T10:00:00 EndTime=2026-01-01T11:02:03 NodeList=n1 ExitCode=1:0'
    );
    expect(job).toMatchObject({
      user: 'bob',
      state: 'FAILED',
      exitCode: '1:0',
      elapsedSec: 3723
    });
  });
});

describe('parseSinfo (sinfo.txt)', () => {
  it('reads both partitions', () => {
    expect(parseSinfo(fixture('sinfo.txt'))).toEqual([
      {
        name: 'debug',
        isDefault: true,
        available: true,
        nodes: { allocated: 1, idle: 0, other: 0, total: 1 },
        cpus: { allocated: 4, idle: 4, other: 0, total: 8 },
        gres: 'gpu:fake:4',
        maxTimeSec: null
      },
      {
        name: 'gpu',
        isDefault: false,
        available: true,
        nodes: { allocated: 1, idle: 0, other: 0, total: 1 },
        cpus: { allocated: 4, idle: 4, other: 0, total: 8 },
        gres: 'gpu:fake:4',
        maxTimeSec: null
      }
    ]);
  });

  it('reads a down partition, a time limit and no GRES', () => {
    const [p] = parseSinfo(
      ['long', 'down', '0/0/2/2', '0/0/16/16', '(null)', '2-00:00:00'].join(
        FIELD
      )
    );
    expect(p).toMatchObject({
      name: 'long',
      isDefault: false,
      available: false,
      gres: null,
      maxTimeSec: 172800
    });
  });
});

describe('parseDuration', () => {
  it.each([
    ['1-02:03:04', 93784],
    ['05:06', 306],
    ['1:02:03', 3723],
    ['0:00', 0],
    ['0:02', 2],
    ['4:07', 247],
    ['6:00', 360],
    ['00:05:00', 300],
    ['1-02:04:00', 93840],
    ['2-00:00:00', 172800],
    ['3-04', 3 * 86400 + 4 * 3600],
    ['3-04:05', 3 * 86400 + 4 * 3600 + 5 * 60],
    ['7', 420],
    [' 1:02:03 ', 3723]
  ])('%j → %d', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each([
    'UNLIMITED',
    'INFINITE',
    'infinite',
    'N/A',
    'INVALID',
    'NOT_SET',
    'Partition_Limit',
    '',
    'soon',
    '1:2:3:4'
  ])('%j → null', text => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('parseTime', () => {
  it('keeps Slurm times and turns placeholders into null', () => {
    expect(parseTime('2026-11-23T16:04:31')).toBe('2026-11-23T16:04:31');
    for (const t of ['N/A', 'Unknown', 'None', 'NONE', '', '16:04:31']) {
      expect(parseTime(t)).toBeNull();
    }
  });
});
