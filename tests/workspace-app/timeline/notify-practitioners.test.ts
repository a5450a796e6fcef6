import assert from 'node:assert/strict';
import {
  InvalidPortalNotificationError,
  notifyPractitioners,
} from '#workspace-app/timeline/notify-practitioners.js';
import type { PortalNotification } from '#workspace-app/timeline/portal-notification.js';
import { readTimeline } from '#workspace-app/timeline/read-timeline.js';
import { withTransaction } from '@hcw/common';
import { timelineDatabase, type TimelineDatabase } from './timeline-fixtures.js';

let nextKey = 1;

function aNotification(overrides: Partial<PortalNotification> = {}): PortalNotification {
  return {
    recipients: ['msw.takahashi', 'beds.ito'],
    source: 'transfers',
    kind: 'inquiry-sent',
    patientId: 'patient-0001',
    title: '東京中央病院から転院の問い合わせがありました',
    link: '/transfers/requests/42',
    occurredAt: new Date('2024-05-01T00:00:00Z'),
    idempotencyKey: `inquiry-${nextKey++}`,
    ...overrides,
  };
}

describe('notifying practitioners of portal events', function () {
  this.timeout(60_000);
  let db: TimelineDatabase;

  before(async () => {
    db = await timelineDatabase('timeline_notify_test');
  });
  after(async () => {
    await db.close();
  });

  const timelineOf = async (practitionerId: string) =>
    (await readTimeline(db.pool, practitionerId, { unread: false })).items;

  it('puts the notification into every recipient’s timeline as an unread event of source "portal"', async () => {
    const notification = aNotification({ recipients: ['msw.one', 'beds.one'] });
    await notifyPractitioners(db.pool, notification);
    for (const recipient of ['msw.one', 'beds.one']) {
      const [item] = await timelineOf(recipient);
      assert.equal(item?.vendor, 'portal');
      assert.equal(item?.portalSource, 'transfers');
      assert.equal(item?.portalKind, 'inquiry-sent');
      assert.equal(item?.portalLink, '/transfers/requests/42');
      assert.equal(item?.patientId, 'patient-0001');
      assert.equal(item?.isUnread, true);
    }
    assert.deepEqual(await timelineOf('someone.else'), []);
  });

  it('records one notification for the same key, however often it is sent', async () => {
    const notification = aNotification({ recipients: ['msw.two'] });
    await notifyPractitioners(db.pool, notification);
    await notifyPractitioners(db.pool, { ...notification, title: '再送' });
    await withTransaction(db.pool, (client) => notifyPractitioners(client, notification));
    const items = await timelineOf('msw.two');
    assert.equal(items.length, 1);
    assert.equal(items[0]?.title, notification.title);
  });

  it('keeps the same key of two sources apart', async () => {
    const key = 'shared-key';
    await notifyPractitioners(db.pool, aNotification({ recipients: ['nurse.three'], idempotencyKey: key }));
    await notifyPractitioners(
      db.pool,
      aNotification({ recipients: ['nurse.three'], idempotencyKey: key, source: 'patients' }),
    );
    assert.equal((await timelineOf('nurse.three')).length, 2);
  });

  it('records nothing when the caller’s transaction rolls back', async () => {
    const notification = aNotification({ recipients: ['msw.four'] });
    await assert.rejects(
      withTransaction(db.pool, async (client) => {
        await notifyPractitioners(client, notification);
        throw new Error('the inquiry could not be saved');
      }),
    );
    assert.deepEqual(await timelineOf('msw.four'), []);
    // The caller retries with the same key once its change goes through.
    await withTransaction(db.pool, (client) => notifyPractitioners(client, notification));
    assert.equal((await timelineOf('msw.four')).length, 1);
  });

  it('refuses a link that leaves the portal, and other malformed notifications, storing nothing', async () => {
    const refused = [
      aNotification({ link: 'https://evil.example/login' }),
      aNotification({ link: '//evil.example/login' }),
      aNotification({ link: '/\\evil.example' }),
      aNotification({ link: 'javascript:alert(1)' }),
      aNotification({ recipients: [] }),
      aNotification({ title: '  ' }),
      aNotification({ title: '改行\nを含む' }),
      aNotification({ occurredAt: new Date('not a date') }),
    ];
    for (const notification of refused) {
      await assert.rejects(notifyPractitioners(db.pool, notification), InvalidPortalNotificationError);
    }
    const { rows } = await db.pool.query(`SELECT count(*) FROM timeline_events WHERE title = '改行\nを含む'`);
    assert.equal(Number(rows[0].count), 0);
    // Control: a path inside the portal with a query is accepted.
    await notifyPractitioners(db.pool, aNotification({ link: '/transfers/requests/42?tab=answers' }));
  });
});
