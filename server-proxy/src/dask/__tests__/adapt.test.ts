import { AdaptPolicy } from '../adapt';

describe('AdaptPolicy', () => {
  const range = { minimum: 1, maximum: 6 };
  const policy = (): AdaptPolicy =>
    new AdaptPolicy({ adaptCooldownMs: 1000, adaptDownAfterMs: 5000 });

  it('scales up at once, clamped to the range and the site maximum', () => {
    const p = policy();
    const base = { requested: 2, range, maxWorkers: 4, scaledAt: 0 };
    expect(p.step({ ...base, now: 10_000, desired: 3 })).toBe(3);
    expect(p.step({ ...base, now: 10_000, desired: 50 })).toBe(4);
    expect(p.step({ ...base, now: 10_000, desired: 2 })).toBeNull();
    expect(p.step({ ...base, now: 10_000, desired: 'junk' })).toBeNull(); // → minimum 1 < 2, but not yet
  });

  it('waits out the cooldown after a scaling', () => {
    const p = policy();
    const base = { requested: 2, range, maxWorkers: 10, scaledAt: 10_000 };
    expect(p.step({ ...base, now: 10_500, desired: 5 })).toBeNull();
    expect(p.step({ ...base, now: 11_000, desired: 5 })).toBe(5);
  });

  it('scales down only after the target stayed lower long enough', () => {
    const p = policy();
    const base = { requested: 5, range, maxWorkers: 10, scaledAt: 0 };
    expect(p.step({ ...base, now: 10_000, desired: 0 })).toBeNull();
    expect(p.step({ ...base, now: 14_000, desired: 0 })).toBeNull();
    // A burst in between restarts the wait.
    expect(p.step({ ...base, now: 14_500, desired: 5 })).toBeNull();
    expect(p.step({ ...base, now: 15_000, desired: 2 })).toBeNull();
    expect(p.step({ ...base, now: 19_999, desired: 2 })).toBeNull();
    expect(p.step({ ...base, now: 20_000, desired: 0 })).toBe(1); // the minimum
  });

  it('forgets a lull when reset', () => {
    const p = policy();
    const base = { requested: 5, range, maxWorkers: 10, scaledAt: 0 };
    expect(p.step({ ...base, now: 10_000, desired: 0 })).toBeNull();
    p.reset();
    expect(p.step({ ...base, now: 15_000, desired: 0 })).toBeNull();
    expect(p.step({ ...base, now: 20_000, desired: 0 })).toBe(1);
  });
});
