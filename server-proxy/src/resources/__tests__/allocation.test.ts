import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Executor } from '../../exec';
import { AllocationWatcher, parseScontrolEndTime } from '../allocation';

const SLURM_FIXTURES = join(
  __dirname,
  '..',
  '..',
  'slurm',
  '__tests__',
  'fixtures'
);

describe('allocation', () => {
  it('EndTime of real `scontrol show job` output, as local time', () => {
    const read = (f: string): string =>
      readFileSync(join(SLURM_FIXTURES, f), 'utf8');
    expect(parseScontrolEndTime(read('scontrol-show-job-arr-task.txt'))).toBe(
      new Date(2026, 10, 24, 18, 8, 32).getTime()
    );
    expect(parseScontrolEndTime(read('scontrol-show-job-held.txt'))).toBeNull(); // EndTime=Unknown
    expect(
      parseScontrolEndTime('JobId=5 EndTime=2026-11-23T18:30:05 Deadline=N/A')
    ).toBe(new Date(2026, 10, 23, 18, 30, 5).getTime());
    expect(parseScontrolEndTime('JobId=5 EndTime=Unknown')).toBeNull();
  });

  it('SLURM_JOB_END_TIME: seconds left count down with the clock', () => {
    let now = 1_800_000_000_000;
    const w = new AllocationWatcher({
      env: {
        SLURM_JOB_ID: '1234',
        SLURM_JOB_END_TIME: String(1_800_000_000 + 3600)
      },
      executor: new Executor(),
      now: () => now
    });
    expect(w.get()).toEqual({
      jobId: '1234',
      endTime: new Date((1_800_000_000 + 3600) * 1000).toISOString(),
      secondsLeft: 3600,
      source: 'env'
    });
    now += 61_000;
    expect(w.get()?.secondsLeft).toBe(3539);
    now += 10_000_000;
    expect(w.get()?.secondsLeft).toBe(0);
  });

  it('no job, or a malformed id: null', () => {
    const executor = new Executor();
    expect(new AllocationWatcher({ env: {}, executor }).get()).toBeNull();
    expect(
      new AllocationWatcher({
        env: { SLURM_JOB_ID: '1; rm -rf' },
        executor
      }).get()
    ).toBeNull();
  });
});
