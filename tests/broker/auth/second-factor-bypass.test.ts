import assert from 'node:assert/strict';
import pg from 'pg';
import { Cookies, signInOverHttp, signOutOverHttp } from '#test-support/http-sign-in.js';
import { SoftwareAuthenticator } from '#test-support/software-authenticator.js';
import { workspace } from '#test-support/workspace.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';

/**
 * Issue 14's attack, as reported: someone who knows only a user's password asks for a passkey *sign-in*
 * challenge, then posts a passkey *registration* made by their own software authenticator over it. Before
 * the fix the broker added the passkey, replaced the recovery codes and signed the attacker in. Controls:
 * the same software authenticator is accepted where enrolment is allowed (second-factor/second-factor-
 * routes.test.ts, "enrolling × passkey-registration × fresh challenge"), and the state machine's table
 * reports this bypass when run against the old rule (second-factor/factor-flow.test.ts).
 */
describe('second factor: the password alone never adds a factor', function () {
  this.timeout(180000);
  const victim = 'nurse.sato';
  let stack: WorkspaceStack;
  let db: pg.Pool;

  before(async () => {
    stack = await workspace();
    db = new pg.Pool({ connectionString: stack.brokerDatabaseUrl, max: 2 });
  });
  after(async () => {
    await db.end();
  });

  async function postJson(cookies: Cookies, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${stack.brokerUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookies.header(), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    cookies.take(response);
    return response;
  }

  const passkeysOf = async (user: string): Promise<number> =>
    Number(
      (
        await db.query<{ n: string }>(
          "SELECT count(*) AS n FROM second_factors WHERE user_id = $1 AND kind = 'webauthn'",
          [user],
        )
      ).rows[0]!.n,
    );

  const recoveryCodesOf = async (user: string): Promise<string[]> =>
    (
      await db.query<{ code_hash: string }>(
        'SELECT code_hash FROM recovery_codes WHERE user_id = $1 ORDER BY code_hash',
        [user],
      )
    ).rows.map((r) => r.code_hash);

  it('refuses a passkey registered over a sign-in challenge, keeps the victim’s factors, and signs nobody in', async () => {
    const own = await signInOverHttp(stack.brokerUrl, victim); // the victim has an authenticator app
    await signOutOverHttp(stack.brokerUrl, own.cookies);
    const passkeysBefore = await passkeysOf(victim);
    const codesBefore = await recoveryCodesOf(victim);

    const attacker = await signInOverHttp(stack.brokerUrl, victim, { stopAtSecondFactor: true });
    const options = (await (
      await postJson(attacker.cookies, '/auth/second-factor/webauthn/authentication-options')
    ).json()) as { challenge?: string };
    const authenticator = new SoftwareAuthenticator();
    const registration = authenticator.register({
      challenge: options.challenge ?? 'no challenge was given',
      rpId: new URL(stack.brokerUrl).hostname,
      origin: new URL(stack.brokerUrl).origin,
    });
    const registered = await postJson(
      attacker.cookies,
      '/auth/second-factor/webauthn/registration',
      registration,
    );
    assert.ok(
      registered.status >= 400 && registered.status < 500,
      `the registration must be refused, was ${registered.status}`,
    );
    const completed = await postJson(attacker.cookies, '/auth/second-factor/complete');
    assert.notEqual(completed.status, 303, 'completing the sign-in must be refused');
    const me = await fetch(`${stack.brokerUrl}/api/me`, { headers: { cookie: attacker.cookies.header() } });
    assert.equal(me.status, 401, 'the attacker is not signed in');
    assert.equal(await passkeysOf(victim), passkeysBefore, 'no passkey was added');
    assert.deepEqual(await recoveryCodesOf(victim), codesBefore, 'the recovery codes are the victim’s own');

    // Nor does the attacker's passkey work at a later sign-in.
    const later = await signInOverHttp(stack.brokerUrl, victim, { stopAtSecondFactor: true });
    const signInOptions = (await (
      await postJson(later.cookies, '/auth/second-factor/webauthn/authentication-options')
    ).json()) as { challenge?: string };
    const assertion = authenticator.authenticate({
      challenge: signInOptions.challenge ?? 'no challenge was given',
      rpId: new URL(stack.brokerUrl).hostname,
      origin: new URL(stack.brokerUrl).origin,
    });
    const signedIn = await postJson(later.cookies, '/auth/second-factor/webauthn/authentication', assertion);
    assert.ok(signedIn.status >= 400 && signedIn.status < 500, `was ${signedIn.status}`);
    const meLater = await fetch(`${stack.brokerUrl}/api/me`, { headers: { cookie: later.cookies.header() } });
    assert.equal(meLater.status, 401);
  });
});
