import assert from 'node:assert/strict';
import pg from 'pg';
import { createClient } from 'redis';
import { redisClientOptions } from '@hcw/common';
import { HttpAgent, postForm } from '#test-support/http-agent.js';
import { inProcessBroker } from '#test-support/in-process-broker.js';
import { anotherKeyPair } from '#test-support/saml-attack.js';
import {
  startSimpleSamlPhpIdp,
  type IdpUser,
  type SimpleSamlPhpIdp,
} from '#test-support/simplesamlphp-idp.js';
import { workspace } from '#test-support/workspace.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { canConnect } from '#scripts/stack/managed-process.js';

type Broker = Awaited<ReturnType<typeof inProcessBroker>>;

const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
/** What SimpleSAMLphp asserts for its own user-and-password sign-in over plain HTTP. */
const SIMPLESAMLPHP_PASSWORD_CONTEXT = 'urn:oasis:names:tc:SAML:2.0:ac:classes:Password';
/** Redis database 8: these brokers' sessions and counters stay apart from the shared workspace's. */
const REDIS_DB = 8;

const yamada: IdpUser = {
  username: 'kango.yamada',
  password: 'Yamada-Pass-2026',
  attributes: {
    uid: ['kango.yamada'],
    displayName: ['山田 花子'],
    displayNameKana: ['ヤマダ ハナコ'],
    organisation: ['世田谷訪問看護ステーション'],
    profession: ['看護師'],
    roles: ['practitioner'],
  },
};
const nakamura: IdpUser = {
  username: 'ishi.nakamura',
  password: 'Nakamura-Pass-2026',
  attributes: {
    uid: ['ishi.nakamura'],
    displayName: ['中村 一郎'],
    organisation: ['杉並在宅クリニック'],
    profession: ['医師'],
    roles: ['practitioner'],
  },
};

describe('sign-in with SimpleSAMLphp, an IdP nobody here wrote', function () {
  // Installing SimpleSAMLphp on a fresh machine takes a while; once it is there, the suite takes seconds.
  this.timeout(15 * 60 * 1000);
  let stack: WorkspaceStack;
  let audit: pg.Pool;
  const running: { stop(): Promise<void> }[] = [];

  before(async () => {
    stack = await workspace();
    audit = new pg.Pool({ connectionString: stack.brokerDatabaseUrl, max: 2 });
    const redis = createClient(redisClientOptions(`${stack.redisUrl}/${REDIS_DB}`, stack.internalCa.pem));
    await redis.connect();
    await redis.flushDb();
    await redis.quit();
  });
  after(async () => {
    for (const part of running.reverse()) await part.stop();
    await audit?.end();
  });

  async function anIdp(persistentNameIds: boolean): Promise<SimpleSamlPhpIdp> {
    const idp = await startSimpleSamlPhpIdp({ users: [yamada, nakamura], persistentNameIds });
    running.push(idp);
    return idp;
  }

  /**
   * A broker set up for the IdP from the IdP's metadata, and registered at the IdP from the broker's own
   * metadata, the way both operators would do it.
   */
  async function aBrokerFor(idp: SimpleSamlPhpIdp, settings: Record<string, string> = {}): Promise<Broker> {
    const sp = anotherKeyPair();
    const broker = await inProcessBroker(
      stack,
      {
        BROKER_REDIS_URL: `${stack.redisUrl}/${REDIS_DB}`,
        SAML_IDP_SSO_URL: idp.ssoUrl,
        SAML_IDP_ENTITY_ID: idp.entityId,
        SAML_IDP_CERT_FILE: idp.certFile,
        SAML_IDP_SLO_URL: idp.sloUrl,
        SAML_SP_KEY_FILE: sp.keyFile,
        SAML_SP_CERT_FILE: sp.certFile,
        // The second factor has suites of its own; here the IdP's password sign-in is taken as enough.
        SAML_MFA_CONTEXTS: SIMPLESAMLPHP_PASSWORD_CONTEXT,
        ...settings,
      },
      { listen: true },
    );
    running.push({ stop: () => broker.close() });
    const metadata = await fetch(`${broker.url}/auth/saml/metadata`);
    assert.equal(metadata.status, 200);
    await idp.registerServiceProvider(await metadata.text());
    return broker;
  }

  /** Opens the broker, signs in at the IdP's own page and lets the IdP's form post the answer to the broker. */
  async function signIn(
    agent: HttpAgent,
    broker: Broker,
    user: IdpUser,
  ): Promise<{ acs: Response; samlResponse: string; assertion: string }> {
    const login = await agent.open(`${broker.url}/auth/login`);
    assert.match(login.url, /\/module\.php\/core\/loginuserpass\.php/, "the IdP's sign-in page");
    const form = postForm(login.html, login.url);
    assert.ok(form, 'a sign-in form');
    const signedIn = await agent.post(form.action, {
      ...form.fields,
      username: user.username,
      password: user.password,
    });
    const page = await agent.follow(signedIn, form.action);
    const answer = postForm(await page.response.text(), page.url);
    assert.equal(answer?.action, `${broker.url}/auth/saml/acs`, 'the IdP posts its answer to the broker');
    const samlResponse = answer.fields['SAMLResponse'] ?? '';
    const acs = await agent.post(answer.action, answer.fields);
    return { acs, samlResponse, assertion: Buffer.from(samlResponse, 'base64').toString('utf8') };
  }

  async function me(
    agent: HttpAgent,
    broker: Broker,
  ): Promise<{ id: string; displayName: string } | undefined> {
    const answer = await agent.get(`${broker.url}/api/me`);
    return answer.status === 200 ? ((await answer.json()) as { id: string; displayName: string }) : undefined;
  }

  async function audited(type: string, outcome: string, reason?: string): Promise<number> {
    const { rows } = await audit.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_events WHERE type = $1 AND outcome = $2
         AND ($3::text IS NULL OR details->>'reason' = $3)`,
      [type, outcome, reason ?? null],
    );
    return Number(rows[0]!.n);
  }

  function nameIdOf(assertion: string): { format: string | undefined; value: string | undefined } {
    const match = /<saml:NameID([^>]*)>([^<]*)<\/saml:NameID>/.exec(assertion);
    return { format: /Format="([^"]+)"/.exec(match?.[1] ?? '')?.[1], value: match?.[2] };
  }

  describe('with its defaults, which send transient NameIDs', () => {
    let idp: SimpleSamlPhpIdp;
    let byNameId: Broker;
    let byAttribute: Broker;

    before(async () => {
      idp = await anIdp(false);
      byNameId = await aBrokerFor(idp);
      byAttribute = await aBrokerFor(idp, { SAML_USER_ID_ATTRIBUTE: 'uid' });
    });

    it('refuses to take a transient NameID for the user, with a page that says why, and records it', async () => {
      const before = await audited('sign-in', 'failure', 'name-id-not-persistent');
      const agent = new HttpAgent();
      const { acs, assertion } = await signIn(agent, byNameId, yamada);
      assert.equal(nameIdOf(assertion).format, TRANSIENT, "SimpleSAMLphp's default");
      assert.equal(acs.status, 403);
      const page = await acs.text();
      assert.match(page, /永続的な NameID/);
      assert.match(page, /persistent NameID/);
      assert.equal(await me(agent, byNameId), undefined, 'not signed in');
      assert.equal(await audited('sign-in', 'failure', 'name-id-not-persistent'), before + 1);
    });

    it('signs in by the configured identifier attribute, with Japanese names intact', async () => {
      const agent = new HttpAgent();
      const { acs } = await signIn(agent, byAttribute, yamada);
      assert.equal(acs.status, 303, await acs.clone().text());
      assert.equal(acs.headers.get('location'), '/');
      assert.deepEqual(await me(agent, byAttribute), { id: 'kango.yamada', displayName: '山田 花子' });
      const { rows } = await audit.query<{ actor_organisation: string }>(
        "SELECT actor_organisation FROM audit_events WHERE type = 'sign-in' AND outcome = 'success' AND actor_id = $1 ORDER BY id DESC LIMIT 1",
        ['kango.yamada'],
      );
      assert.equal(rows[0]?.actor_organisation, '世田谷訪問看護ステーション');
    });

    it('refuses a captured SAML response posted again (replay)', async () => {
      const { acs, samlResponse } = await signIn(new HttpAgent(), byAttribute, nakamura);
      assert.equal(acs.status, 303, 'first use');
      for (const agent of [new HttpAgent(), new HttpAgent()]) {
        const replayed = await agent.post(`${byAttribute.url}/auth/saml/acs`, { SAMLResponse: samlResponse });
        assert.equal(replayed.status, 401);
        assert.equal(await me(agent, byAttribute), undefined);
      }
    });

    it("signs out from the broker: the session ends, the IdP's signed answer comes back by POST and is accepted, and it cannot be used again", async () => {
      const agent = new HttpAgent();
      assert.equal((await signIn(agent, byAttribute, yamada)).acs.status, 303);
      const out = await agent.post(`${byAttribute.url}/auth/logout`, {});
      assert.equal(out.status, 303);
      assert.ok(out.headers.get('location')?.startsWith(`${idp.sloUrl}?SAMLRequest=`), 'to the IdP');
      assert.equal(await me(agent, byAttribute), undefined, 'the session ended before the IdP answered');

      const atIdp = await agent.follow(out, `${byAttribute.url}/auth/logout`);
      const answer = postForm(await atIdp.response.text(), atIdp.url);
      assert.equal(answer?.action, `${byAttribute.url}/auth/saml/slo`);
      assert.ok(answer.fields['SAMLResponse'], 'a LogoutResponse, by HTTP-POST as our metadata asks');
      const done = await agent.post(answer.action, answer.fields);
      assert.equal(done.status, 303, await done.clone().text());
      assert.equal(done.headers.get('location'), '/signed-out');

      const refusedBefore = await audited('single-logout', 'failure');
      const again = await new HttpAgent().post(answer.action, answer.fields);
      assert.equal(again.status, 400, 'the same answer a second time');
      assert.equal(await audited('single-logout', 'failure'), refusedBefore + 1);

      const next = await agent.open(`${byAttribute.url}/auth/login`);
      assert.match(next.url, /loginuserpass/, 'the IdP asks for the password again: its session ended too');
    });

    it("signs out from the IdP: the IdP's signed request by POST ends the session here, the broker's signed answer completes it, and the request cannot be used again", async () => {
      const agent = new HttpAgent();
      assert.equal((await signIn(agent, byAttribute, nakamura)).acs.status, 303);
      assert.equal((await me(agent, byAttribute))?.id, 'ishi.nakamura');
      const endedBefore = await audited('session-end', 'success');

      const atIdp = await agent.open(idp.logoutUrl());
      const request = postForm(atIdp.html, atIdp.url);
      assert.equal(request?.action, `${byAttribute.url}/auth/saml/slo`);
      assert.ok(request.fields['SAMLRequest'], 'a LogoutRequest, by HTTP-POST as our metadata asks');
      const answered = await agent.post(request.action, request.fields);
      assert.equal(answered.status, 303, await answered.clone().text());
      assert.equal(await me(agent, byAttribute), undefined, 'the session here ended');
      assert.equal(await audited('session-end', 'success'), endedBefore + 1);

      assert.ok(answered.headers.get('location')?.startsWith(`${idp.sloUrl}?SAMLResponse=`));
      const back = await agent.follow(answered, request.action);
      assert.equal(back.response.status, 200);
      assert.equal(new URL(back.url).pathname, '/logout.php', 'the IdP took our answer and finished');

      const refusedBefore = await audited('single-logout', 'failure');
      const again = await new HttpAgent().post(request.action, request.fields);
      assert.equal(again.status, 400, 'the same request a second time');
      assert.equal(await audited('single-logout', 'failure'), refusedBefore + 1);
    });
  });

  it('leaves nothing running once stopped', async () => {
    const idp = await startSimpleSamlPhpIdp({ users: [yamada] });
    const { port } = new URL(idp.url);
    assert.equal((await fetch(`${idp.url}/saml2/idp/metadata.php`)).status, 200);
    await idp.stop();
    assert.equal(await canConnect('127.0.0.1', Number(port)), false);
  });

  describe('set up by its operator to send persistent NameIDs', () => {
    let idp: SimpleSamlPhpIdp;
    let broker: Broker;

    before(async () => {
      idp = await anIdp(true);
      broker = await aBrokerFor(idp);
    });

    it('signs in by the persistent NameID, the same user every time, with Japanese names intact', async () => {
      const first = new HttpAgent();
      const { acs, assertion } = await signIn(first, broker, yamada);
      const nameId = nameIdOf(assertion);
      assert.equal(nameId.format, PERSISTENT);
      assert.equal(acs.status, 303, await acs.clone().text());
      assert.deepEqual(await me(first, broker), { id: nameId.value, displayName: '山田 花子' });

      const second = new HttpAgent();
      assert.equal((await signIn(second, broker, yamada)).acs.status, 303);
      assert.equal((await me(second, broker))?.id, nameId.value, 'the same user at the next sign-in');
      const other = new HttpAgent();
      assert.equal((await signIn(other, broker, nakamura)).acs.status, 303);
      assert.notEqual((await me(other, broker))?.id, nameId.value, 'another person is another user');
    });

    it('signs out both ways', async () => {
      const agent = new HttpAgent();
      assert.equal((await signIn(agent, broker, nakamura)).acs.status, 303);
      const atIdp = await agent.follow(await agent.post(`${broker.url}/auth/logout`, {}), `${broker.url}/`);
      const answer = postForm(await atIdp.response.text(), atIdp.url);
      assert.ok(answer, "the IdP's answer");
      const done = await agent.post(answer.action, answer.fields);
      assert.equal(done.headers.get('location'), '/signed-out', 'started here');

      assert.equal((await signIn(agent, broker, nakamura)).acs.status, 303);
      const request = postForm((await agent.open(idp.logoutUrl())).html, idp.url);
      assert.ok(request, "the IdP's request");
      const answered = await agent.post(request.action, request.fields);
      assert.equal(answered.status, 303, 'started at the IdP');
      assert.equal(await me(agent, broker), undefined);
      const back = await agent.follow(answered, request.action);
      assert.equal(new URL(back.url).pathname, '/logout.php');
    });
  });
});
