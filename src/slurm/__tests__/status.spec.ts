import { HpcRequestError } from '../../request';
import { answered, EMPTY_STATUS, failed } from '../status';
import { queue } from './fixtures';

describe('queue status', () => {
  const fetchedAt = '2026-11-23T15:00:00.000Z';
  const fetched = Date.parse(fetchedAt);

  it("dates the jobs from the server's fetch time", () => {
    const status = answered(
      queue([], { fetchedAt }),
      EMPTY_STATUS,
      fetched + 4000
    );
    expect(status).toEqual({
      loading: false,
      stale: false,
      error: null,
      fetchedAt,
      asOf: fetched
    });
  });

  it('never dates them in the future of a browser clock that is behind', () => {
    const status = answered(
      queue([], { fetchedAt }),
      EMPTY_STATUS,
      fetched - 60000
    );
    expect(status.asOf).toBe(fetched - 60000);
  });

  it('keeps the date of the same data served again', () => {
    const first = answered(
      queue([], { fetchedAt }),
      EMPTY_STATUS,
      fetched - 60000
    );
    const again = answered(queue([], { fetchedAt }), first, fetched + 90000);
    expect(again).toEqual(first);
  });

  it("keeps the last good date when a request fails, with the server's words", () => {
    const good = answered(queue([], { fetchedAt }), EMPTY_STATUS, fetched);
    const bad = failed(new HpcRequestError(0, 'NETWORK', 'unreachable'), good);
    expect(bad).toEqual({
      ...good,
      stale: true,
      error: { code: 'NETWORK', message: 'unreachable' }
    });
  });
});
