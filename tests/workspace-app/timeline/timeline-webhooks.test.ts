import assert from 'node:assert/strict';
import { createMcsSandbox, type McsPostInput, type McsSandbox } from '#sandboxes/mcs/mcs-sandbox.js';
import { startSandbox, type RunningSandbox } from '#sandboxes/start-sandbox.js';
import {
  startTestPortal,
  timelineDatabase,
  type TestPortal,
  type TimelineDatabase,
} from './timeline-fixtures.js';

const SECRET = 'mcs-webhook-secret-for-tests-01';
const GROUP_NAME = '佐藤花子様 在宅チーム';

function aPost(overrides: Partial<McsPostInput> = {}): McsPostInput {
  return {
    groupId: 'grp-setagaya-0001',
    groupName: GROUP_NAME,
    authorRole: '訪問看護師',
    authorName: '中村 優子',
    body: '本日訪問しました。',
    ...overrides,
  };
}

describe('the timeline webhook for push vendors', function () {
  this.timeout(60_000);
  let db: TimelineDatabase;
  let portal: TestPortal;
  let mcs: McsSandbox;
  let vendor: RunningSandbox;

  before(async () => {
    db = await timelineDatabase('timeline_webhook_test');
    mcs = createMcsSandbox({ secret: SECRET, accountId: 'mcs-nurse-0042' });
    vendor = await startSandbox(mcs);
    portal = await startTestPortal(db, { mcs: { baseUrl: vendor.url, secret: SECRET } });
    mcs.setWebhookUrl(`${portal.url}/webhooks/mcs`);
  });
  after(async () => {
    await portal.close();
    await vendor.close();
    await db.close();
  });
  beforeEach(async () => {
    await db.pool.query(
      'TRUNCATE timeline_inbox, timeline_event_receipts, timeline_events, timeline_rejected_payloads',
    );
  });

  const events = async () => (await db.pool.query(`SELECT * FROM timeline_events WHERE vendor = 'mcs'`)).rows;
  const rejected = async () =>
    (await db.pool.query('SELECT * FROM timeline_rejected_payloads ORDER BY id DESC')).rows;

  it('stores a signed notification and answers 204 once it is stored', async () => {
    const delivery = await mcs.postMessage(aPost());
    assert.equal(delivery.outcome, 204);
    const [event] = await events();
    assert.equal(event.vendor_account, 'mcs-nurse-0042');
    assert.equal(event.kind, 'notification');
    assert.equal(event.body, null, 'MCS sends metadata only');
    assert.ok(event.deep_link.startsWith(vendor.url));
  });

  it('stores a redelivered notification once', async () => {
    const delivery = await mcs.postMessage(aPost());
    const again = await mcs.redeliver(delivery.notificationId);
    assert.equal(again.outcome, 204);
    assert.equal((await events()).length, 1);
  });

  it('refuses a notification signed with another secret, stores nothing and records why', async () => {
    const payload = JSON.stringify({ type: 'message.created', patient: '佐藤花子様の病状' });
    const forged = await mcs.deliverRaw(payload, { signWith: 'not-the-webhook-secret-000' });
    assert.equal(forged.outcome, 401);
    assert.equal((await events()).length, 0);
    const [record] = await rejected();
    assert.equal(record.reason, 'bad-signature');
    assert.equal(record.byte_length, Buffer.byteLength(payload));
    assert.ok(!JSON.stringify(await rejected()).includes('病状'), 'the payload is not kept');
    // Control: the same kind of delivery signed with the real secret gets past the signature check.
    const genuine = await mcs.deliverRaw(payload);
    assert.equal(genuine.outcome, 400);
  });

  it('refuses an unsigned notification', async () => {
    assert.equal((await mcs.deliverRaw(JSON.stringify({}), { unsigned: true })).outcome, 401);
    assert.equal((await rejected())[0]?.reason, 'bad-signature');
  });

  it('refuses a replayed notification outside the time window', async () => {
    const old = new Date(Date.now() - 60 * 60_000);
    assert.equal((await mcs.deliverRaw(JSON.stringify({}), { timestamp: old })).outcome, 401);
  });

  it('refuses malformed JSON', async () => {
    const delivery = await mcs.deliverRaw('{"type":');
    assert.equal(delivery.outcome, 400);
    assert.equal((await rejected())[0]?.reason, 'malformed');
  });

  it('refuses a body that is not UTF-8', async () => {
    const delivery = await mcs.deliverRaw(Buffer.from([0x7b, 0x22, 0x82, 0xa0, 0x22, 0x7d]));
    assert.equal(delivery.outcome, 415);
    assert.equal((await rejected())[0]?.reason, 'bad-encoding');
  });

  it('refuses an oversized body', async () => {
    const delivery = await mcs.deliverRaw(JSON.stringify({ padding: 'あ'.repeat(20_000) }));
    assert.equal(delivery.outcome, 413);
    assert.equal((await rejected())[0]?.reason, 'oversized');
    assert.equal((await events()).length, 0);
  });

  it('answers the refusal with a message in Japanese and English', async () => {
    const response = await fetch(`${portal.url}/webhooks/mcs`, {
      method: 'POST',
      headers: { 'x-mcs-timestamp': '1', 'x-mcs-signature': `sha256=${'0'.repeat(64)}` },
      body: '{}',
    });
    assert.equal(response.status, 401);
    const body = (await response.json()) as { message: { ja: string; en: string } };
    assert.match(body.message.ja, /署名/);
    assert.match(body.message.en, /bad-signature/);
  });

  it('knows no webhook for a vendor that is not configured', async () => {
    assert.equal((await fetch(`${portal.url}/webhooks/kanamic`, { method: 'POST', body: '{}' })).status, 404);
  });
});
