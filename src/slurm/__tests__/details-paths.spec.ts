import { nullTranslator } from '@jupyterlab/translation';
import { openTarget } from '../details/paths';
import { parseDuration, summarize } from '../details/summary';
import type { IJobDetail } from '../types';
import { job } from './fixtures';

const trans = nullTranslator.load('jupyterlab_hpc');

/** A detail as the server answers it for a job under /home/alice (the root). */
function detail(overrides: Partial<IJobDetail> = {}): IJobDetail {
  return {
    jobId: '7',
    fields: {
      JobId: '7',
      JobName: 'train',
      UserId: 'alice(1001)',
      JobState: 'RUNNING',
      RunTime: '00:01:05',
      TimeLimit: '01:00:00',
      SubmitTime: '2026-11-23T14:00:00',
      StartTime: '2026-11-23T14:00:05',
      EndTime: '2026-11-23T15:00:05',
      NumNodes: '1',
      NodeList: 'localhost',
      NumCPUs: '4',
      TRES: 'cpu=4,mem=4G,node=1',
      ExitCode: '0:0',
      Partition: 'debug',
      Account: '(null)',
      QOS: 'normal'
    },
    state: 'RUNNING',
    reason: null,
    workDir: '/home/alice/runs/a b',
    stdout: '/home/alice/runs/a b/slurm-7.out',
    stderr: '/scratch/alice/err-7.txt',
    workDirPath: 'runs/a b',
    stdOutPath: 'runs/a b/slurm-7.out',
    stdErrPath: null,
    ...overrides
  };
}

describe('openTarget', () => {
  it("gives the server's root-relative path for Lab's commands", () => {
    expect(openTarget(detail(), 'workDir', trans)).toEqual({
      path: 'runs/a b',
      reason: null
    });
    expect(openTarget(detail(), 'stdout', trans)).toEqual({
      path: 'runs/a b/slurm-7.out',
      reason: null
    });
  });

  it('keeps the root itself ("") as a path to open', () => {
    const d = detail({ workDir: '/home/alice', workDirPath: '' });
    expect(openTarget(d, 'workDir', trans)).toEqual({ path: '', reason: null });
  });

  it('says why a path outside the root cannot be opened', () => {
    const target = openTarget(detail(), 'stderr', trans);
    expect(target.path).toBeNull();
    expect(target.reason).toContain('/scratch/alice/err-7.txt');
    expect(target.reason).toContain('outside the Jupyter root');
  });

  it('says why there is nothing to open', () => {
    expect(
      openTarget(
        detail({ stdout: '/dev/null', stdOutPath: null }),
        'stdout',
        trans
      ).reason
    ).toContain('/dev/null');
    expect(
      openTarget(detail({ workDir: null, workDirPath: null }), 'workDir', trans)
        .reason
    ).toContain('no working directory');
    expect(openTarget(null, 'stdout', trans).path).toBeNull();
  });

  it('does not guess a path when the server gives none (older server)', () => {
    const target = openTarget(
      detail({ stdOutPath: undefined }),
      'stdout',
      trans
    );
    expect(target.path).toBeNull();
    expect(target.reason).toContain('too old');
  });
});

describe('summarize', () => {
  it('reads the fields of scontrol, ticking the elapsed time of a running job', () => {
    const fetchedAt = 1_000_000;
    const s = summarize(detail(), null, fetchedAt, fetchedAt + 10_000);
    expect(s).toMatchObject({
      state: 'RUNNING',
      user: 'alice',
      account: '',
      partition: 'debug',
      submitTime: '2026-11-23 14:00:00',
      elapsed: '1:15',
      limit: '1:00:00',
      nodes: '1 · localhost',
      cpus: '4',
      tres: ['cpu=4', 'mem=4G', 'node=1'],
      ended: false
    });
  });

  it('shows an ended job with its end and an unlimited limit as null', () => {
    const d = detail({ state: 'COMPLETED' });
    d.fields = { ...d.fields, JobState: 'COMPLETED', TimeLimit: 'UNLIMITED' };
    const s = summarize(d, null, 1, 999_999);
    expect(s).toMatchObject({
      ended: true,
      endTime: '2026-11-23 15:00:05',
      elapsed: '1:05',
      limit: null,
      exitCode: '0:0'
    });
  });

  it('uses the queue row while the details load', () => {
    const s = summarize(
      null,
      job({ state: 'PENDING', reason: 'Priority' }),
      0,
      0
    );
    expect(s).toMatchObject({
      state: 'PENDING',
      reason: 'Priority',
      user: 'alice'
    });
  });

  it('parses Slurm durations', () => {
    expect(parseDuration('2-03:04:05')).toBe(2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    expect(parseDuration('04:05')).toBe(245);
    expect(parseDuration('UNLIMITED')).toBeNull();
  });
});
