import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createMcsSandbox, type McsSandbox } from '#sandboxes/mcs/mcs-sandbox.js';

const SECRET = 'mcs-webhook-secret-for-tests-01';

/** A webhook that keeps what it was sent, byte for byte. */
async function startWebhook() {
  const received: Array<{ headers: IncomingHttpHeaders; body: Buffer }> = [];
  const server: Server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      received.push({ headers: incoming.headers, body: Buffer.concat(chunks) });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const aPost = {
  groupId: 'grp-1',
  groupName: '佐藤花子様 在宅チーム',
  authorRole: '医師',
  authorName: '山田 太郎',
  body: '<script>alert(1)</script>往診の結果、処方を変更します。',
};

describe('MCS sandbox', () => {
  let sandbox: McsSandbox;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;

  beforeEach(async () => {
    webhook = await startWebhook();
    sandbox = createMcsSandbox({ secret: SECRET, webhookUrl: webhook.url });
    sandbox.useBaseUrl('http://mcs.test');
  });
  afterEach(() => webhook.close());

  it('signs each notification with HMAC-SHA256 over the timestamp and the exact body', async () => {
    await sandbox.postMessage(aPost);
    const [delivery] = webhook.received;
    assert.ok(delivery);
    const timestamp = String(delivery.headers['x-mcs-timestamp']);
    const sign = (secret: string) =>
      `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(delivery.body).digest('hex')}`;

    assert.equal(delivery.headers['x-mcs-signature'], sign(SECRET));
    assert.notEqual(delivery.headers['x-mcs-signature'], sign('another-secret'));
    assert.ok(Math.abs(Number(timestamp) * 1000 - Date.now()) < 5_000);
  });

  it('pushes metadata only: group, role, time, unread count and deep link, never the text', async () => {
    await sandbox.postMessage(aPost);
    const body = webhook.received[0]?.body.toString('utf8') ?? '';
    const payload: unknown = JSON.parse(body);

    assert.ok(payload && typeof payload === 'object');
    assert.deepEqual(Object.keys(payload).sort(), [
      'accountId',
      'author',
      'group',
      'messageId',
      'notificationId',
      'postedAt',
      'type',
      'unreadCount',
      'url',
    ]);
    assert.doesNotMatch(body, /処方を変更/);
    assert.doesNotMatch(body, /山田/);
  });

  it('counts unread posts per group until the post is opened through its deep link', async () => {
    await sandbox.postMessage(aPost);
    await sandbox.postMessage(aPost);
    const counts = () =>
      webhook.received.map((delivery) => JSON.parse(delivery.body.toString('utf8')).unreadCount);
    assert.deepEqual(counts(), [1, 2]);

    const link = new URL(JSON.parse(webhook.received[1]?.body.toString('utf8') ?? '{}').url);
    await request(sandbox.app).get(link.pathname).expect(200);
    await sandbox.postMessage(aPost);

    assert.deepEqual(counts(), [1, 2, 1]);
  });

  it('serves the deep link as a Japanese page with the post escaped', async () => {
    await sandbox.postMessage(aPost);
    const link = new URL(JSON.parse(webhook.received[0]?.body.toString('utf8') ?? '{}').url);

    const page = await request(sandbox.app)
      .get(link.pathname)
      .expect(200)
      .expect('content-type', /text\/html/);

    assert.match(page.text, /<html lang="ja">/);
    assert.match(page.text, /往診の結果、処方を変更します。/);
    assert.doesNotMatch(page.text, /<script>alert/);
  });

  it('answers its status endpoint until it is taken down', async () => {
    await request(sandbox.app).get('/api/v1/status').expect(200);
    sandbox.takeDown('error');
    await request(sandbox.app).get('/api/v1/status').expect(503);
  });
});
