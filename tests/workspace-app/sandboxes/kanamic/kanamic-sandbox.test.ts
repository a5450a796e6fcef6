import assert from 'node:assert/strict';
import request from 'supertest';
import { createKanamicSandbox, type KanamicSandbox } from '#sandboxes/kanamic/kanamic-sandbox.js';

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
});
