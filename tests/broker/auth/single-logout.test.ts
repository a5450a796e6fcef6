import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { createClient } from 'redis';
import { redisClientOptions } from '@hcw/common';
import request from 'supertest';
import { Cookies, signInOverHttp } from '#test-support/http-sign-in.js';
import { anotherKeyPair, idpLogoutRequestUrl, sessionIndexOf } from '#test-support/saml-attack.js';
import { inProcessBroker } from '#test-support/in-process-broker.js';
import { TEST_DEMO_PASSWORD, workspace } from '#test-support/workspace.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import {
  buildLogoutRequest,
  buildLogoutResponse,
  readRedirectBinding,
  redirectBindingUrl,
  type LogoutResponseParams,
} from '#broker/auth/saml-logout-messages.js';
import { signMessage } from '#broker/auth/saml-response.js';

describe('SAML single logout', function () {
  this.timeout(120000);
  let stack: WorkspaceStack;
  let audit: pg.Pool;
  let brokerCert: string;

  before(async () => {
    stack = await workspace();
    audit = new pg.Pool({ connectionString: stack.brokerDatabaseUrl, max: 2 });
    brokerCert = readFileSync(stack.brokerSaml.certFile, 'utf8');
  });
  after(async () => {
    await audit.end();
  });

  async function signedIn(cookies: Cookies): Promise<boolean> {
    const me = await fetch(`${stack.brokerUrl}/api/me`, { headers: { cookie: cookies.header() } });
    return me.status === 200;
  }

  async function auditCount(type: string, outcome: string): Promise<number> {
    const { rows } = await audit.query<{ n: string }>(
      'SELECT count(*) AS n FROM audit_events WHERE type = $1 AND outcome = $2',
      [type, outcome],
    );
    return Number(rows[0]!.n);
  }

  async function get(url: string, cookies?: Cookies): Promise<Response> {
    return fetch(url, { redirect: 'manual', headers: cookies ? { cookie: cookies.header() } : {} });
  }

  describe('started here', () => {
    it('ends the session first, then asks the IdP with a signed request naming the sign-in', async () => {
      const { cookies, samlResponse } = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
      const out = await fetch(`${stack.brokerUrl}/auth/logout`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookies.header() },
      });
      assert.equal(out.status, 303);
      const location = out.headers.get('location') ?? '';
      assert.ok(location.startsWith(`${stack.brokerUrl}/dev-idp/slo?`), location);
      assert.equal(await signedIn(cookies), false, 'the session ended before the IdP answered');

      const sent = readRedirectBinding(new URL(location).search.slice(1), brokerCert);
      assert.ok(sent, 'a redirect-binding message');
      assert.equal(sent.kind, 'SAMLRequest');
      assert.equal(sent.signatureValid, true, "signed with the broker's key");
      assert.match(sent.xml, /<saml:NameID[^>]*>dr\.tanaka<\/saml:NameID>/);
      assert.ok(sent.xml.includes(sessionIndexOf(samlResponse)), 'names the session the IdP started');

      const idp = await get(location);
      assert.equal(idp.status, 303, 'the IdP answers');
      const back = idp.headers.get('location') ?? '';
      assert.ok(back.startsWith(`${stack.brokerUrl}/auth/saml/slo?SAMLResponse=`), back);
      const done = await get(back);
      assert.equal(done.status, 303);
      assert.equal(done.headers.get('location'), '/signed-out');
    });

    it('refuses a logout response it did not ask for, or that is unsigned', async () => {
      const refusedBefore = await auditCount('single-logout', 'failure');
      const slo = `${stack.brokerUrl}/auth/saml/slo`;
      const unasked = buildLogoutResponse({
        issuer: stack.devIdp.entityId,
        destination: slo,
        inResponseTo: '_never-asked',
      }).xml;
      const idpKey = readFileSync(stack.devIdp.keyFile, 'utf8');
      const answers = await Promise.all([
        get(redirectBindingUrl(slo, 'SAMLResponse', unasked, { signingKey: idpKey })),
        get(redirectBindingUrl(slo, 'SAMLResponse', unasked)),
      ]);
      assert.deepEqual(
        answers.map((a) => a.status),
        [400, 400],
      );
      assert.equal(await auditCount('single-logout', 'failure'), refusedBefore + 2);
    });

    describe("the IdP's answer by HTTP-POST, the binding the metadata advertises", () => {
      /** Signs in and out here; returns the ID of the logout request the broker sent the IdP. */
      async function signOutHere(): Promise<string> {
        const { cookies } = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
        const out = await fetch(`${stack.brokerUrl}/auth/logout`, {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie: cookies.header() },
        });
        const sent = readRedirectBinding(
          new URL(out.headers.get('location') ?? '').search.slice(1),
          brokerCert,
        );
        const id = /ID="([^"]+)"/.exec(sent?.xml ?? '')?.[1];
        assert.ok(id, 'a logout request with an ID');
        return id;
      }

      /** The IdP's LogoutResponse, signed by its key unless told otherwise, base64 as the form posts it. */
      function answer(
        inResponseTo: string | undefined,
        overrides: Partial<LogoutResponseParams> = {},
        signer: { key: string; cert: string } | null = {
          key: readFileSync(stack.devIdp.keyFile, 'utf8'),
          cert: readFileSync(stack.devIdp.certFile, 'utf8'),
        },
      ): string {
        const { xml } = buildLogoutResponse({
          issuer: stack.devIdp.entityId,
          destination: `${stack.brokerUrl}/auth/saml/slo`,
          inResponseTo,
          ...overrides,
        });
        return Buffer.from(signer ? signMessage(xml, signer.key, signer.cert) : xml).toString('base64');
      }

      function post(samlResponse: string): Promise<Response> {
        return fetch(`${stack.brokerUrl}/auth/saml/slo`, {
          method: 'POST',
          redirect: 'manual',
          body: new URLSearchParams({ SAMLResponse: samlResponse }),
        });
      }

      async function expectRefused(samlResponse: string): Promise<void> {
        const before = await auditCount('single-logout', 'failure');
        const refused = await post(samlResponse);
        assert.equal(refused.status, 400);
        const page = await refused.text();
        assert.match(page, /サインアウトの確認ができませんでした/);
        assert.doesNotMatch(page, /セッションは変わっていません/, 'never claims the session goes on');
        assert.equal(await auditCount('single-logout', 'failure'), before + 1, 'audited');
      }

      it('accepts a signed answer to its own request', async () => {
        const done = await post(answer(await signOutHere()));
        assert.equal(done.status, 303, await done.clone().text());
        assert.equal(done.headers.get('location'), '/signed-out');
      });

      it('refuses an unsigned answer', async () => {
        await expectRefused(answer(await signOutHere(), {}, null));
      });

      it('refuses an answer signed by another key', async () => {
        await expectRefused(answer(await signOutHere(), {}, anotherKeyPair()));
      });

      it('refuses an answer addressed to another service', async () => {
        await expectRefused(answer(await signOutHere(), { destination: 'https://other.example.jp/slo' }));
      });

      it('refuses an answer from another issuer', async () => {
        await expectRefused(answer(await signOutHere(), { issuer: 'https://other-idp.example.jp' }));
      });

      it('refuses an answer to a request it never made, or without InResponseTo', async () => {
        await expectRefused(answer('_never-asked'));
        await expectRefused(answer(undefined));
      });

      it('refuses an answer issued long ago', async () => {
        await expectRefused(answer(await signOutHere(), { issueInstant: new Date(Date.now() - 3600_000) }));
      });

      it('refuses the same answer posted again (replay)', async () => {
        const captured = answer(await signOutHere());
        assert.equal((await post(captured)).status, 303, 'first use');
        await expectRefused(captured);
      });

      it('refuses an answer saying the IdP could not sign out, without claiming the session goes on', async () => {
        await expectRefused(answer(await signOutHere(), { success: false }));
      });
    });

    it("refuses the IdP's redirect answer sent again (replay)", async () => {
      const { cookies } = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
      const out = await fetch(`${stack.brokerUrl}/auth/logout`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookies.header() },
      });
      const idp = await get(out.headers.get('location') ?? '');
      const back = idp.headers.get('location') ?? '';
      assert.equal((await get(back)).status, 303, 'first use');
      const before = await auditCount('single-logout', 'failure');
      const again = await get(back);
      assert.equal(again.status, 400);
      assert.equal(await auditCount('single-logout', 'failure'), before + 1);
    });

    it('publishes its logout service and signing key in its metadata', async () => {
      const metadata = await (await fetch(`${stack.brokerUrl}/auth/saml/metadata`)).text();
      assert.match(metadata, /SingleLogoutService[^>]+Location="[^"]*\/auth\/saml\/slo"/);
      const certBody = brokerCert.replace(/-----[^-]+-----|\s/g, '');
      assert.ok(metadata.replace(/\s/g, '').includes(certBody), 'the signing certificate is published');
    });
  });

  describe('started at the IdP', () => {
    it('ends the named session and answers with a signed response', async () => {
      const { cookies, samlResponse } = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
      const endedBefore = await auditCount('session-end', 'success');
      const { url, id } = idpLogoutRequestUrl(stack, 'dr.tanaka', {
        sessionIndex: sessionIndexOf(samlResponse),
      });
      const answer = await get(url);
      assert.equal(answer.status, 303, await answer.clone().text());
      assert.equal(await signedIn(cookies), false, 'the session ended');
      assert.equal(await auditCount('session-end', 'success'), endedBefore + 1, 'audited');

      const location = answer.headers.get('location') ?? '';
      assert.ok(location.startsWith(`${stack.brokerUrl}/dev-idp/slo?SAMLResponse=`), location);
      const response = readRedirectBinding(new URL(location).search.slice(1), brokerCert);
      assert.equal(response?.signatureValid, true, "signed with the broker's key");
      assert.match(response.xml, new RegExp(`InResponseTo="${id}"`));
      assert.match(response.xml, /status:Success/);
      const idpPage = await get(location);
      assert.equal(idpPage.status, 200, 'the IdP accepts the answer');
    });

    it("ends the session from the development IdP's own sign-out page, round trip", async () => {
      const { cookies } = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
      const atIdp = await fetch(`${stack.brokerUrl}/dev-idp/logout`, {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams({ username: 'dr.tanaka', password: TEST_DEMO_PASSWORD }),
      });
      assert.equal(atIdp.status, 303);
      const atBroker = await get(atIdp.headers.get('location') ?? '');
      assert.equal(atBroker.status, 303, await atBroker.clone().text());
      assert.equal(await signedIn(cookies), false);
      const done = await get(atBroker.headers.get('location') ?? '');
      assert.equal(done.status, 200);
      assert.match(await done.text(), /すべてのサービスからサインアウトしました/);
    });

    it('accepts the HTTP-POST binding with an enveloped signature', async () => {
      const { cookies } = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
      const { xml } = buildLogoutRequest({
        issuer: stack.devIdp.entityId,
        destination: `${stack.brokerUrl}/auth/saml/slo`,
        nameId: 'dr.tanaka',
      });
      const signed = signMessage(
        xml,
        readFileSync(stack.devIdp.keyFile, 'utf8'),
        readFileSync(stack.devIdp.certFile, 'utf8'),
      );
      const answer = await fetch(`${stack.brokerUrl}/auth/saml/slo`, {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams({ SAMLRequest: Buffer.from(signed).toString('base64') }),
      });
      assert.equal(answer.status, 303, await answer.clone().text());
      assert.equal(await signedIn(cookies), false);
    });

    it('leaves a newer sign-in alone when the request names an earlier one', async () => {
      const { cookies } = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
      const answer = await get(
        idpLogoutRequestUrl(stack, 'dr.tanaka', { sessionIndex: '_an-earlier-sign-in' }).url,
      );
      assert.equal(answer.status, 303, 'answered: nothing of that session is left here');
      assert.equal(await signedIn(cookies), true, 'the current session goes on');
      await fetch(`${stack.brokerUrl}/auth/logout`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookies.header() },
      });
    });

    describe('refuses, records, and keeps the session', () => {
      let cookies: Cookies;
      before(async () => {
        ({ cookies } = await signInOverHttp(stack.brokerUrl, 'dr.tanaka'));
      });
      after(async () => {
        await fetch(`${stack.brokerUrl}/auth/logout`, {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie: cookies.header() },
        });
      });

      async function expectRefused(send: () => Promise<Response>): Promise<void> {
        const before = await auditCount('single-logout', 'failure');
        const response = await send();
        assert.equal(response.status, 400, await response.clone().text());
        assert.match(await response.text(), /サインアウトの要求を確認できませんでした/);
        assert.equal(await auditCount('single-logout', 'failure'), before + 1, 'audited');
        assert.equal(await signedIn(cookies), true, 'the session goes on');
      }

      it('an unsigned request', async () => {
        await expectRefused(() => get(idpLogoutRequestUrl(stack, 'dr.tanaka', { signingKey: null }).url));
      });

      it('a request signed by another key', async () => {
        const other = anotherKeyPair();
        await expectRefused(() =>
          get(idpLogoutRequestUrl(stack, 'dr.tanaka', { signingKey: other.key }).url),
        );
      });

      it('a replayed request', async () => {
        // Aimed at a session that is not there, so the first use ends nothing and the replay is what is tested.
        const { url } = idpLogoutRequestUrl(stack, 'somebody.else');
        assert.equal((await get(url)).status, 303, 'first use');
        await expectRefused(() => get(url));
      });

      it('a request addressed to another service', async () => {
        await expectRefused(() =>
          get(idpLogoutRequestUrl(stack, 'dr.tanaka', { destination: 'https://other.example.jp/slo' }).url),
        );
      });

      it('a request issued long ago', async () => {
        await expectRefused(() =>
          get(idpLogoutRequestUrl(stack, 'dr.tanaka', { issueInstant: new Date(Date.now() - 3600_000) }).url),
        );
      });

      it('a signed request with a parameter smuggled in', async () => {
        await expectRefused(() => get(`${idpLogoutRequestUrl(stack, 'dr.tanaka').url}&extra=1`));
      });

      it('an unsigned request in the HTTP-POST binding', async () => {
        const { xml } = buildLogoutRequest({
          issuer: stack.devIdp.entityId,
          destination: `${stack.brokerUrl}/auth/saml/slo`,
          nameId: 'dr.tanaka',
        });
        await expectRefused(() =>
          fetch(`${stack.brokerUrl}/auth/saml/slo`, {
            method: 'POST',
            redirect: 'manual',
            body: new URLSearchParams({ SAMLRequest: Buffer.from(xml).toString('base64') }),
          }),
        );
      });

      it('garbage', async () => {
        await expectRefused(() =>
          get(`${stack.brokerUrl}/auth/saml/slo?SAMLRequest=%%%&SigAlg=x&Signature=y`),
        );
      });
    });
  });

  describe('configuration', () => {
    it('lets sign-out forms lead to the IdP, and only there', async () => {
      const sp = anotherKeyPair();
      const broker = await inProcessBroker(stack, {
        SAML_IDP_SLO_URL: 'https://idp.example.jp/saml/slo',
        SAML_SP_KEY_FILE: sp.keyFile,
        SAML_SP_CERT_FILE: sp.certFile,
      });
      try {
        const answer = await request(broker.app).get('/signed-out');
        assert.match(
          answer.headers['content-security-policy'] ?? '',
          /form-action 'self' https:\/\/idp\.example\.jp;/,
        );
      } finally {
        await broker.close();
      }
    });

    it('counts refused logout messages apart from sign-ins, and still handles a genuine one beyond the count', async () => {
      const sp = anotherKeyPair();
      const broker = await inProcessBroker(stack, {
        // Redis database 7: this broker's counters cannot touch the shared workspace's.
        BROKER_REDIS_URL: `${stack.redisUrl}/7`,
        SAML_IDP_CERT_FILE: stack.devIdp.certFile,
        SAML_IDP_ENTITY_ID: stack.devIdp.entityId,
        SAML_IDP_SLO_URL: 'https://idp.example.jp/saml/slo',
        SAML_SP_KEY_FILE: sp.keyFile,
        SAML_SP_CERT_FILE: sp.certFile,
        SIGN_IN_FAILURES_PER_ADDRESS: '3',
        LOGOUT_REFUSALS_PER_ADDRESS: '3',
      });
      try {
        const redis = createClient(redisClientOptions(`${stack.redisUrl}/7`, stack.internalCa.pem));
        await redis.connect();
        await redis.flushDb();
        await redis.quit();
        const agent = request(broker.app);
        const beyondRecorded = async () => {
          const { rows } = await audit.query<{ n: string }>(
            "SELECT count(*) AS n FROM audit_events WHERE type = 'single-logout' AND details ? 'unrecordedForSeconds'",
          );
          return Number(rows[0]!.n);
        };
        const before = await auditCount('single-logout', 'failure');
        const beyondBefore = await beyondRecorded();
        const statuses = [];
        for (let i = 0; i < 6; i++) {
          const refused = await agent
            .post('/auth/saml/slo')
            .type('form')
            .send({ SAMLResponse: 'bm90IFNBTUw=' });
          statuses.push(refused.status);
        }
        assert.deepEqual(statuses, [400, 400, 400, 429, 429, 429]);
        assert.equal(
          await auditCount('single-logout', 'failure'),
          before + 4,
          'three one by one, then one note',
        );
        assert.equal(await beyondRecorded(), beyondBefore + 1);

        const { xml } = buildLogoutRequest({
          issuer: stack.devIdp.entityId,
          destination: broker.config.saml.sloUrl,
          nameId: 'nobody.signed.in',
        });
        const genuine = redirectBindingUrl('/auth/saml/slo', 'SAMLRequest', xml, {
          signingKey: readFileSync(stack.devIdp.keyFile, 'utf8'),
        });
        assert.equal((await agent.get(genuine)).status, 303, 'a signed request is still answered');

        const garbage = Buffer.from('<samlp:Response/>').toString('base64');
        const signIn = await agent.post('/auth/saml/acs').type('form').send({ SAMLResponse: garbage });
        assert.equal(signIn.status, 401, 'the sign-in limit was not touched by six logout refusals');
        for (let i = 0; i < 2; i++)
          await agent.post('/auth/saml/acs').type('form').send({ SAMLResponse: garbage });
        const blocked = await agent.post('/auth/saml/acs').type('form').send({ SAMLResponse: garbage });
        assert.equal(blocked.status, 429, 'control: three failed sign-ins do block the address');
      } finally {
        await broker.close();
      }
    });

    it('refuses single logout without a key to sign its messages', async () => {
      await assert.rejects(
        inProcessBroker(stack, { SAML_IDP_SLO_URL: 'https://idp.example.jp/saml/slo' }),
        /SAML_SP_KEY_FILE/,
      );
    });
  });
});
