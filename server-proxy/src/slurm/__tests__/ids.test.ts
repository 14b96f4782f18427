import { isJobId, JOB_ID_PATTERN, withoutThrottle } from '../ids';

describe('isJobId', () => {
  it.each([
    '12',
    '12_3',
    '12_[4-9]',
    '12_[1,4-9%2]',
    '12_[4-9%2]',
    '12_[1,3,5]',
    '40+1',
    '4294967294',
    '1234567890_1234567'
  ])('accepts %j', id => {
    expect(isJobId(id)).toBe(true);
  });

  it.each([
    'abc',
    '12_',
    '12_[a]',
    '12; rm',
    '12;rm -rf /',
    '$(x)',
    '`x`',
    '12 13',
    ' 12',
    '12\n',
    '12\n13',
    '',
    '12_[4-9%2]x',
    '12_[4-9',
    '12_[]',
    '12_[4-]',
    '12_[,4]',
    '12_[4-9%]',
    '12+',
    '12+a',
    '+1',
    '_3',
    '-12',
    '12_3_4',
    '12_3+1',
    '1.5',
    '٣', // an Arabic-Indic digit: \d in JS is ASCII only, keep it that way
    '1'.repeat(11),
    // a valid shape, but over the 200-character cap
    `12_[${Array.from({ length: 100 }, (_, i) => i).join(',')}]`,
    '9'.repeat(300)
  ])('refuses %j', id => {
    expect(isJobId(id)).toBe(false);
  });

  it('caps the length at 200 characters', () => {
    const list = (n: number): string =>
      `12_[${Array.from({ length: n }, (_, i) => i).join(',')}]`;
    expect(list(50).length).toBeLessThanOrEqual(200);
    expect(isJobId(list(50))).toBe(true);
    expect(list(100).length).toBeGreaterThan(200);
    expect(isJobId(list(100))).toBe(false);
  });

  it('refuses non-strings', () => {
    for (const v of [12, null, undefined, ['12'], { id: '12' }, true]) {
      expect(isJobId(v)).toBe(false);
    }
  });

  it('publishes the same grammar as a JSON-schema pattern', () => {
    const re = new RegExp(JOB_ID_PATTERN);
    expect(re.test('12_[1,4-9%2]')).toBe(true);
    expect(re.test('40+1')).toBe(true);
    expect(re.test('12; rm')).toBe(false);
    expect(re.test('12_[4-9%2]x')).toBe(false);
    expect(re.test('')).toBe(false);
  });
});

describe('withoutThrottle', () => {
  it.each([
    ['12_[4-9%2]', '12_[4-9]'],
    ['12_[1,4-9%2]', '12_[1,4-9]'],
    ['12_[4-9%25]', '12_[4-9]'],
    ['12_[4-9]', '12_[4-9]'],
    ['12_3', '12_3'],
    ['12', '12'],
    ['40+1', '40+1']
  ])('%s → %s', (id, expected) => {
    expect(withoutThrottle(id)).toBe(expected);
    // What is left is still a valid id.
    expect(isJobId(withoutThrottle(id))).toBe(true);
  });
});
