import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generate } from 'otplib';
import { createClient, type RedisClientType } from 'redis';
import { redisClientOptions } from '@hcw/common';
import request from 'supertest';
import { LIMITED_ACTIONS, SignInLimits, type LimitedAction } from '#broker/auth/rate-limits.js';
import { EnrolmentCodes } from '#broker/auth/second-factor/enrolment-codes.js';
import { SecondFactorStore } from '#broker/auth/second-factor/second-factor-store.js';
import { inProcessBroker } from '#test-support/in-process-broker.js';
import { workspace } from '#test-support/workspace.js';
import { consoleBroker, type ConsoleBroker } from '../admin/console-broker.js';
import { aUser } from '../desktops/fake-desktops.js';

const LIMIT = 5;
const BURST = 30;
const config = {
  signIn: { failuresPerAddress: LIMIT, secondFactorFailuresPerAccount: LIMIT, rateLimitWindowSeconds: 900 },
} as ConstructorParameters<typeof SignInLimits>[1];

const unique = (what: string): string => `${what}-${randomBytes(6).toString('hex')}`;

/**
 * A burst as parallel requests make it: every request asks the limiter before any of them has been found
 * wrong and counted. `ask` says whether a request may go on; `fail` is what the limiter does once it was
 * found wrong. Returns how many were let through to be checked.
 */
async function burst(ask: () => Promise<boolean>, fail: () => Promise<void>): Promise<number> {
  const admitted = await Promise.all(Array.from({ length: BURST }, ask));
  await Promise.all(admitted.filter(Boolean).map(fail));
  return admitted.filter(Boolean).length;
}

describe('sign-in limits under a parallel burst', function () {
  this.timeout(120000);
  let redis: RedisClientType;
  let limits: SignInLimits;

  before(async () => {
    const stack = await workspace();
    redis = createClient(redisClientOptions(stack.redisUrl, stack.internalCa.pem));
    await redis.connect();
    limits = new SignInLimits(redis, config);
  });
  after(async () => {
    await redis.quit();
  });

  for (const action of Object.keys(LIMITED_ACTIONS) as LimitedAction[]) {
    it(`lets exactly the limit through for ${action}, however many arrive at once`, async () => {
      const who = { address: unique('203.0.113'), account: unique('user') };
      const through = await burst(
        async () => (await limits.attempt(action, who)).allowed,
        async () => undefined, // a failed attempt simply stays counted
      );
      assert.equal(through, LIMIT);
      const next = await limits.attempt(action, who);
      assert.equal(next.allowed, false);
      assert.ok(!next.allowed && next.retryAfterSeconds > 0 && next.retryAfterSeconds <= 900);
    });
  }

  it('lets the whole burst through when checking and counting are two steps (control)', async () => {
    // The rule before: read the count, let the request go on, count it once it proved wrong.
    const key = `limit:control:${unique('address')}`;
    const through = await burst(
      async () => Number((await redis.get(key)) ?? 0) < LIMIT,
      async () => void (await redis.incr(key)),
    );
    assert.equal(through, BURST, 'every request of the burst passed the check');
    await redis.del(key);
  });

  it('gives a successful attempt back, so only failures count, and clears the account’s count', async () => {
    const who = { address: unique('198.51.100'), account: unique('user') };
    for (let i = 0; i < LIMIT - 1; i++) assert.ok((await limits.attempt('second-factor', who)).allowed);
    const good = await limits.attempt('second-factor', who);
    assert.ok(good.allowed);
    await good.succeeded();
    // The account starts again; the address still holds its four failures, so one more is allowed.
    assert.equal(await redis.get(`limit:second-factor:account:${who.account}`), null);
    assert.ok((await limits.attempt('sign-in', { address: who.address })).allowed);
    assert.equal((await limits.attempt('sign-in', { address: who.address })).allowed, false);
  });

  it('counts one address across accounts, and one account across addresses', async () => {
    const address = unique('192.0.2');
    for (let i = 0; i < LIMIT; i++) {
      assert.ok((await limits.attempt('second-factor', { address, account: unique('user') })).allowed);
    }
    assert.equal(
      (await limits.attempt('second-factor', { address, account: unique('user') })).allowed,
      false,
    );
    const account = unique('user');
    for (let i = 0; i < LIMIT; i++) {
      assert.ok((await limits.attempt('second-factor', { address: unique('192.0.2'), account })).allowed);
    }
    assert.equal(
      (await limits.attempt('second-factor', { address: unique('192.0.2'), account })).allowed,
      false,
    );
  });
});

describe('limited endpoints under a parallel burst', function () {
  this.timeout(180000);
  let broker: ConsoleBroker;

  before(async () => {
    broker = await consoleBroker('limits_burst', {
      env: { SECOND_FACTOR_FAILURES_PER_ACCOUNT: String(LIMIT), SIGN_IN_FAILURES_PER_ADDRESS: '100000' },
    });
  });
  after(async () => {
    await broker.close();
  });

  /** Sends the same wrong answer BURST times at once; counts the answers by status. */
  async function parallel(send: () => Promise<request.Response>): Promise<Record<number, number>> {
    const answers = await Promise.all(Array.from({ length: BURST }, send));
    const counts: Record<number, number> = {};
    for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
    return counts;
  }

  it('checks at most the limit of authenticator-app codes, then refuses even the right one', async () => {
    const user = aUser({ id: unique('burst.totp') });
    const factors = new SecondFactorStore(broker.pool, broker.config.secretsKey);
    const { factorId, secret } = await factors.beginTotp(user.id);
    await factors.enrol(user.id, { kind: 'totp', factorId }, { replaceOthers: false });
    const { cookie } = await broker.startSignIn(user);
    const counts = await parallel(() =>
      request(broker.app)
        .post('/auth/second-factor/totp')
        .set('cookie', cookie)
        .type('form')
        .send({ code: '000000' }),
    );
    assert.deepEqual(counts, { 401: LIMIT, 429: BURST - LIMIT });
    const right = await request(broker.app)
      .post('/auth/second-factor/totp')
      .set('cookie', cookie)
      .type('form')
      .send({ code: await generate({ secret }) });
    assert.equal(right.status, 429);
  });

  it('checks at most the limit of enrolment codes', async () => {
    const user = aUser({ id: unique('burst.code') });
    await new EnrolmentCodes(broker.pool, 1).issue(user.id, 'admin.burst');
    const { cookie } = await broker.startSignIn(user);
    const counts = await parallel(() =>
      request(broker.app)
        .post('/auth/second-factor/enrolment-code')
        .set('cookie', cookie)
        .type('form')
        .send({ code: 'AAAA-AAAA-AAAA' }),
    );
    assert.deepEqual(counts, { 401: LIMIT, 429: BURST - LIMIT });
  });

  it('checks at most the limit of SAML responses from one address', async () => {
    const stack = await workspace();
    const sp = await inProcessBroker(stack, {
      // A Redis database of its own: this broker's address counter is nobody else's.
      BROKER_REDIS_URL: `${stack.redisUrl}/4`,
      SIGN_IN_FAILURES_PER_ADDRESS: String(LIMIT),
      SAML_IDP_CERT_FILE: stack.devIdp.certFile,
    });
    try {
      const garbage = Buffer.from('<samlp:Response/>').toString('base64');
      const counts = await parallel(() =>
        request(sp.app).post('/auth/saml/acs').type('form').send({ SAMLResponse: garbage }),
      );
      assert.deepEqual(counts, { 401: LIMIT, 429: BURST - LIMIT });
    } finally {
      await sp.close();
    }
  });
});
