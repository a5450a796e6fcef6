import assert from 'node:assert/strict';
import {
  announcementPayloads,
  parseAnnouncement,
  type Deliveries,
} from '#workspace-app/timeline/timeline-announcement.js';

describe('timeline announcements', () => {
  it('carries each recipient’s event IDs and reads back the same', () => {
    const deliveries: Deliveries = new Map([
      ['nurse.sato', [1, 2, 3]],
      ['dr.tanaka', [2]],
    ]);
    const payloads = announcementPayloads(deliveries);
    assert.equal(payloads.length, 1);
    assert.deepEqual(parseAnnouncement(payloads[0]), deliveries);
  });

  it('splits a large batch below the 8000-byte NOTIFY limit without losing an ID', () => {
    const deliveries: Deliveries = new Map(
      Array.from({ length: 300 }, (_, i) => [
        `practitioner.${i}`,
        [1_000_000 + i, 2_000_000 + i, 3_000_000 + i],
      ]),
    );
    const payloads = announcementPayloads(deliveries);
    assert.ok(payloads.length > 1);
    assert.ok(payloads.every((payload) => Buffer.byteLength(payload) < 8_000));
    const merged = new Map<string, number[]>();
    for (const payload of payloads) {
      for (const [id, events] of parseAnnouncement(payload) ?? [])
        merged.set(id, [...(merged.get(id) ?? []), ...events]);
    }
    assert.deepEqual(merged, deliveries);
  });

  it('ignores a payload that is not an announcement', () => {
    assert.equal(parseAnnouncement('not json'), undefined);
    assert.equal(parseAnnouncement('{"nurse.sato":["1"]}'), undefined);
    assert.equal(parseAnnouncement(undefined), undefined);
  });
});
