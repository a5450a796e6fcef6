import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import pg from 'pg';
import request from 'supertest';
import { aResponse, MFA_CONTEXT, postToAcs, startLogin } from '#test-support/saml-attack.js';
import { inProcessBroker } from '#test-support/in-process-broker.js';
import { workspace } from '#test-support/workspace.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { buildSamlResponse, type AssertionSubject } from '#broker/auth/saml-response.js';

const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';

/** A subject as an IdP might assert it: who, in which NameID format, with which attributes. */
function aSubject(overrides: Partial<AssertionSubject> = {}): AssertionSubject {
  return {
    nameId: 'nurse.sato',
    authnContextClassRef: MFA_CONTEXT,
    attributes: {
      displayName: '佐藤 花子',
      organisation: '新宿訪問看護ステーション',
      roles: ['practitioner'],
    },
    ...overrides,
  };
}

describe('who a sign-in names', function () {
  this.timeout(120000);
  let stack: WorkspaceStack;
  let audit: pg.Pool;

  before(async () => {
    stack = await workspace();
    audit = new pg.Pool({ connectionString: stack.brokerDatabaseUrl, max: 2 });
  });
  after(async () => {
    await audit.end();
  });

  async function refusalsRecorded(reason: string): Promise<number> {
    const { rows } = await audit.query<{ n: string }>(
      "SELECT count(*) AS n FROM audit_events WHERE type = 'sign-in' AND outcome = 'failure' AND details->>'reason' = $1",
      [reason],
    );
    return Number(rows[0]!.n);
  }

  describe('by NameID (no identifier attribute configured)', () => {
    async function signInAs(subject: AssertionSubject): Promise<Response> {
      const { requestId, cookies } = await startLogin(stack);
      return postToAcs(stack, aResponse(stack, requestId, { subject }), cookies);
    }

    it('takes a persistent NameID as the user (control)', async () => {
      const answer = await signInAs(aSubject());
      assert.equal(answer.status, 303);
      assert.equal(answer.headers.get('location'), '/');
    });

    for (const [what, format] of [
      ['a transient NameID', TRANSIENT],
      ['a NameID of unspecified format', null],
      ['an e-mail address NameID', 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
    ] as const) {
      it(`refuses ${what}, saying why in Japanese and English, and records it`, async () => {
        const before = await refusalsRecorded('name-id-not-persistent');
        const answer = await signInAs(aSubject({ nameId: '_5f0c1e2d3a', nameIdFormat: format }));
        assert.equal(answer.status, 403);
        const page = await answer.text();
        assert.match(page, /永続的な NameID/);
        assert.match(page, /persistent NameID/);
        assert.equal(
          answer.headers.getSetCookie().some((c) => c.startsWith('broker.sid=')),
          false,
          'no session, not even one waiting for a second factor',
        );
        assert.equal(await refusalsRecorded('name-id-not-persistent'), before + 1, 'recorded');
      });
    }

    it('does not count such a refusal as a failed sign-in of the address', async () => {
      const broker = await inProcessBroker(stack, {
        BROKER_REDIS_URL: `${stack.redisUrl}/6`,
        SIGN_IN_FAILURES_PER_ADDRESS: '2',
        SAML_IDP_CERT_FILE: stack.devIdp.certFile,
        SAML_IDP_ENTITY_ID: stack.devIdp.entityId,
      });
      try {
        const agent = request(broker.app);
        for (let i = 0; i < 3; i++) {
          const answer = await postTo(agent, broker.config, aSubject({ nameIdFormat: TRANSIENT }));
          assert.equal(answer.status, 403);
        }
        const afterwards = await postTo(agent, broker.config, aSubject());
        assert.equal(afterwards.status, 303, 'the address may still sign in');
      } finally {
        await broker.close();
      }
    });
  });

  describe('by a configured identifier attribute', () => {
    let broker: Awaited<ReturnType<typeof inProcessBroker>>;
    before(async () => {
      broker = await inProcessBroker(stack, {
        BROKER_REDIS_URL: `${stack.redisUrl}/6`,
        SAML_IDP_CERT_FILE: stack.devIdp.certFile,
        SAML_IDP_ENTITY_ID: stack.devIdp.entityId,
        SAML_USER_ID_ATTRIBUTE: 'uid',
      });
    });
    after(async () => {
      await broker?.close();
    });

    async function signedInAs(subject: AssertionSubject): Promise<string | undefined> {
      const agent = request.agent(broker.app);
      const answer = await postTo(agent, broker.config, subject);
      if (answer.status !== 303) return undefined;
      const me = await agent.get('/api/me');
      return me.status === 200 ? (me.body as { id: string }).id : undefined;
    }

    it('takes the attribute as the user, whatever transient NameID comes with it', async () => {
      const withUid = (nameId: string) =>
        aSubject({
          nameId,
          nameIdFormat: TRANSIENT,
          attributes: { ...aSubject().attributes, uid: 'kango.sato' },
        });
      assert.equal(await signedInAs(withUid('_transient-one')), 'kango.sato');
      assert.equal(await signedInAs(withUid('_transient-two')), 'kango.sato', 'the same person next time');
    });

    it('refuses an assertion without the attribute, or with two values of it', async () => {
      for (const uid of [undefined, ['kango.sato', 'kango.suzuki']]) {
        const attributes = uid ? { ...aSubject().attributes, uid } : aSubject().attributes;
        const agent = request(broker.app);
        const answer = await postTo(agent, broker.config, aSubject({ nameIdFormat: TRANSIENT, attributes }));
        assert.equal(answer.status, 403);
        assert.match(answer.text, /利用者 ID の属性「uid」/);
        assert.match(answer.text, /attribute &quot;uid&quot;/);
      }
    });
  });

  it('advertises the persistent NameID format in its metadata', async () => {
    const metadata = await (await fetch(`${stack.brokerUrl}/auth/saml/metadata`)).text();
    assert.match(
      metadata,
      /<NameIDFormat>urn:oasis:names:tc:SAML:2\.0:nameid-format:persistent<\/NameIDFormat>/,
    );
  });

  /** Starts a sign-in at an in-process broker and posts the development IdP's signed answer for `subject`. */
  async function postTo(
    agent: ReturnType<typeof request> | ReturnType<typeof request.agent>,
    config: Awaited<ReturnType<typeof inProcessBroker>>['config'],
    subject: AssertionSubject,
  ) {
    const login = await agent.get('/auth/login');
    const location = new URL(login.headers['location'] ?? '');
    const authnRequest = inflateRawSync(
      Buffer.from(location.searchParams.get('SAMLRequest') ?? '', 'base64'),
    ).toString('utf8');
    const { xml } = buildSamlResponse({
      issuer: stack.devIdp.entityId,
      audience: config.saml.spEntityId,
      destination: config.saml.acsUrl,
      inResponseTo: /ID="([^"]+)"/.exec(authnRequest)?.[1],
      signingKey: readFileSync(stack.devIdp.keyFile, 'utf8'),
      signingCert: readFileSync(stack.devIdp.certFile, 'utf8'),
      subject,
    });
    return agent
      .post('/auth/saml/acs')
      .type('form')
      .send({ SAMLResponse: Buffer.from(xml).toString('base64') });
  }
});
