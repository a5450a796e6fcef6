import assert from 'node:assert/strict';
import pg from 'pg';
import { confirmAccountLink, requestAccountLink } from '#workspace-app/timeline/account-links.js';
import { storeEvents } from '#workspace-app/timeline/store-events.js';
import { storePushedEvents } from '#workspace-app/timeline/store-pushed-events.js';
import { TIMELINE_CHANNEL, parseAnnouncement } from '#workspace-app/timeline/timeline-announcement.js';
import { withTransaction } from '@hcw/common';
import { readTimeline } from '#workspace-app/timeline/read-timeline.js';
import {
  anEvent,
  confirmedLink,
  eventually,
  timelineDatabase,
  type TimelineDatabase,
} from './timeline-fixtures.js';

describe('storing timeline events', function () {
  this.timeout(120_000);
  let db: TimelineDatabase;

  before(async () => {
    db = await timelineDatabase('timeline_store_test');
    await confirmedLink(db.pool, 'nurse.sato', 'kanamic', 'office-0001');
  });
  after(async () => {
    await db.close();
  });

  const count = async (vendorMessageId: string) =>
    Number(
      (
        await db.pool.query('SELECT count(*) FROM timeline_events WHERE vendor_message_id = $1', [
          vendorMessageId,
        ])
      ).rows[0].count,
    );

  it('stores the same vendor message once, however often it is delivered', async () => {
    const event = anEvent();
    const first = await storePushedEvents(db.pool, 'kanamic', [event]);
    const again = await storePushedEvents(db.pool, 'kanamic', [event, { ...event, title: '再送' }]);
    assert.equal(first.inserted, 1);
    assert.deepEqual([again.inserted, again.duplicates], [0, 2]);
    assert.equal(await count(event.vendorMessageId), 1);
    const inbox = await db.pool.query(
      'SELECT count(*) FROM timeline_inbox i JOIN timeline_events e ON e.id = i.event_id WHERE e.vendor_message_id = $1',
      [event.vendorMessageId],
    );
    assert.equal(Number(inbox.rows[0].count), 1);
  });

  it('keeps the same message ID of two vendors apart', async () => {
    const event = anEvent();
    await storePushedEvents(db.pool, 'kanamic', [event]);
    await storePushedEvents(db.pool, 'vital-link', [{ ...event, vendor: 'vital-link' }]);
    assert.equal(await count(event.vendorMessageId), 2);
  });

  it('puts an event only into the inboxes of confirmed links to the account that received it', async () => {
    await db.pool.query(
      `INSERT INTO timeline_account_links (practitioner_id, vendor, vendor_account) VALUES ('dr.claims', 'kanamic', 'office-0001')`,
    );
    const event = anEvent();
    const stored = await storePushedEvents(db.pool, 'kanamic', [
      event,
      anEvent({ vendorAccount: 'office-9999' }),
    ]);
    assert.deepEqual([...stored.deliveries.keys()], ['nurse.sato']);
    assert.equal(stored.deliveries.get('nurse.sato')?.length, 1);
    assert.equal((await readTimeline(db.pool, 'dr.claims', { unread: false })).items.length, 0);
  });

  it('stores a message notified to two members’ accounts once, in both members’ timelines', async () => {
    await confirmedLink(db.pool, 'nurse.one', 'mcs', 'mcs-account-1');
    await confirmedLink(db.pool, 'dr.two', 'mcs', 'mcs-account-2');
    const message = anEvent({ vendor: 'mcs', vendorAccount: 'mcs-account-1', body: undefined });
    await storePushedEvents(db.pool, 'mcs', [message]);
    const second = await storePushedEvents(db.pool, 'mcs', [{ ...message, vendorAccount: 'mcs-account-2' }]);
    assert.equal(second.inserted, 0);
    assert.deepEqual([...second.deliveries.keys()], ['dr.two']);
    assert.equal(await count(message.vendorMessageId), 1);
    for (const practitioner of ['nurse.one', 'dr.two']) {
      const items = (await readTimeline(db.pool, practitioner, { unread: false })).items;
      assert.deepEqual(
        items.map((item) => item.title),
        [message.title],
        practitioner,
      );
    }
    const again = await storePushedEvents(db.pool, 'mcs', [{ ...message, vendorAccount: 'mcs-account-2' }]);
    assert.equal(again.deliveries.size, 0);
  });

  it('does not lose an event stored while its account’s link is being confirmed', async () => {
    await requestAccountLink(db.pool, {
      practitionerId: 'nurse.race',
      vendor: 'kanamic',
      vendorAccount: 'office-race',
    });
    const event = anEvent({ vendorAccount: 'office-race', occurredAt: new Date().toISOString() });
    let release: () => void = () => undefined;
    const paused = new Promise<void>((resolve) => (release = resolve));
    const storing = withTransaction(db.pool, async (client) => {
      await storeEvents(client, [event]);
      await paused;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const confirming = confirmAccountLink(
      db.pool,
      { practitionerId: 'nurse.race', vendor: 'kanamic', vendorAccount: 'office-race' },
      'admin.yamamoto',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await Promise.all([storing, confirming]);
    const items = (await readTimeline(db.pool, 'nurse.race', { unread: false })).items;
    assert.deepEqual(
      items.map((item) => item.title),
      [event.title],
    );
  });

  it('orders events delivered out of order by when they happened', async () => {
    await confirmedLink(db.pool, 'nurse.order', 'kanamic', 'office-order');
    const early = anEvent({
      vendorAccount: 'office-order',
      occurredAt: '2024-06-01T01:00:00.000Z',
      title: '朝',
    });
    const late = anEvent({
      vendorAccount: 'office-order',
      occurredAt: '2024-06-01T09:00:00.000Z',
      title: '夕方',
    });
    await storePushedEvents(db.pool, 'kanamic', [late]);
    await storePushedEvents(db.pool, 'kanamic', [early]);
    const page = await readTimeline(db.pool, 'nurse.order', { unread: false });
    assert.deepEqual(
      page.items.map((item) => item.title),
      ['夕方', '朝'],
    );
  });

  it('refuses to store a vendor event under the portal source name', async () => {
    await assert.rejects(
      withTransaction(db.pool, (client) => storeEvents(client, [anEvent({ vendor: 'portal' })])),
      /reserved/,
    );
  });

  describe('live announcements', () => {
    let listener: pg.Client;
    const heard: string[] = [];

    before(async () => {
      listener = new pg.Client({ connectionString: db.url });
      await listener.connect();
      listener.on('notification', (message) => heard.push(message.payload ?? ''));
      await listener.query(`LISTEN ${TIMELINE_CHANNEL}`);
    });
    after(async () => {
      await listener.end();
    });

    it('announces the recipients of new events when the transaction commits', async () => {
      heard.length = 0;
      const stored = await storePushedEvents(db.pool, 'kanamic', [anEvent()]);
      const [eventId] = stored.deliveries.get('nurse.sato') ?? [];
      const announced = await eventually(
        async () => heard.map(parseAnnouncement).find(Boolean),
        'an announcement',
      );
      assert.deepEqual(announced.get('nurse.sato'), [eventId]);
    });

    it('announces nothing for a transaction that rolls back (control: the same batch committed is announced)', async () => {
      heard.length = 0;
      const event = anEvent();
      await assert.rejects(
        withTransaction(db.pool, async (client) => {
          await storeEvents(client, [event]);
          throw new Error('crash before commit');
        }),
        /crash/,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(heard, []);
      assert.equal(await count(event.vendorMessageId), 0);
      await storePushedEvents(db.pool, 'kanamic', [event]);
      await eventually(async () => heard.length > 0, 'the committed batch announced');
    });

    it('announces nothing for a duplicate', async () => {
      heard.length = 0;
      const event = anEvent();
      await storePushedEvents(db.pool, 'kanamic', [event]);
      await eventually(async () => heard.length > 0, 'the first delivery announced');
      heard.length = 0;
      await storePushedEvents(db.pool, 'kanamic', [event]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(heard, []);
    });
  });
});
