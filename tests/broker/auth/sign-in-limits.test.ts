import assert from 'node:assert/strict';
import request from 'supertest';
import { inProcessBroker } from '#test-support/in-process-broker.js';
import { workspace } from '#test-support/workspace.js';

describe('failed sign-ins from one address', function () {
  this.timeout(120000);

  it('are stopped after the configured number, with a clear message, whatever comes next', async () => {
    const stack = await workspace();
    // Redis database 1: this broker's counters cannot touch the shared workspace's.
    const broker = await inProcessBroker(stack, {
      BROKER_REDIS_URL: `${stack.redisUrl}/1`,
      SIGN_IN_FAILURES_PER_ADDRESS: '3',
      SAML_IDP_CERT_FILE: stack.devIdp.certFile,
    });
    try {
      const agent = request(broker.app);
      const garbage = Buffer.from('<samlp:Response/>').toString('base64');
      for (let i = 0; i < 3; i++) {
        const refused = await agent.post('/auth/saml/acs').type('form').send({ SAMLResponse: garbage });
        assert.equal(refused.status, 401);
      }
      const blocked = await agent.post('/auth/saml/acs').type('form').send({ SAMLResponse: garbage });
      assert.equal(blocked.status, 429);
      assert.ok(Number(blocked.headers['retry-after']) > 0);
      assert.match(blocked.text, /受け付けを一時停止/);
    } finally {
      await broker.close();
    }
  });

  describe('behind a proxy', () => {
    async function failThreeTimesFrom(trustProxy: string, forwardedFor: string, redisDb: number) {
      const stack = await workspace();
      const broker = await inProcessBroker(stack, {
        BROKER_REDIS_URL: `${stack.redisUrl}/${redisDb}`,
        SIGN_IN_FAILURES_PER_ADDRESS: '3',
        SAML_IDP_CERT_FILE: stack.devIdp.certFile,
        BROKER_TRUST_PROXY: trustProxy,
      });
      const garbage = Buffer.from('<samlp:Response/>').toString('base64');
      const post = (from: string) =>
        request(broker.app)
          .post('/auth/saml/acs')
          .set('X-Forwarded-For', from)
          .type('form')
          .send({ SAMLResponse: garbage });
      for (let i = 0; i < 3; i++) await post(forwardedFor);
      const otherClient = await post('198.51.100.7');
      await broker.close();
      return otherClient.status;
    }

    it('counts each client address the trusted proxy forwards for, not the proxy', async () => {
      // With nginx on loopback trusted, another client behind the same proxy is not blocked.
      assert.equal(await failThreeTimesFrom('loopback', '203.0.113.5', 2), 401);
    });

    it('ignores forwarded addresses when no proxy is trusted (control)', async () => {
      // Every request comes from 127.0.0.1 then, so the fourth is blocked whatever it claims.
      assert.equal(await failThreeTimesFrom('', '203.0.113.5', 3), 429);
    });
  });
});
