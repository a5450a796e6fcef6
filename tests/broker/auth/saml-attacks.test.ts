import assert from 'node:assert/strict';
import pg from 'pg';
import { anotherKeyPair, aResponse, postToAcs, startLogin } from '#test-support/saml-attack.js';
import { workspace } from '#test-support/workspace.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';

describe('SAML service provider under attack', function () {
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

  async function failuresRecorded(): Promise<number> {
    const { rows } = await audit.query<{ n: string }>(
      "SELECT count(*) AS n FROM audit_events WHERE type = 'sign-in' AND outcome = 'failure'",
    );
    return Number(rows[0]!.n);
  }

  async function expectRefused(xml: string, cookies?: Parameters<typeof postToAcs>[2]): Promise<void> {
    const before = await failuresRecorded();
    const response = await postToAcs(stack, xml, cookies);
    assert.equal(response.status, 401, 'refused');
    assert.equal(
      response.headers.getSetCookie().some((c) => c.startsWith('broker.sid=')),
      false,
      'no session',
    );
    assert.equal(await failuresRecorded(), before + 1, 'an audit event records the refusal');
  }

  it('accepts a correct, signed response to its own request (control)', async () => {
    const { requestId, cookies } = await startLogin(stack);
    const response = await postToAcs(stack, aResponse(stack, requestId), cookies);
    assert.equal(response.status, 303);
  });

  it('refuses an expired response', async () => {
    const { requestId, cookies } = await startLogin(stack);
    await expectRefused(aResponse(stack, requestId, { shiftSeconds: -3600 }), cookies);
  });

  it('refuses a response that is not yet valid', async () => {
    const { requestId, cookies } = await startLogin(stack);
    await expectRefused(aResponse(stack, requestId, { shiftSeconds: 3600 }), cookies);
  });

  it('refuses an unsigned response', async () => {
    const { requestId, cookies } = await startLogin(stack);
    await expectRefused(aResponse(stack, requestId, { sign: false }), cookies);
  });

  it('refuses a response signed by another key', async () => {
    const { requestId, cookies } = await startLogin(stack);
    const other = anotherKeyPair();
    await expectRefused(
      aResponse(stack, requestId, { signingKey: other.key, signingCert: other.cert }),
      cookies,
    );
  });

  it('refuses a response for another audience', async () => {
    const { requestId, cookies } = await startLogin(stack);
    await expectRefused(
      aResponse(stack, requestId, { audience: 'https://another-service.example' }),
      cookies,
    );
  });

  it('refuses a response addressed to another recipient', async () => {
    const { requestId, cookies } = await startLogin(stack);
    await expectRefused(
      aResponse(stack, requestId, { destination: 'https://another-service.example/acs' }),
      cookies,
    );
  });

  it('refuses a response without InResponseTo', async () => {
    const { cookies } = await startLogin(stack);
    await expectRefused(aResponse(stack, undefined), cookies);
  });

  it('refuses a response to a request it never made', async () => {
    const { cookies } = await startLogin(stack);
    await expectRefused(aResponse(stack, '_never-requested-0123456789'), cookies);
  });

  it('refuses a replayed response', async () => {
    const { requestId, cookies } = await startLogin(stack);
    const xml = aResponse(stack, requestId);
    assert.equal((await postToAcs(stack, xml, cookies)).status, 303);
    await expectRefused(xml, cookies);
  });

  it('refuses a signature-wrapped response whose outer assertion names someone else', async () => {
    const { requestId, cookies } = await startLogin(stack);
    const genuine = aResponse(stack, requestId, {}, 'nurse.sato');
    // Wrapping: keep the signed assertion, but put an unsigned, altered copy in front of it.
    const assertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(genuine)![0];
    const forged = assertion
      .replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '')
      .replace('>nurse.sato<', '>admin.yamamoto<')
      .replace(/ID="[^"]+"/, 'ID="_forged"');
    await expectRefused(genuine.replace(assertion, forged + assertion), cookies);
  });

  it('refuses a response whose signed assertion was altered after signing', async () => {
    const { requestId, cookies } = await startLogin(stack);
    await expectRefused(aResponse(stack, requestId).replace('>nurse.sato<', '>admin.yamamoto<'), cookies);
  });
});
