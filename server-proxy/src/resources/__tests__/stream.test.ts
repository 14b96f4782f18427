import { Executor } from '../../exec';
import { alive, waitFor } from '../../__tests__/helpers';

describe('Executor.stream (the long-lived nvidia-smi)', () => {
  const executor = new Executor({
    baseEnv: { PATH: process.env.PATH, SECRET_TOKEN: 'x', HOME: '/tmp' }
  });
  afterAll(() => executor.dispose());

  it('reads lines as they come, with the allow-listed environment only', async () => {
    const lines: string[] = [];
    let exit: { code: number | null } | null = null;
    executor.stream(
      process.execPath,
      [
        '-e',
        'console.log(Object.keys(process.env).sort().join(","));process.stdout.write("a\\nb");'
      ],
      { onLine: l => lines.push(l), onExit: e => (exit = e) }
    );
    expect(await waitFor(() => exit !== null, 10_000)).toBe(true);
    expect(lines).toEqual(['HOME,PATH', 'a', 'b']);
    expect(exit).toMatchObject({ code: 0 });
  });

  it('stop kills the whole process group, children included', async () => {
    const lines: string[] = [];
    let exited = false;
    const handle = executor.stream(
      process.execPath,
      [
        '-e',
        `const c=require('child_process').spawn('sleep',['60'],{stdio:'ignore'}); console.log(c.pid); setInterval(()=>console.log('tick'),100)`
      ],
      { onLine: l => lines.push(l), onExit: () => (exited = true) }
    );
    expect(await waitFor(() => lines.length >= 2, 10_000)).toBe(true);
    const grandchild = Number(lines[0]);
    expect(alive(grandchild)).toBe(true);
    handle.stop();
    expect(
      await waitFor(
        () => exited && !alive(grandchild) && !alive(handle.pid as number),
        10_000
      )
    ).toBe(true);
  });

  it('a command that does not exist: onExit with the spawn error', async () => {
    let error: string | undefined;
    executor.stream('no-such-command-hpc', [], {
      onLine: () => undefined,
      onExit: e => (error = e.error?.errno)
    });
    expect(await waitFor(() => error !== undefined, 10_000)).toBe(true);
    expect(error).toBe('ENOENT');
  });
});
