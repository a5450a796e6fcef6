import assert from 'node:assert/strict';
import { daysToBed } from '#workspace-app/transfers/list-transfers.js';
import type { StoredRequest } from '#workspace-app/transfers/transfer-store.js';

function aRequestThat(
  status: StoredRequest['status'],
  createdAt: string,
  closedAt: string | null,
): StoredRequest {
  return { status, createdAt, closedAt } as StoredRequest;
}

describe('days each request took to find a bed', () => {
  it('averages and tops the confirmed requests only, to one decimal', () => {
    const report = daysToBed([
      aRequestThat('confirmed', '2026-12-01T09:00:00Z', '2026-12-03T09:00:00Z'),
      aRequestThat('confirmed', '2026-12-01T09:00:00Z', '2026-12-02T21:00:00Z'),
      aRequestThat('cancelled', '2026-11-01T09:00:00Z', '2026-12-01T09:00:00Z'),
      aRequestThat('open', '2026-11-01T09:00:00Z', null),
    ]);
    assert.deepEqual(report, { confirmed: 2, averageDays: 1.8, longestDays: 2 });
  });

  it('says nothing of days while no request is confirmed', () => {
    assert.deepEqual(daysToBed([aRequestThat('open', '2026-12-01T09:00:00Z', null)]), {
      confirmed: 0,
      averageDays: null,
      longestDays: null,
    });
  });
});
