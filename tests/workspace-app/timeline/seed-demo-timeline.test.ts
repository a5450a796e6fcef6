import assert from 'node:assert/strict';
import { io as connect } from 'socket.io-client';
import { createConnectors } from '#workspace-app/connectors/create-connectors.js';
import { readTimeline } from '#workspace-app/timeline/read-timeline.js';
import { startDemoTimelineActivity } from '#demo/demo-timeline-activity.js';
import { seedDemoTimeline } from '#demo/seed-demo-timeline.js';
import {
  startTimelineIngestion,
  type TimelineIngestion,
} from '#workspace-app/timeline/start-timeline-ingestion.js';
import { startDemoSandboxes, type DemoSandboxes } from '#sandboxes/start-demo-sandboxes.js';
import {
  aPractitioner,
  eventually,
  startTestPortal,
  timelineDatabase,
  type TestPortal,
  type TimelineDatabase,
} from './timeline-fixtures.js';

const demoPatients = [
  { patientId: 'demo-patient-1', name: '佐藤 花子' },
  { patientId: 'demo-patient-2', name: '鈴木 一郎' },
  { patientId: 'demo-patient-3', name: '髙橋 和子' },
];

describe('the demo timeline', function () {
  this.timeout(60_000);
  let db: TimelineDatabase;
  let sandboxes: DemoSandboxes;
  let portal: TestPortal;
  let ingestion: TimelineIngestion;

  before(async () => {
    db = await timelineDatabase('timeline_demo_test');
    sandboxes = await startDemoSandboxes();
    portal = await startTestPortal(db, sandboxes.connectorSettings);
    ingestion = startTimelineIngestion({
      pool: db.pool,
      registry: createConnectors(sandboxes.connectorSettings),
      pollMs: 200,
      healthCheckMs: 500,
    });
    await seedDemoTimeline(db.pool, { patients: demoPatients });
    sandboxes.mcs.setWebhookUrl(`${portal.url}/webhooks/mcs`);
    await sandboxes.mcs.flushQueue();
  });
  after(async () => {
    await ingestion.stop();
    await portal.close();
    await sandboxes.close();
    await db.close();
  });

  const sourcesOf = async (practitionerId: string) =>
    new Set(
      (await readTimeline(db.pool, practitionerId, { unread: false }, 200)).items.map((item) => item.vendor),
    );

  it('merges all five vendor sandboxes and the portal into nurse.sato’s timeline', async () => {
    const expected = ['fhir', 'hikari-one', 'kanamic', 'mcs', 'portal', 'vital-link'];
    const sources = await eventually(
      async () => {
        const seen = await sourcesOf('nurse.sato');
        return expected.every((source) => seen.has(source)) ? seen : undefined;
      },
      'every source in the timeline',
      10_000,
    );
    assert.deepEqual([...sources].sort(), expected);
    const page = await readTimeline(db.pool, 'nurse.sato', { patient: 'demo-patient-1', unread: false }, 200);
    assert.ok(page.items.length > 0);
    assert.ok(page.items.every((item) => item.patientId === 'demo-patient-1'));
    assert.ok(
      new Set(page.items.map((item) => item.vendor)).size >= 3,
      'one patient’s groups at several vendors map to one patient',
    );
  });

  it('can be seeded again without duplicating anything', async () => {
    const count = async () =>
      (
        await db.pool.query(
          'SELECT (SELECT count(*) FROM timeline_events) + (SELECT count(*) FROM timeline_inbox) AS n',
        )
      ).rows[0].n;
    const before = await count();
    await seedDemoTimeline(db.pool, { patients: demoPatients });
    assert.equal(await count(), before);
  });

  it('shows a new post in a vendor sandbox live on nurse.sato’s desktop', async () => {
    const cookie = await portal.signIn(aPractitioner());
    const socket = connect(portal.url, {
      transports: ['websocket'],
      extraHeaders: { cookie },
      reconnection: false,
    });
    try {
      const announced: number[][] = [];
      socket.on('timeline:new', (message: { eventIds: number[] }) => announced.push(message.eventIds));
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      sandboxes.kanamic.addMessage({
        groupId: 'grp-setagaya-0001',
        groupName: '佐藤花子様 在宅チーム',
        staffName: '山田 太郎',
        occupation: '医師',
        text: '明日往診します。',
      });
      await eventually(async () => announced.length > 0, 'the live announcement', 5_000);
      const page = await fetch(`${portal.url}/timeline?lang=ja`, { headers: { cookie } });
      const html = await page.text();
      assert.match(html, /明日往診します。/);
      for (const name of [
        'MCS',
        'カナミック',
        'ひかりワン',
        'バイタルリンク',
        '地域連携FHIRサーバー',
        'ポータル',
      ]) {
        assert.ok(html.includes(name), `${name} missing from the demo timeline`);
      }
    } finally {
      socket.disconnect();
    }
  });

  it('keeps the demo alive with a new message from each vendor in turn', async () => {
    const perVendor = async () =>
      new Map(
        (
          await db.pool.query<{ vendor: string; n: number }>(
            `SELECT vendor, count(*)::int AS n FROM timeline_events GROUP BY vendor`,
          )
        ).rows.map((row) => [row.vendor, row.n]),
      );
    const before = await perVendor();
    const activity = startDemoTimelineActivity(sandboxes, { intervalMs: 50 });
    try {
      await eventually(
        async () => {
          const now = await perVendor();
          return ['mcs', 'kanamic', 'hikari-one', 'vital-link', 'fhir'].every(
            (vendor) => (now.get(vendor) ?? 0) > (before.get(vendor) ?? 0),
          );
        },
        'a new event from every vendor',
        10_000,
      );
    } finally {
      activity.stop();
    }
  });
});
