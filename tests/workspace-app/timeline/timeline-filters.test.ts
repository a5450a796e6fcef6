import assert from 'node:assert/strict';
import { cursorOf, filtersQuery, timelineFilters } from '#workspace-app/timeline/timeline-filters.js';

describe('timeline filters', () => {
  it('reads empty fields as "all"', () => {
    const filters = timelineFilters.parse({ patient: '', vendor: '', role: '', q: '  ', unread: '' });
    assert.deepEqual(
      Object.entries(filters).filter(([, value]) => value !== undefined),
      [['unread', false]],
    );
  });

  it('keeps a page position through its query string', () => {
    const before = cursorOf({ occurredAt: new Date('2024-05-01T00:00:00.000Z'), id: 42 });
    const filters = timelineFilters.parse({ vendor: 'mcs', before, unread: '1' });
    assert.deepEqual(filters.before, { occurredAt: new Date('2024-05-01T00:00:00.000Z'), eventId: '42' });
    const query = new URLSearchParams(filtersQuery(filters, { before }));
    assert.deepEqual(
      [...query],
      [
        ['vendor', 'mcs'],
        ['unread', '1'],
        ['before', before],
      ],
    );
  });

  it('refuses what it does not understand rather than showing more than asked', () => {
    for (const input of [
      { role: 'surgeon' },
      { vendor: 'MCS; DROP' },
      { before: '2024-05-01~1' },
      { q: 'あ'.repeat(101) },
    ]) {
      assert.equal(timelineFilters.safeParse(input).success, false, JSON.stringify(input));
    }
  });
});
