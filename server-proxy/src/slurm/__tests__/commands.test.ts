import {
  actionCommand,
  sacctArgs,
  scontrolShowJobArgs,
  sinfoArgs,
  squeueArgs
} from '../commands';
import { FIELD, RECORD, SACCT_FIELDS, SQUEUE_FIELDS } from '../parse';

const FORMAT =
  '--Format=JobArrayID:\x1f,JobID:\x1f,ArrayJobID:\x1f,ArrayTaskID:\x1f,HetJobID:\x1f,HetJobOffset:\x1f,Partition:\x1f,UserName:\x1f,Account:\x1f,QOS:\x1f,State:\x1f,Reason:\x1f,NumNodes:\x1f,NumCPUs:\x1f,tres-alloc:\x1f,NodeList:\x1f,SubmitTime:\x1f,StartTime:\x1f,EndTime:\x1f,TimeUsed:\x1f,TimeLimit:\x1f,PriorityLong:\x1f,WorkDir:\x1f,Name:\x1e';

describe('squeueArgs', () => {
  it('asks for every job with separators after each field', () => {
    expect(squeueArgs('all')).toEqual(['--noheader', '--all', FORMAT]);
  });

  it('adds --me for the user scope and --clusters for a cluster', () => {
    expect(squeueArgs('mine')).toEqual(['--noheader', '--all', '--me', FORMAT]);
    expect(squeueArgs('all', 'c2')).toEqual([
      '--noheader',
      '--all',
      '--clusters=c2',
      FORMAT
    ]);
  });

  it('gives every field a suffix (no width: no padding, no truncation)', () => {
    const fields = squeueArgs('all')[2].replace('--Format=', '').split(',');
    expect(fields).toHaveLength(SQUEUE_FIELDS.length);
    fields.forEach((f, i) => {
      const last = i === fields.length - 1;
      expect(f).toBe(`${SQUEUE_FIELDS[i]}:${last ? RECORD : FIELD}`);
    });
    // The user-typed name is last: nothing in it can shift other fields.
    expect(SQUEUE_FIELDS[SQUEUE_FIELDS.length - 1]).toBe('Name');
  });
});

describe('scontrolShowJobArgs', () => {
  it('shows one job on one line', () => {
    expect(scontrolShowJobArgs('12_3')).toEqual(['-o', 'show', 'job', '12_3']);
    expect(scontrolShowJobArgs('40+1', 'c2')).toEqual([
      '-o',
      '--clusters=c2',
      'show',
      'job',
      '40+1'
    ]);
  });
});

describe('actionCommand', () => {
  it('cancels with scancel -v (silent and exit 0 without -v for unknown ids)', () => {
    expect(actionCommand('cancel', '12_[4-9]')).toEqual([
      'scancel',
      ['-v', '12_[4-9]']
    ]);
    expect(actionCommand('cancel', '12', 'c2')).toEqual([
      'scancel',
      ['--clusters=c2', '-v', '12']
    ]);
  });

  it.each(['hold', 'release', 'requeue'] as const)(
    '%s goes through scontrol',
    action => {
      expect(actionCommand(action, '40+1')).toEqual([
        'scontrol',
        [action, '40+1']
      ]);
      expect(actionCommand(action, '7', 'c2')).toEqual([
        'scontrol',
        ['--clusters=c2', action, '7']
      ]);
    }
  );
});

describe('sacctArgs', () => {
  it('asks for allocations only, parsable with \\x1f, over N days', () => {
    expect(sacctArgs(7)).toEqual([
      '-X',
      '-n',
      '-P',
      '--delimiter=\x1f',
      '--starttime=now-7days',
      `--format=${SACCT_FIELDS.join(',')}`
    ]);
    expect(SACCT_FIELDS[SACCT_FIELDS.length - 1]).toBe('JobName');
  });
});

describe('sinfoArgs', () => {
  it('summarises partitions with \\x1f between fields', () => {
    expect(sinfoArgs()).toEqual([
      '-h',
      '-s',
      '-o',
      '%P\x1f%a\x1f%F\x1f%C\x1f%G\x1f%l'
    ]);
  });
});
