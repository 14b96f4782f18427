import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { gunzipSync } from 'node:zlib';
import type { Executor, IRunOptions, IRunResult } from '../../exec';
import { SpawnError } from '../../exec';
import { squeueArgs } from '../commands';
import { FIELD, jobsFromRows, RECORD, SQUEUE_FIELDS } from '../parse';
import { IQueueAnswer, QueuePoller, squeueError } from '../queue';

const SQUEUE = readFileSync(
  join(__dirname, 'fixtures', 'squeue-all.txt'),
  'utf8'
);
const DOWN =
  'squeue: error: slurm_load_jobs error: Unable to contact slurm controller (connect failure)';

/** One squeue record of a running job. */
function record(jobId: string, name = 'job', timeUsed = '0:05'): string {
  const f: string[] = SQUEUE_FIELDS.map(() => 'N/A');
  f[0] = jobId;
  f[1] = jobId;
  f[10] = 'RUNNING';
  f[19] = timeUsed;
  f[SQUEUE_FIELDS.length - 1] = name;
  return `${f.join(FIELD)}${RECORD}\n`;
}

interface IDeferred {
  resolve: (r: Partial<IRunResult>) => void;
  reject: (e: Error) => void;
}

/** An Executor stand-in whose answers the test controls. */
class FakeExecutor {
  calls: Array<{ command: string; args: string[]; options: IRunOptions }> = [];
  /** The next answers, in order; the last one repeats. */
  answers: Array<Partial<IRunResult> | Error> = [{ stdout: SQUEUE }];
  /** When set, each run waits until the test settles it. */
  manual = false;
  waiting: IDeferred[] = [];

  run(
    command: string,
    args: readonly string[],
    options: IRunOptions = {}
  ): Promise<IRunResult> {
    this.calls.push({ command, args: [...args], options });
    const complete = (r: Partial<IRunResult>): IRunResult => ({
      command,
      args: [...args],
      code: 0,
      signal: null,
      stdout: '',
      stderr: '',
      truncated: false,
      timedOut: false,
      durationMs: 1,
      ...r
    });
    if (this.manual) {
      return new Promise((resolve, reject) =>
        this.waiting.push({ resolve: r => resolve(complete(r)), reject })
      );
    }
    const answer =
      this.answers.length > 1 ? this.answers.shift() : this.answers[0];
    return answer instanceof Error
      ? Promise.reject(answer)
      : Promise.resolve(complete(answer ?? {}));
  }
}

/** The answer's body, its rows decoded into jobs. */
function body(answer: IQueueAnswer): {
  jobs: Array<{ jobId: string; name: string }>;
  fetchedAt: string | null;
  stale: boolean;
  error?: { code: string; message: string };
} {
  const sent = JSON.parse(answer.body);
  return { ...sent, jobs: jobsFromRows(sent) };
}

describe('QueuePoller', () => {
  let exec: FakeExecutor;
  let poller: QueuePoller;
  const T0 = Date.parse('2026-11-23T12:00:00Z');

  function make(
    options: { pollSeconds?: number; maxBackoffSeconds?: number } = {}
  ): QueuePoller {
    return new QueuePoller({
      executor: exec as unknown as Executor,
      scope: 'all',
      pollSeconds: options.pollSeconds ?? 10,
      maxBackoffSeconds: options.maxBackoffSeconds
    });
  }

  /** Moves the clock `ms` after T0. */
  function at(ms: number): void {
    jest.setSystemTime(T0 + ms);
  }

  beforeEach(() => {
    // The clock is fake; the event loop is real: the poller gzips in the
    // threadpool, whose streams finish on nextTick/setImmediate.
    jest.useFakeTimers({
      now: T0,
      doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask']
    });
    exec = new FakeExecutor();
    poller = make();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs squeue with the arguments of its scope and cluster', async () => {
    await poller.get();
    const mine = new QueuePoller({
      executor: exec as unknown as Executor,
      scope: 'mine',
      cluster: 'c2',
      pollSeconds: 10
    });
    await mine.get();
    expect(exec.calls.map(c => [c.command, c.args])).toEqual([
      ['squeue', squeueArgs('all')],
      ['squeue', squeueArgs('mine', 'c2')]
    ]);
  });

  it('answers 10 concurrent readers with one squeue (single flight)', async () => {
    exec.manual = true;
    const answers = Array.from({ length: 10 }, () => poller.get());
    // An action meanwhile does not start a second squeue either.
    poller.invalidate();
    answers.push(poller.get());
    expect(exec.calls).toHaveLength(1);
    exec.waiting[0].resolve({ stdout: SQUEUE });
    const all = await Promise.all(answers);
    expect(poller.runs).toBe(1);
    expect(new Set(all.map(a => a.etag)).size).toBe(1);
    expect(all.every(a => a.status === 200)).toBe(true);
    expect(body(all[0]).jobs).toHaveLength(8);
  });

  it('serves its cache for the interval, then asks again', async () => {
    const first = await poller.get();
    at(9_999);
    expect(await poller.get()).toBe(first);
    expect(exec.calls).toHaveLength(1);
    at(10_001);
    await poller.get();
    expect(exec.calls).toHaveLength(2);
    expect(poller.runs).toBe(2);
  });

  it('keeps its ETag while the jobs do not change, and changes it when they do', async () => {
    exec.answers = [
      { stdout: record('1') + record('2') },
      { stdout: record('1') + record('2') },
      { stdout: record('1') + record('3') }
    ];
    const a = await poller.get();
    at(11_000);
    const b = await poller.get();
    expect(exec.calls).toHaveLength(2);
    expect(b.etag).toBe(a.etag);
    at(22_000);
    const c = await poller.get();
    expect(exec.calls).toHaveLength(3);
    expect(c.etag).not.toBe(a.etag);
    expect(body(c).jobs.map(j => j.jobId)).toEqual(['1', '3']);
    expect(a.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
  });

  it('keeps its ETag when only the running clocks moved, and sends them', async () => {
    exec.answers = [
      { stdout: record('1', 'a', '0:05') + record('2', 'b', '1:00:00') },
      { stdout: record('1', 'a', '0:15') + record('2', 'b', '1:00:10') },
      { stdout: record('1', 'a', '0:25') + record('2', 'c', '1:00:20') }
    ];
    const a = await poller.get();
    at(11_000);
    const b = await poller.get();
    expect(b.etag).toBe(a.etag);
    expect(JSON.parse(b.body).timeUsedSec).toEqual([15, 3610]);
    expect(body(b).fetchedAt).not.toBe(body(a).fetchedAt);
    at(22_000);
    const c = await poller.get(); // a name changed
    expect(c.etag).not.toBe(a.etag);
    expect(body(c).jobs.map(j => j.name)).toEqual(['a', 'c']);
  });

  it('converts and gzips a big queue in parts into one answer', async () => {
    // 2,500 jobs: parts of 1,000 rows, compressed while the next converts.
    const many = Array.from({ length: 2_500 }, (_, i) =>
      record(String(i + 1), i % 7 ? `job ${i}` : `odd\t"${i}"\n<b>`)
    ).join('');
    exec.answers = [{ stdout: many }, { stdout: many }];
    const a = await poller.get();
    expect(gunzipSync(a.gzip).toString('utf8')).toBe(a.body);
    const jobs = body(a).jobs;
    expect(jobs.map(j => j.jobId)).toEqual(
      Array.from({ length: 2_500 }, (_, i) => String(i + 1))
    );
    expect(jobs[7].name).toBe('odd\t"7"\n<b>');
    expect(JSON.parse(a.body).timeUsedSec).toHaveLength(2_500);
    at(11_000);
    expect((await poller.get()).etag).toBe(a.etag);
  });

  it('converts squeue’s output as it streams, cut anywhere, into the same answer', async () => {
    const many = Array.from({ length: 2_300 }, (_, i) =>
      record(String(i + 1), i % 5 ? `Zürich 東京 ${i}` : `odd\t"${i}"\n<b>`)
    ).join('');
    exec.answers = [{ stdout: many }];
    const whole = await poller.get();
    // The same output, delivered through onStdout in uneven pieces that cut
    // records, fields and multi-byte characters (as the real pipe may).
    const streamed = new FakeExecutor();
    const bytes = Buffer.from(many, 'utf8');
    streamed.run = (command, args, options = {}) => {
      const decoder = new StringDecoder('utf8');
      for (
        let at = 0, step = 1;
        at < bytes.length;
        at += step, step = ((step * 7) % 4093) + 1
      ) {
        options.onStdout?.(decoder.write(bytes.subarray(at, at + step)));
      }
      options.onStdout?.(decoder.end());
      return FakeExecutor.prototype.run.call(
        // The result's stdout is empty: the answer can only come from the stream.
        Object.assign(new FakeExecutor(), { answers: [{ stdout: '' }] }),
        command,
        args,
        options
      );
    };
    const other = new QueuePoller({
      executor: streamed as unknown as Executor,
      scope: 'all',
      pollSeconds: 10
    });
    const a = await other.get();
    expect(JSON.parse(a.body).rows).toEqual(JSON.parse(whole.body).rows);
    expect(JSON.parse(a.body).timeUsedSec).toHaveLength(2_300);
    expect(gunzipSync(a.gzip).toString('utf8')).toBe(a.body);
    expect(body(a).jobs[5].name).toBe('odd\t"5"\n<b>');
    expect(body(a).jobs[6].name).toBe('Zürich 東京 6');
  });

  it('never reuses an ETag of another poller', async () => {
    const other = make();
    expect((await other.get()).etag).not.toBe((await poller.get()).etag);
  });

  it('gzips the body once per refresh', async () => {
    const a = await poller.get();
    expect(gunzipSync(a.gzip).toString('utf8')).toBe(a.body);
  });

  it('answers 503 with the reason when squeue never succeeded', async () => {
    exec.answers = [{ code: 1, stderr: `${DOWN}\n` }];
    const a = await poller.get();
    expect(a.status).toBe(503);
    expect(JSON.parse(a.body)).toEqual({
      error: {
        code: 'SLURM_CONTROLLER_DOWN',
        message: `The Slurm controller is not answering: ${DOWN}`
      }
    });
  });

  it('keeps the last good jobs, marked stale, when a refresh fails', async () => {
    exec.answers = [{ stdout: SQUEUE }, { code: 1, stderr: DOWN }];
    const good = await poller.get();
    at(10_001);
    const stale = await poller.get();
    expect(exec.calls).toHaveLength(2);
    expect(stale.status).toBe(200);
    expect(body(stale).stale).toBe(true);
    expect(body(stale).error?.code).toBe('SLURM_CONTROLLER_DOWN');
    expect(body(stale).jobs).toEqual(body(good).jobs);
    expect(body(stale).fetchedAt).toBe(body(good).fetchedAt);
    expect(body(good).stale).toBe(false);
    expect(stale.etag).not.toBe(good.etag);
  });

  it('backs off exponentially while squeue fails, and recovers', async () => {
    exec.answers = [
      { code: 1, stderr: DOWN },
      { code: 1, stderr: DOWN },
      { stdout: SQUEUE }
    ];
    await poller.get(); // failure 1 at 0: next try after 20 s
    at(10_500);
    await poller.get();
    at(19_900);
    await poller.get();
    expect(exec.calls).toHaveLength(1);
    at(20_100);
    await poller.get(); // failure 2: next try after 40 s more
    expect(exec.calls).toHaveLength(2);
    at(20_100 + 39_900);
    await poller.get();
    expect(exec.calls).toHaveLength(2);
    at(20_100 + 40_100);
    const ok = await poller.get(); // success: back to the interval
    expect(exec.calls).toHaveLength(3);
    expect(ok.status).toBe(200);
    expect(body(ok).stale).toBe(false);
    at(20_100 + 40_100 + 10_100);
    await poller.get();
    expect(exec.calls).toHaveLength(4);
  });

  it('caps the back-off', async () => {
    poller = make({ pollSeconds: 10, maxBackoffSeconds: 25 });
    exec.answers = [{ code: 1, stderr: DOWN }];
    await poller.get(); // failure 1: 20 s
    at(20_100);
    await poller.get(); // failure 2: 40 s, capped to 25 s
    expect(exec.calls).toHaveLength(2);
    let now = 20_100;
    for (let i = 0; i < 4; i++) {
      at(now + 24_900);
      await poller.get();
      expect(exec.calls).toHaveLength(i + 2);
      now += 25_100;
      at(now);
      await poller.get();
      expect(exec.calls).toHaveLength(i + 3);
    }
  });

  it('refreshes at once after invalidate()', async () => {
    exec.answers = [{ stdout: record('1') }, { stdout: record('2') }];
    await poller.get();
    at(1_000);
    poller.invalidate();
    const next = await poller.get();
    expect(exec.calls).toHaveLength(2);
    expect(body(next).jobs.map(j => j.jobId)).toEqual(['2']);
    // and caches again afterwards
    at(2_000);
    await poller.get();
    expect(exec.calls).toHaveLength(2);
  });

  it('keeps answers fresh for 2 s during the 15 s after an action', async () => {
    exec.answers = [{ stdout: record('1') }];
    await poller.get();
    at(1_000);
    poller.invalidate();
    await poller.get(); // refresh right after the action
    expect(exec.calls).toHaveLength(2);
    at(2_500);
    await poller.get(); // within 2 s: cached
    expect(exec.calls).toHaveLength(2);
    at(3_100);
    await poller.get(); // Slurm may have settled: ask again
    expect(exec.calls).toHaveLength(3);
    at(17_000);
    await poller.get(); // due since 5.1 s; the 15 s burst is over now
    expect(exec.calls).toHaveLength(4);
    at(20_000);
    await poller.get(); // after the burst: the normal interval again
    expect(exec.calls).toHaveLength(4);
  });

  it('does not let actions cut a back-off short', async () => {
    exec.answers = [{ code: 1, stderr: DOWN }];
    await poller.get();
    at(1_000);
    poller.invalidate();
    await poller.get();
    expect(exec.calls).toHaveLength(1);
  });

  it('names timeouts, missing commands and truncated output', async () => {
    exec.answers = [{ code: null, signal: 'SIGTERM', timedOut: true }];
    expect(JSON.parse((await poller.get()).body).error.code).toBe(
      'SLURM_TIMEOUT'
    );

    exec = new FakeExecutor();
    exec.answers = [
      new SpawnError('squeue', 'ENOENT', 'squeue: command not found')
    ];
    poller = make();
    const missing = await poller.get();
    expect(missing.status).toBe(503);
    expect(JSON.parse(missing.body).error).toEqual({
      code: 'SLURM_UNAVAILABLE',
      message: 'squeue: command not found'
    });

    exec = new FakeExecutor();
    exec.answers = [{ stdout: record('1'), truncated: true }];
    poller = make();
    const cut = await poller.get();
    expect(cut.status).toBe(503);
  });
});

describe('squeueError', () => {
  it.each([
    [DOWN, 'SLURM_CONTROLLER_DOWN'],
    [
      'slurm_load_jobs error: Socket timed out on send/recv operation',
      'SLURM_CONTROLLER_DOWN'
    ],
    ['squeue: error: Invalid user: nosuchuser', 'SLURM_UNAVAILABLE']
  ])('%s → %s', (message, code) => {
    expect(squeueError(message).code).toBe(code);
    expect(squeueError(message).message).toContain(message);
  });
});
