import assert from 'node:assert/strict';
import request from 'supertest';
import { createKanamicSandbox, type KanamicSandbox } from '#sandboxes/kanamic/kanamic-sandbox.js';
import { startSandbox } from '#sandboxes/start-sandbox.js';

const CLIENT = { clientId: 'office-1', clientSecret: 'kanamic-client-secret-for-tests' };
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function aToken(sandbox: KanamicSandbox): Promise<string> {
  const response = await request(sandbox.app)
    .post('/oauth/token')
    .set('authorization', basic(CLIENT.clientId, CLIENT.clientSecret))
    .type('form')
    .send({ grant_type: 'client_credentials' })
    .expect(200);
  return response.body.access_token;
}

describe('Kanamic sandbox', () => {
  let sandbox: KanamicSandbox;

  beforeEach(() => {
    sandbox = createKanamicSandbox(CLIENT);
    sandbox.useBaseUrl('http://kanamic.test');
  });

  it('grants a bearer token for client credentials in a Basic header or in the form', async () => {
    const viaHeader = await request(sandbox.app)
      .post('/oauth/token')
      .set('authorization', basic(CLIENT.clientId, CLIENT.clientSecret))
      .type('form')
      .send({ grant_type: 'client_credentials' })
      .expect(200);
    await request(sandbox.app)
      .post('/oauth/token')
      .type('form')
      .send({
        grant_type: 'client_credentials',
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
      })
      .expect(200);

    assert.equal(viaHeader.body.token_type, 'Bearer');
    assert.equal(viaHeader.body.expires_in, 3_600);
    assert.equal(viaHeader.headers['cache-control'], 'no-store');
  });

  it('refuses wrong client credentials and other grant types', async () => {
    await request(sandbox.app)
      .post('/oauth/token')
      .set('authorization', basic(CLIENT.clientId, 'wrong'))
      .type('form')
      .send({ grant_type: 'client_credentials' })
      .expect(401, { error: 'invalid_client' });
    await request(sandbox.app)
      .post('/oauth/token')
      .type('form')
      .send({ grant_type: 'password' })
      .expect(400, { error: 'unsupported_grant_type' });
  });

  it('serves messages only with a live token', async () => {
    const token = await aToken(sandbox);
    await request(sandbox.app).get('/api/v2/messages').expect(401);
    await request(sandbox.app).get('/api/v2/messages').set('authorization', `Bearer ${token}`).expect(200);

    sandbox.expireTokens();

    const expired = await request(sandbox.app)
      .get('/api/v2/messages')
      .set('authorization', `Bearer ${token}`)
      .expect(401);
    assert.match(expired.headers['www-authenticate'] ?? '', /invalid_token/);
  });

  it('expires tokens after their lifetime', async () => {
    let now = new Date('2024-05-01T00:00:00Z');
    const shortLived = createKanamicSandbox({ ...CLIENT, tokenTtlSeconds: 60, now: () => now });
    const token = await aToken(shortLived);

    now = new Date('2024-05-01T00:01:01Z');

    await request(shortLived.app).get('/api/v2/messages').set('authorization', `Bearer ${token}`).expect(401);
  });

  it('pages messages with an opaque cursor in the order they were stored', async () => {
    const token = await aToken(sandbox);
    for (let index = 1; index <= 3; index++) {
      sandbox.addMessage({
        groupId: 'G',
        groupName: 'グループ',
        staffName: '中村',
        occupation: '看護師',
        text: `${index}`,
      });
    }
    const get = (query: Record<string, string>) =>
      request(sandbox.app)
        .get('/api/v2/messages')
        .query(query)
        .set('authorization', `Bearer ${token}`)
        .expect(200);

    const first = await get({ limit: '2' });
    const second = await get({ limit: '2', cursor: first.body.next_cursor });

    assert.deepEqual(
      first.body.messages.map((message: { text: string }) => message.text),
      ['1', '2'],
    );
    assert.equal(first.body.has_more, true);
    assert.deepEqual(
      second.body.messages.map((message: { text: string }) => message.text),
      ['3'],
    );
    assert.equal(second.body.has_more, false);
    assert.match(second.body.messages[0].web_url, /^http:\/\/kanamic\.test\/web\/groups\/G\/messages\//);
  });

  it('refuses a cursor it did not write', async () => {
    const token = await aToken(sandbox);

    await request(sandbox.app)
      .get('/api/v2/messages')
      .query({ cursor: 'not-a-cursor' })
      .set('authorization', `Bearer ${token}`)
      .expect(400);
  });

  describe('posting to a group’s board', () => {
    const GROUP = { id: 'grp-post-0001', name: '山口正雄様 在宅チーム' };
    const aMessage = (overrides: Record<string, unknown> = {}) => ({
      subject: 'ケアチームの連絡スレッド',
      text: '本日、褥瘡の処置を変更しました。',
      sender: { staff_name: '佐藤 花子', occupation: '看護師', office_name: '新宿訪問看護ステーション' },
      posted_at: '2026-05-01T10:30:00+09:00',
      ...overrides,
    });
    let token: string;

    const post = (body: unknown, key: string | undefined, group = GROUP.id) => {
      const sent = request(sandbox.app)
        .post(`/api/v2/groups/${group}/messages`)
        .set('authorization', `Bearer ${token}`);
      if (key !== undefined) sent.set('idempotency-key', key);
      return sent.send(body as object);
    };

    /** The board as any client reads it: every message of the list API. */
    async function listed(): Promise<
      Array<{ message_id: string; text: string; group: { group_name: string } }>
    > {
      const response = await request(sandbox.app)
        .get('/api/v2/messages')
        .query({ limit: '100' })
        .set('authorization', `Bearer ${token}`)
        .expect(200);
      return response.body.messages;
    }

    beforeEach(async () => {
      sandbox.addGroup(GROUP.id, GROUP.name);
      token = await aToken(sandbox);
    });

    it('stores a message once per Idempotency-Key and lists it with the others', async () => {
      const first = await post(aMessage(), 'post-key-0001').expect(201);
      assert.match(first.body.message_id, /^KNM\d{8}$/);
      assert.deepEqual(first.body.group, { group_id: GROUP.id, group_name: GROUP.name });
      assert.deepEqual(first.body.sender, {
        staff_name: '佐藤 花子',
        occupation: '看護師',
        office_name: '新宿訪問看護ステーション',
      });
      assert.equal(first.body.created_at, '2026-05-01T10:30:00+09:00');
      assert.equal(
        first.body.web_url,
        `http://kanamic.test/web/groups/${GROUP.id}/messages/${first.body.message_id}`,
      );

      const again = await post(aMessage(), 'post-key-0001').expect(200);
      assert.equal(again.body.message_id, first.body.message_id, 'the message the key created');
      assert.equal(again.headers['idempotent-replayed'], 'true');

      await post(aMessage({ text: '別のメッセージ' }), 'post-key-0002').expect(201);
      const board = await listed();
      assert.deepEqual(
        board.map((message) => [message.message_id === first.body.message_id, message.text]),
        [
          [true, '本日、褥瘡の処置を変更しました。'],
          [false, '別のメッセージ'],
        ],
      );
      assert.equal(board[0]?.group.group_name, GROUP.name);
    });

    it('refuses a key used again for another message or another group, and keeps the first', async () => {
      const first = await post(aMessage(), 'post-key-0003').expect(201);
      const reused = await post(aMessage({ text: '書き換えた本文' }), 'post-key-0003').expect(422);
      assert.equal(reused.body.error, 'idempotency_key_reused');
      sandbox.addGroup('grp-post-0002', '別の患者様 在宅チーム');
      await post(aMessage(), 'post-key-0003', 'grp-post-0002').expect(422);
      assert.deepEqual(
        (await listed()).map((message) => message.message_id),
        [first.body.message_id],
      );
    });

    it('refuses a post without a live token, a key or a valid body, with a message saying what is wrong, and stores nothing', async () => {
      await request(sandbox.app)
        .post(`/api/v2/groups/${GROUP.id}/messages`)
        .set('idempotency-key', 'k-1')
        .send(aMessage())
        .expect(401, { error: 'invalid_token' });
      const refusals: Array<[unknown, string | undefined, RegExp]> = [
        [aMessage(), undefined, /Idempotency-Key header is required/],
        [aMessage(), 'a key with spaces', /Idempotency-Key header is required/],
        [aMessage({ text: '   ' }), 'k-2', /^text: must not be empty$/],
        [aMessage({ text: 'x'.repeat(10_001) }), 'k-3', /^text: /],
        [
          aMessage({ sender: { staff_name: '佐藤 花子', occupation: '看護師' } }),
          'k-4',
          /sender\.office_name/,
        ],
        [aMessage({ posted_at: 'yesterday' }), 'k-5', /^posted_at: /],
        [{}, 'k-6', /text: Required; sender: Required; posted_at: Required/],
      ];
      for (const [body, key, message] of refusals) {
        const response = await post(body, key).expect(400);
        assert.equal(response.body.error, 'invalid_request');
        assert.match(response.body.message, message);
      }
      const notJson = await request(sandbox.app)
        .post(`/api/v2/groups/${GROUP.id}/messages`)
        .set('authorization', `Bearer ${token}`)
        .set('idempotency-key', 'k-7')
        .set('content-type', 'application/json')
        .send('{"text": ')
        .expect(400);
      assert.equal(notJson.body.message, 'the body is not JSON');
      const form = await request(sandbox.app)
        .post(`/api/v2/groups/${GROUP.id}/messages`)
        .set('authorization', `Bearer ${token}`)
        .set('idempotency-key', 'k-8')
        .type('form')
        .send({ text: 'フォーム' })
        .expect(400);
      assert.match(form.body.message, /JSON object/);
      assert.deepEqual(await listed(), []);
    });

    it('refuses a group it does not know (404), and the refusal does not use up the key', async () => {
      const unknown = await post(aMessage(), 'post-key-0004', 'grp-nowhere').expect(404);
      assert.equal(unknown.body.error, 'group_not_found');
      assert.deepEqual(await listed(), []);
      sandbox.addGroup('grp-nowhere', '新しい在宅チーム');
      await post(aMessage(), 'post-key-0004', 'grp-nowhere').expect(201);
    });

    it('drops the connection after storing when told to, and answers the retry with what it stored', async () => {
      const running = await startSandbox(sandbox);
      try {
        const send = () =>
          fetch(`${running.url}/api/v2/groups/${GROUP.id}/messages`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
              'idempotency-key': 'post-key-0005',
            },
            body: JSON.stringify(aMessage()),
          });
        sandbox.dropAnswersAfterStoring(1);
        await assert.rejects(send(), 'no answer');
        const board = await listed();
        assert.equal(board.length, 1, 'stored before the connection dropped');
        const retry = await send();
        assert.equal(retry.status, 200);
        assert.equal(((await retry.json()) as { message_id: string }).message_id, board[0]?.message_id);
        assert.equal((await listed()).length, 1);
      } finally {
        await running.close();
      }
    });
  });
});
