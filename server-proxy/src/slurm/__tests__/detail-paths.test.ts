import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../config';
import type { Executor, IRunResult } from '../../exec';
import { rootRelative } from '../paths';
import { SlurmService } from '../service';

/**
 * The job detail's root-relative paths (workDirPath, stdOutPath,
 * stdErrPath): what the front end opens in the file browser and editor.
 */
describe('rootRelative', () => {
  let base: string;
  let root: string;
  let outside: string;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'hpc-detail-paths-'));
    root = join(base, 'root');
    outside = join(base, 'outside');
    mkdirSync(join(root, 'runs', 'a b'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(root, 'runs', 'a b', 'slurm-7.out'), 'x');
    writeFileSync(join(outside, 'secret.out'), 'x');
    // A link inside the root to a folder outside it, and one that stays in.
    symlinkSync(outside, join(root, 'escape'));
    symlinkSync(join(root, 'runs'), join(root, 'runs-link'));
  });

  afterEach(() => {
    rmSync(base, { recursive: true, force: true });
  });

  it('maps a folder and a file inside the root', async () => {
    expect(await rootRelative(root, join(root, 'runs', 'a b'))).toBe(
      'runs/a b'
    );
    expect(
      await rootRelative(root, join(root, 'runs', 'a b', 'slurm-7.out'))
    ).toBe('runs/a b/slurm-7.out');
  });

  it('maps the root itself to ""', async () => {
    expect(await rootRelative(root, root)).toBe('');
  });

  it('maps a file the job has not written yet through its existing folder', async () => {
    expect(
      await rootRelative(root, join(root, 'runs', 'new', 'slurm-8.out'))
    ).toBe('runs/new/slurm-8.out');
  });

  it('gives null for a path outside the root', async () => {
    expect(await rootRelative(root, join(outside, 'secret.out'))).toBeNull();
    expect(await rootRelative(root, base)).toBeNull();
    expect(await rootRelative(root, '/tmp')).toBeNull();
  });

  it('gives null for a symlink that escapes the root, existing or not', async () => {
    expect(await rootRelative(root, join(root, 'escape'))).toBeNull();
    expect(
      await rootRelative(root, join(root, 'escape', 'secret.out'))
    ).toBeNull();
    expect(
      await rootRelative(root, join(root, 'escape', 'later.out'))
    ).toBeNull();
  });

  it('follows a symlink that stays inside the root to its real place', async () => {
    expect(
      await rootRelative(root, join(root, 'runs-link', 'a b', 'slurm-7.out'))
    ).toBe('runs/a b/slurm-7.out');
  });

  it("matches Slurm's path when the root is reached through a symlink", async () => {
    const linkedRoot = join(base, 'home-link');
    symlinkSync(root, linkedRoot);
    expect(await rootRelative(linkedRoot, join(root, 'runs'))).toBe('runs');
    expect(await rootRelative(root, join(linkedRoot, 'runs'))).toBe('runs');
  });

  it('refuses "..", relative paths and nothing', async () => {
    expect(
      await rootRelative(root, join(root, 'missing', '..', '..', 'outside'))
    ).toBeNull();
    expect(await rootRelative(root, 'runs/a b')).toBeNull();
    expect(await rootRelative(root, '')).toBeNull();
    expect(await rootRelative(root, null)).toBeNull();
  });

  it('gives null when the root does not exist', async () => {
    expect(await rootRelative(join(base, 'gone'), join(root, 'runs'))).toBe(
      null
    );
  });
});

describe('SlurmService.detail paths', () => {
  let base: string;
  let root: string;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'hpc-detail-service-'));
    root = join(base, 'root');
    mkdirSync(join(root, 'job'), { recursive: true });
    mkdirSync(join(base, 'outside'));
    symlinkSync(join(base, 'outside'), join(root, 'escape'));
  });

  afterEach(() => {
    rmSync(base, { recursive: true, force: true });
  });

  /** A service whose scontrol prints `line`. */
  function serviceAnswering(line: string): SlurmService {
    const exec = {
      run: async (command: string, args: readonly string[]) =>
        ({
          command,
          args: [...args],
          code: 0,
          signal: null,
          stdout: `${line}\n`,
          stderr: '',
          truncated: false,
          timedOut: false,
          durationMs: 1
        }) as IRunResult
    };
    return new SlurmService(exec as unknown as Executor, parseConfig({}), root);
  }

  it('adds the paths relative to the root next to the absolute ones', async () => {
    const dir = join(root, 'job');
    const service = serviceAnswering(
      `JobId=7 JobName=t UserId=alice(1001) JobState=RUNNING Reason=None WorkDir=${dir} StdErr=${dir}/err-7.txt StdIn=/dev/null StdOut=${dir}/slurm-7.out Power=`
    );
    const d = await service.detail('7');
    expect(d).toMatchObject({
      workDir: dir,
      stdout: `${dir}/slurm-7.out`,
      stderr: `${dir}/err-7.txt`,
      workDirPath: 'job',
      stdOutPath: 'job/slurm-7.out',
      stdErrPath: 'job/err-7.txt'
    });
  });

  it('gives null for paths outside the root or escaping it by a symlink', async () => {
    const service = serviceAnswering(
      `JobId=8 JobName=t UserId=alice(1001) JobState=PENDING Reason=Priority WorkDir=/tmp StdErr=${root}/escape/e.txt StdIn=/dev/null StdOut=${base}/outside/o.txt Power=`
    );
    const d = await service.detail('8');
    expect(d).toMatchObject({
      workDir: '/tmp',
      workDirPath: null,
      stdOutPath: null,
      stdErrPath: null
    });
  });

  it('gives null paths when Slurm names no file', async () => {
    const service = serviceAnswering(
      'JobId=9 JobName=t UserId=alice(1001) JobState=PENDING Reason=Priority WorkDir= StdIn=/dev/null Power='
    );
    const d = await service.detail('9');
    expect(d).toMatchObject({
      workDir: null,
      stdout: null,
      workDirPath: null,
      stdOutPath: null,
      stdErrPath: null
    });
  });
});

describe('SlurmService.output', () => {
  it("reads from an offset and reports the file's size", async () => {
    const base = mkdtempSync(join(tmpdir(), 'hpc-detail-output-'));
    try {
      const file = join(base, 'slurm-3.out');
      writeFileSync(file, 'one\ntwo\nthree\n');
      const exec = {
        run: async (command: string, args: readonly string[]) =>
          ({
            command,
            args: [...args],
            code: 0,
            signal: null,
            stdout: `JobId=3 JobName=t UserId=alice(1001) JobState=RUNNING WorkDir=${base} StdErr=${file} StdOut=${file} Power=\n`,
            stderr: '',
            truncated: false,
            timedOut: false,
            durationMs: 1
          }) as IRunResult
      };
      const service = new SlurmService(
        exec as unknown as Executor,
        parseConfig({}),
        base
      );
      const out = await service.output('3', 'stdout', 4, 4);
      expect(out).toEqual({
        text: 'two\n',
        nextOffset: 8,
        path: file,
        size: 14
      });
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
