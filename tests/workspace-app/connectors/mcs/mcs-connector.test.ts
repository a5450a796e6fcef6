import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcsConnector } from '#workspace-app/connectors/mcs/mcs-connector.js';
import { createPushReceiver } from '#workspace-app/connectors/push-receiver.js';
import type { PushConnector } from '#workspace-app/connectors/connector.js';
import { VendorPayloadError } from '#workspace-app/connectors/vendor-payload-error.js';
import { idempotencyKey, type CanonicalEvent } from '#workspace-app/connectors/canonical-event.js';
import { createMcsSandbox, type McsPostInput, type McsSandbox } from '#sandboxes/mcs/mcs-sandbox.js';
import { startSandbox, type RunningSandbox } from '#sandboxes/start-sandbox.js';

const SECRET = 'mcs-webhook-secret-for-tests-01';

function aPost(overrides: Partial<McsPostInput> = {}): McsPostInput {
  return {
    groupId: 'grp-setagaya-0001',
    groupName: '佐藤花子様 在宅チーム',
    authorRole: '訪問看護師',
    authorName: '中村 優子',
    body: '本日訪問しました。食事は普段どおり摂れています。',
    postedAt: new Date('2024-05-01T00:30:00.000Z'),
    ...overrides,
  };
}

/** The portal's webhook endpoint, as the portal server would mount it. */
async function startReceiver(connector: PushConnector) {
  const stored: CanonicalEvent[] = [];
  const server = createServer(
    createPushReceiver(connector, async (events) => {
      stored.push(...events);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/mcs`,
    stored,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('MCS connector', () => {
  let sandbox: McsSandbox;
  let vendor: RunningSandbox;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  async function setUp(connectorSecret: string) {
    sandbox = createMcsSandbox({ secret: SECRET, accountId: 'mcs-nurse-0042' });
    vendor = await startSandbox(sandbox);
    receiver = await startReceiver(createMcsConnector({ baseUrl: vendor.url, secret: connectorSecret }));
    sandbox.setWebhookUrl(receiver.url);
  }

  afterEach(async () => {
    await receiver.close();
    await vendor.close();
  });

  describe('with the shared secret', () => {
    beforeEach(() => setUp(SECRET));

    it('maps a pushed notification to a metadata-only timeline event with its Japanese text intact', async () => {
      const delivery = await sandbox.postMessage(aPost());

      assert.equal(delivery.outcome, 204);
      assert.equal(receiver.stored.length, 1);
      const [event] = receiver.stored;
      assert.ok(event);
      assert.equal(event.vendor, 'mcs');
      assert.equal(event.vendorAccount, 'mcs-nurse-0042');
      assert.equal(event.kind, 'notification');
      assert.equal(event.patientGroupRef, 'grp-setagaya-0001');
      assert.equal(event.patientGroupName, '佐藤花子様 在宅チーム');
      assert.deepEqual(event.author, { role: 'nurse', roleLabel: '訪問看護師' });
      assert.equal(event.occurredAt, '2024-05-01T00:30:00.000Z');
      assert.equal(event.unreadCount, 1);
      assert.equal(event.body, undefined);
      assert.match(event.title, /佐藤花子様/);
      assert.ok(event.deepLink?.startsWith(`${vendor.url}/groups/grp-setagaya-0001/messages/`));
    });

    it('opens the deep link as an MCS web page showing the post', async () => {
      await sandbox.postMessage(aPost());
      const deepLink = receiver.stored[0]?.deepLink;
      assert.ok(deepLink);

      const page = await fetch(deepLink);

      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await page.text(), /本日訪問しました。食事は普段どおり摂れています。/);
    });

    it('maps a notification delivered twice to the same idempotency key', async () => {
      const first = await sandbox.postMessage(aPost());
      const again = await sandbox.redeliver(first.notificationId);

      assert.equal(again.outcome, 204);
      const [one, two] = receiver.stored;
      assert.ok(one && two);
      assert.equal(idempotencyKey(one), idempotencyKey(two));
    });

    it("keeps each post's own time when notifications arrive out of order", async () => {
      await sandbox.postMessage(aPost({ postedAt: new Date('2024-05-01T03:00:00Z'), body: '後の投稿' }));
      await sandbox.postMessage(aPost({ postedAt: new Date('2024-05-01T01:00:00Z'), body: '先の投稿' }));

      assert.deepEqual(
        receiver.stored.map((event) => event.occurredAt),
        ['2024-05-01T03:00:00.000Z', '2024-05-01T01:00:00.000Z'],
      );
    });

    it('refuses a delivery whose timestamp is outside the replay window', async () => {
      const body = JSON.stringify({ anything: true });
      const stale = await sandbox.deliverRaw(body, { timestamp: new Date(Date.now() - 10 * 60_000) });
      const unsigned = await sandbox.deliverRaw(body, { unsigned: true });

      assert.equal(stale.outcome, 401);
      assert.equal(unsigned.outcome, 401);
      assert.equal(receiver.stored.length, 0);
    });

    it('refuses a correctly signed notification that is malformed', async () => {
      const notJson = await sandbox.deliverRaw('{"type":"message.created",');
      const missingGroup = await sandbox.deliverRaw(
        JSON.stringify({ type: 'message.created', notificationId: 'n', messageId: 'm', accountId: 'a' }),
      );

      assert.equal(notJson.outcome, 400);
      assert.equal(missingGroup.outcome, 400);
      assert.equal(receiver.stored.length, 0);
    });

    it('refuses a body that is not valid UTF-8', async () => {
      const delivery = await sandbox.deliverRaw(Buffer.from([0x7b, 0x22, 0x82, 0xa0, 0x22, 0x7d]));

      assert.equal(delivery.outcome, 415);
      assert.equal(receiver.stored.length, 0);
    });

    it('refuses an oversized notification without storing it', async () => {
      const delivery = await sandbox.postMessage(aPost({ groupName: '長'.repeat(20_000) }));

      assert.equal(delivery.outcome, 413);
      assert.equal(receiver.stored.length, 0);
    });

    it('queues notifications while MCS is down and pushes them once it is back', async () => {
      sandbox.takeDown('error');
      const queued = await sandbox.postMessage(aPost());
      assert.equal(queued.outcome, 'queued');

      const sent = await sandbox.bringUp();

      assert.deepEqual(
        sent.map((delivery) => delivery.outcome),
        [204],
      );
      assert.equal(receiver.stored.length, 1);
    });
  });

  describe('with another secret', () => {
    beforeEach(() => setUp('a-different-secret-000000000000'));

    it('refuses a notification signed with the shared secret it does not know', async () => {
      const delivery = await sandbox.postMessage(aPost());

      assert.equal(delivery.outcome, 401);
      assert.equal(receiver.stored.length, 0);
    });
  });
});

describe('MCS connector on its own', () => {
  const connector = createMcsConnector({
    baseUrl: 'https://mcs.example.jp',
    secret: SECRET,
    now: () => new Date('2024-05-01T00:31:00Z'),
  });
  const aNotification = (overrides: Record<string, unknown> = {}) => ({
    type: 'message.created',
    notificationId: 'ntf-1',
    messageId: 'msg-1',
    accountId: 'mcs-nurse-0042',
    group: { id: 'grp-1', name: '鈴木一郎様 在宅チーム' },
    author: { role: 'ケアマネジャー' },
    postedAt: '2024-05-01T09:30:00+09:00',
    unreadCount: 2,
    url: 'https://mcs.example.jp/groups/grp-1/messages/msg-1',
    ...overrides,
  });

  it('maps a notification whose deep link stays on the MCS web app', () => {
    const [event] = connector.map(aNotification());

    assert.equal(event?.author.role, 'care-manager');
    assert.equal(event?.receivedAt, '2024-05-01T00:31:00.000Z');
  });

  it('refuses a notification whose deep link leads outside the MCS web app', () => {
    assert.throws(
      () => connector.map(aNotification({ url: 'https://mcs.example.jp.evil.test/login' })),
      (error: unknown) => error instanceof VendorPayloadError && error.reason === 'malformed',
    );
  });

  it('reports MCS down once its health timeout passes when it does not answer', async () => {
    const sandbox = createMcsSandbox({ secret: SECRET });
    const vendor = await startSandbox(sandbox);
    try {
      sandbox.takeDown('hang');
      const health = await createMcsConnector({
        baseUrl: vendor.url,
        secret: SECRET,
        healthTimeoutMs: 200,
      }).health();

      assert.equal(health.status, 'down');
      sandbox.bringUp();
      assert.equal((await createMcsConnector({ baseUrl: vendor.url, secret: SECRET }).health()).status, 'up');
    } finally {
      await vendor.close();
    }
  });
});
