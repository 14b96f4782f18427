import { nullTranslator } from '@jupyterlab/translation';
import { HpcRequestError } from '../../../request';
import {
  advice,
  buildRequest,
  commandLine,
  EMPTY_VALUES,
  explain,
  isBatchScriptPath,
  partitionSummary,
  profileDefault
} from '../options';
import { PARTITIONS, PROFILES } from './fakes';

const trans = nullTranslator.load('jupyterlab_hpc');
const SCRIPT = '#!/bin/bash\necho hi\n';

describe('buildRequest', () => {
  it('sends only what is set, trimmed, with the option names of the API', () => {
    const { request, errors } = buildRequest(
      {
        ...EMPTY_VALUES,
        profile: 'Debug short',
        partition: ' gpu ',
        account: 'physics',
        qos: 'normal',
        time: '1-00:30:00',
        nodes: '2',
        cpus: '4',
        mem: '8gb',
        gpus: '0',
        name: 'my job; $(id)'
      },
      SCRIPT,
      'runs',
      trans
    );
    expect(errors).toEqual({});
    expect(request).toEqual({
      script: SCRIPT,
      cwd: 'runs',
      profile: 'Debug short',
      options: {
        partition: 'gpu',
        account: 'physics',
        qos: 'normal',
        time: '1-00:30:00',
        nodes: 2,
        cpusPerTask: 4,
        mem: '8G',
        gpus: 0,
        name: 'my job; $(id)'
      }
    });
  });

  it('leaves out the profile and the options when nothing is set', () => {
    const { request, errors } = buildRequest(EMPTY_VALUES, SCRIPT, '', trans);
    expect(errors).toEqual({});
    expect(request).toEqual({ script: SCRIPT, cwd: '' });
  });

  it.each([
    ['30', true],
    ['00:30', true],
    ['01:00:00', true],
    ['2-12', true],
    ['2-12:00:00', true],
    ['1h', false],
    ['-5', false],
    ['1:2:3:4', false],
    ['00:30:00; id', false]
  ])('time %j valid: %s', (time, valid) => {
    const { errors } = buildRequest(
      { ...EMPTY_VALUES, time },
      SCRIPT,
      '',
      trans
    );
    expect(errors.time === undefined).toBe(valid);
  });

  it('marks each wrong field, as the server would refuse it', () => {
    const { errors } = buildRequest(
      {
        ...EMPTY_VALUES,
        partition: 'debug;id',
        account: 'a b',
        nodes: '0',
        cpus: '2.5',
        gpus: '-1',
        mem: 'lots',
        name: 'x'.repeat(201)
      },
      SCRIPT,
      '',
      trans
    );
    expect(Object.keys(errors).sort()).toEqual([
      'account',
      'cpus',
      'gpus',
      'mem',
      'name',
      'nodes',
      'partition'
    ]);
    expect(errors.nodes).toBe('A whole number from 1 to 100000.');
    expect(errors.mem).toContain('8G');
  });
});

describe('profileDefault', () => {
  it("gives the profile's value of a field, or nothing", () => {
    expect(profileDefault(PROFILES[0], 'time')).toBe('00:05:00');
    expect(profileDefault(PROFILES[1], 'gpus')).toBe('1');
    expect(profileDefault(PROFILES[0], 'account')).toBe('');
    expect(profileDefault(undefined, 'time')).toBe('');
  });
});

describe('partitionSummary', () => {
  it('says what sinfo says: default, idle CPUs, GPUs, time limit', () => {
    expect(partitionSummary(PARTITIONS[0], trans)).toBe(
      'debug (default): 6 of 8 CPUs idle, max 1:00:00'
    );
    expect(partitionSummary(PARTITIONS[1], trans)).toBe(
      'gpu: 8 of 8 CPUs idle, GPUs gpu:fake:4, no time limit'
    );
    expect(
      partitionSummary({ ...PARTITIONS[1], available: false }, trans)
    ).toMatch(/^gpu: down, /);
  });
});

describe('commandLine', () => {
  it('quotes what a shell would split, and nothing else', () => {
    expect(
      commandLine([
        'sbatch',
        '--chdir=/home/alice/my runs',
        "--job-name=it's $(id)",
        '--time=00:05:00'
      ])
    ).toBe(
      `sbatch '--chdir=/home/alice/my runs' '--job-name=it'\\''s $(id)' --time=00:05:00`
    );
  });
});

describe('advice', () => {
  it.each([
    [400, 'NOT_A_BATCH_SCRIPT', 'very top'],
    [400, 'SBATCH_REJECTED', 'partition'],
    [400, 'BAD_CWD', 'Jupyter root'],
    [400, 'UNKNOWN_PROFILE', 'profile'],
    [413, 'FST_ERR_CTP_BODY_TOO_LARGE', '1 MiB'],
    [503, 'SLURM_CONTROLLER_DOWN', 'Try again']
  ])('tells what to do after %i %s', (status, code, words) => {
    const error = new HpcRequestError(status, code, 'Slurm said no.');
    expect(advice(error, trans)).toContain(words);
    expect(explain(error, trans)).toMatch(/^Slurm said no\. .+/);
  });

  it('ends the message as a sentence before the advice', () => {
    const error = new HpcRequestError(
      400,
      'NOT_A_BATCH_SCRIPT',
      'This is not a batch script: e.g. #!/bin/bash'
    );
    expect(explain(error, trans)).toMatch(
      /^This is not a batch script: e\.g\. #!\/bin\/bash\. Put the #! line/
    );
  });

  it('adds nothing to errors it has no advice for', () => {
    expect(explain(new Error('boom'), trans)).toBe('boom');
  });
});

describe('isBatchScriptPath', () => {
  it.each([
    ['run.sh', true],
    ['dir/job.SBATCH', true],
    ['a.slurm', true],
    ['notes.txt', false],
    ['sh', false],
    ['run.sh.bak', false]
  ])('%s → %s', (path, expected) => {
    expect(isBatchScriptPath(path)).toBe(expected);
  });
});
