import assert from 'node:assert/strict';
import {
  addDays,
  fromDatetimeLocal,
  toDatetimeLocal,
  tokyoDate,
  tokyoDateTime,
  tokyoDateTimeSeconds,
  tokyoDayRange,
  tokyoIsoString,
  tokyoTime,
  tokyoToday,
} from '@hcw/common';

describe("Tokyo's clock, the one the workspace shows", () => {
  // 15:30 UTC on 31 March is already 1 April in Tokyo.
  const lateUtc = '2025-03-31T15:30:45Z';

  it('reads an instant as Tokyo’s date and time, whatever the server’s zone', () => {
    assert.equal(tokyoDate(lateUtc), '2025-04-01');
    assert.equal(tokyoTime(lateUtc), '00:30');
    assert.equal(tokyoDateTime(lateUtc), '2025-04-01 00:30');
    assert.equal(tokyoDateTimeSeconds(new Date(lateUtc)), '2025-04-01 00:30:45');
    assert.equal(tokyoIsoString(Date.parse(lateUtc)), '2025-04-01T00:30:45+09:00');
    assert.equal(tokyoToday(new Date(lateUtc)), '2025-04-01');
  });

  it('round-trips a datetime-local input, and leaves other values as they are', () => {
    assert.equal(toDatetimeLocal(lateUtc), '2025-04-01T00:30');
    assert.equal(fromDatetimeLocal('2025-04-01T00:30'), '2025-04-01T00:30:00+09:00');
    assert.equal(Date.parse(fromDatetimeLocal(toDatetimeLocal(lateUtc))), Date.parse('2025-03-31T15:30:00Z'));
    assert.equal(fromDatetimeLocal('2025-04-01T00:30:00Z'), '2025-04-01T00:30:00Z');
  });

  it('gives the instants a Tokyo day starts and ends at, and counts days across a month’s end', () => {
    assert.deepEqual(tokyoDayRange('2025-04-01'), {
      from: '2025-03-31T15:00:00.000Z',
      to: '2025-04-01T15:00:00.000Z',
    });
    assert.equal(tokyoDayRange('2025-04-01', 7).to, '2025-04-07T15:00:00.000Z');
    assert.equal(addDays('2025-02-27', 2), '2025-03-01');
    assert.equal(addDays('2025-03-01', -1), '2025-02-28');
  });
});
