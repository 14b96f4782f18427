import {
  canAct,
  compareJobIds,
  displayName,
  elapsedSeconds,
  filterJobs,
  formatDuration,
  sameJobs
} from '../jobs';
import { job, pending } from './fixtures';

describe('compareJobIds', () => {
  it('orders numerically, array job then task, never lexicographically', () => {
    const ids = [
      '11',
      '10_2',
      '9',
      '10',
      '10_[3-5%2]',
      '10_10',
      '100',
      '40+1',
      '40+0'
    ];
    expect([...ids].sort(compareJobIds)).toEqual([
      '9',
      '10',
      '10_2',
      '10_[3-5%2]',
      '10_10',
      '11',
      '40+0',
      '40+1',
      '100'
    ]);
  });

  it('puts a task before the pending range that starts at it', () => {
    expect(compareJobIds('12_4', '12_[4-9]')).toBeLessThan(0);
    expect(compareJobIds('12_[4-9]', '12_4')).toBeGreaterThan(0);
    expect(compareJobIds('12', '12')).toBe(0);
  });
});

describe('formatDuration', () => {
  it('prints like squeue', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3723)).toBe('1:02:03');
    expect(formatDuration(2 * 86400 + 3 * 3600 + 4 * 60 + 5)).toBe(
      '2-03:04:05'
    );
  });
});

describe('elapsedSeconds', () => {
  it('ticks on for running jobs only', () => {
    const since = 1_000_000;
    expect(elapsedSeconds(job({ timeUsedSec: 60 }), since + 5400, since)).toBe(
      65
    );
    expect(elapsedSeconds(pending(), since + 5400, since)).toBe(0);
    // A clock behind the data never makes time run back.
    expect(elapsedSeconds(job({ timeUsedSec: 60 }), since - 9000, since)).toBe(
      60
    );
  });
});

describe('displayName', () => {
  it('keeps a name on one line and markup as it is', () => {
    expect(displayName('a\tb\nc')).toBe('a b⏎c');
    expect(displayName('<b>html</b>')).toBe('<b>html</b>');
  });
});

describe('canAct', () => {
  const held = pending({ jobId: '2', reason: 'JobHeldUser' });
  const admin = pending({ jobId: '3', reason: 'JobHeldAdmin' });
  const waiting = pending({ jobId: '4' });
  const running = job({ jobId: '5' });

  it('holds only pending jobs', () => {
    expect(canAct('hold', [waiting])).toBe(true);
    expect(canAct('hold', [waiting, running])).toBe(false);
    expect(canAct('hold', [held])).toBe(false);
  });

  it('releases only held jobs', () => {
    expect(canAct('release', [held, admin])).toBe(true);
    expect(canAct('release', [held, waiting])).toBe(false);
  });

  it('cancels anything, requeues started jobs, and nothing without a selection', () => {
    expect(canAct('cancel', [running, waiting])).toBe(true);
    expect(canAct('requeue', [running])).toBe(true);
    expect(canAct('requeue', [waiting])).toBe(false);
    expect(canAct('cancel', [])).toBe(false);
  });
});

describe('filterJobs', () => {
  const jobs = [
    job({ jobId: '1', name: 'train', user: 'alice' }),
    pending({ jobId: '2', name: 'prep', user: 'bob' })
  ];

  it('matches text in any field, case-insensitively, and a state', () => {
    expect(filterJobs(jobs, 'BOB', '').map(j => j.jobId)).toEqual(['2']);
    expect(filterJobs(jobs, 'priority', '').map(j => j.jobId)).toEqual(['2']);
    expect(filterJobs(jobs, '', 'RUNNING').map(j => j.jobId)).toEqual(['1']);
    expect(filterJobs(jobs, 'train', 'PENDING')).toEqual([]);
    expect(filterJobs(jobs, ' ', '')).toBe(jobs);
  });
});

describe('sameJobs', () => {
  it('compares rows field by field', () => {
    expect(sameJobs([job()], [job()])).toBe(true);
    expect(sameJobs([job()], [job({ timeUsedSec: 66 })])).toBe(false);
    expect(sameJobs([job()], [])).toBe(false);
  });
});
