import { fakeSettings, json } from '../../__tests__/fakeServer';
import { HpcRequestError } from '../../request';
import { outputReader } from '../details/api';
import { boundedAppend, OutputTail } from '../details/tail';

const BASE = 'http://localhost:8888/user/alice/hpc/api/';

/**
 * A job's output file on the fake server: the output route answers like
 * the real one (bytes from `offset`, X-Next-Offset, X-Output-Size), or 404
 * OUTPUT_NOT_READABLE while the file does not exist.
 */
function outputServer(options: { chunk?: number } = {}) {
  const file = { exists: false, bytes: new Uint8Array(0) };
  const chunk = options.chunk ?? 256 * 1024;
  const { settings, requests } = fakeSettings(req => {
    const url = new URL(req.url);
    if (!file.exists) {
      return json(404, {
        error: {
          code: 'OUTPUT_NOT_READABLE',
          message:
            '/w/slurm-7.out does not exist yet: the job has not started writing (state PENDING).'
        }
      });
    }
    const offset = Number(url.searchParams.get('offset'));
    const part = file.bytes.slice(offset, offset + chunk);
    return new Response(new TextDecoder().decode(part), {
      status: 200,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'x-next-offset': String(offset + part.length),
        'x-output-size': String(file.bytes.length),
        'x-output-path': encodeURIComponent('/w/slurm-7.out')
      }
    });
  });
  const write = (text: string) => {
    const added = new TextEncoder().encode(text);
    const next = new Uint8Array(file.bytes.length + added.length);
    next.set(file.bytes);
    next.set(added, file.bytes.length);
    file.bytes = next;
    file.exists = true;
  };
  const offsets = () =>
    requests.map(r => Number(new URL(r.url).searchParams.get('offset')));
  return { read: outputReader(settings), requests, write, offsets };
}

function tail(read: ReturnType<typeof outputServer>['read'], keep?: number) {
  return new OutputTail({
    read,
    jobId: '7',
    stream: 'stdout',
    keepChars: keep
  });
}

describe('outputReader', () => {
  it('asks the output route and reads the offsets from the headers', async () => {
    const server = outputServer();
    server.write('héllo\n');
    const chunk = await server.read('7', 'stdout', 0);
    expect(server.requests[0].url).toBe(
      `${BASE}slurm/jobs/7/output?stream=stdout&offset=0`
    );
    expect(chunk).toEqual({
      text: 'héllo\n',
      nextOffset: 7, // bytes, not characters
      size: 7,
      path: '/w/slurm-7.out'
    });
  });

  it("rejects with the server's code and message", async () => {
    const server = outputServer();
    const error = await server.read('7', 'stderr', 0).catch(e => e);
    expect(error).toBeInstanceOf(HpcRequestError);
    expect(error).toMatchObject({
      status: 404,
      code: 'OUTPUT_NOT_READABLE'
    });
    expect(error.message).toContain('does not exist yet');
  });
});

describe('OutputTail', () => {
  it('follows X-Next-Offset: each read asks only for what is new', async () => {
    const server = outputServer();
    const t = tail(server.read);
    server.write('line 1\n');
    expect(await t.step()).toBe('idle');
    server.write('line 2\nline 3\n');
    expect(await t.step()).toBe('idle');
    expect(await t.step()).toBe('idle');
    expect(server.offsets()).toEqual([0, 7, 21]);
    expect(t.state).toMatchObject({
      text: 'line 1\nline 2\nline 3\n',
      offset: 21,
      truncated: false,
      path: '/w/slurm-7.out',
      done: false
    });
    t.dispose();
  });

  it('says "more" while the file holds more than one chunk', async () => {
    const server = outputServer({ chunk: 4 });
    const t = tail(server.read);
    server.write('abcdefghij');
    expect(await t.step()).toBe('more');
    expect(await t.step()).toBe('more');
    expect(await t.step()).toBe('idle');
    expect(t.state.text).toBe('abcdefghij');
    expect(server.offsets()).toEqual([0, 4, 8]);
    t.dispose();
  });

  it('keeps only the last characters, from a line start, and says so', async () => {
    const server = outputServer();
    const t = tail(server.read, 20);
    server.write('first line\nsecond line\n');
    await t.step();
    server.write('third line\n');
    await t.step();
    expect(t.state.text.length).toBeLessThanOrEqual(20);
    expect(t.state.text).toBe('third line\n');
    expect(t.state.truncated).toBe(true);
    t.dispose();
  });

  it('starts a long file near its end instead of reading it all', async () => {
    const server = outputServer({ chunk: 1000 });
    const t = tail(server.read, 100);
    server.write('x'.repeat(5000) + '\n' + 'end\n'.repeat(10));
    expect(await t.step()).toBe('more');
    expect(await t.step()).toBe('idle');
    const size = 5001 + 40;
    expect(server.offsets()).toEqual([0, size - 100]);
    // From the first whole line on.
    expect(t.state.text).toMatch(/^(end\n)+$/);
    expect(t.state.text.length).toBeLessThanOrEqual(100);
    expect(t.state.truncated).toBe(true);
    t.dispose();
  });

  it('shows a 404 as "not written yet" and goes on when the file appears', async () => {
    const server = outputServer();
    const t = tail(server.read);
    expect(await t.step()).toBe('idle');
    expect(t.state.missing).toContain('does not exist yet');
    expect(t.state.done).toBe(false);
    server.write('started\n');
    await t.step();
    expect(t.state.missing).toBeNull();
    expect(t.state.text).toBe('started\n');
    t.dispose();
  });

  it('stops once the job ended and the file is read to its end', async () => {
    const server = outputServer();
    const t = tail(server.read);
    server.write('a\n');
    await t.step();
    server.write('b\n');
    t.jobFinished = true;
    // The last lines written before the end are still read...
    expect(await t.step()).toBe('idle');
    expect(t.state.text).toBe('a\nb\n');
    expect(t.state.done).toBe(false);
    // ...then a read that finds nothing new ends the tail.
    expect(await t.step()).toBe('done');
    expect(t.state.done).toBe(true);
    const asked = server.requests.length;
    expect(await t.step()).toBe('done');
    expect(server.requests.length).toBe(asked);
    t.dispose();
  });

  it('ends on a 404 once the job has ended (the file will never come)', async () => {
    const server = outputServer();
    const t = tail(server.read);
    t.jobFinished = true;
    expect(await t.step()).toBe('done');
    expect(t.state).toMatchObject({ done: true });
    expect(t.state.missing).toContain('does not exist yet');
    t.dispose();
  });

  it('rejects on other failures (the poll backs off) and shows why', async () => {
    const { settings } = fakeSettings(() =>
      json(503, {
        error: { code: 'SLURM_CONTROLLER_DOWN', message: 'slurmctld is down' }
      })
    );
    const t = new OutputTail({
      read: outputReader(settings),
      jobId: '7',
      stream: 'stderr'
    });
    await expect(t.step()).rejects.toBeInstanceOf(HpcRequestError);
    expect(t.state.error).toBe('slurmctld is down');
    t.dispose();
  });

  it('signals only real changes', async () => {
    const server = outputServer();
    const t = tail(server.read);
    server.write('x\n');
    let changes = 0;
    t.changed.connect(() => changes++);
    await t.step();
    await t.step();
    await t.step();
    expect(changes).toBe(1);
    t.dispose();
  });
});

describe('boundedAppend', () => {
  it('appends while under the bound', () => {
    expect(boundedAppend('ab', 'cd', 10)).toEqual({
      text: 'abcd',
      trimmed: false
    });
  });

  it('cuts a long line anywhere when no line starts near the cut', () => {
    const { text, trimmed } = boundedAppend('', 'y'.repeat(5000), 100);
    expect(text).toBe('y'.repeat(100));
    expect(trimmed).toBe(true);
  });
});
