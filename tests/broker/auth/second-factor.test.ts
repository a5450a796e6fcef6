import assert from 'node:assert/strict';
import pg from 'pg';
import { createClient } from 'redis';
import { redisClientOptions } from '@hcw/common';
import {
  Cookies,
  hiddenField,
  redeemEnrolmentCodeOverHttp,
  signInOverHttp,
  signOutOverHttp,
} from '#test-support/http-sign-in.js';
import { nextTotpCode, rememberTotpSecret } from '#test-support/totp.js';
import { workspace } from '#test-support/workspace.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';

async function post(
  stack: WorkspaceStack,
  cookies: Cookies,
  path: string,
  body: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${stack.brokerUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookies.header(), ...headers },
    body: new URLSearchParams(body),
  });
  cookies.take(response);
  return response;
}

describe('second factor', function () {
  this.timeout(180000);
  let stack: WorkspaceStack;
  let db: pg.Pool;

  before(async () => {
    stack = await workspace();
    db = new pg.Pool({ connectionString: stack.brokerDatabaseUrl, max: 2 });
  });
  after(async () => {
    await db.end();
    // Other suites sign in as the same demo users: leave no account locked out behind.
    const redis = createClient(redisClientOptions(stack.redisUrl, stack.internalCa.pem));
    await redis.connect();
    for await (const keys of redis.scanIterator({ MATCH: 'limit:second-factor:*' })) {
      if (keys.length > 0) await redis.del(keys);
    }
    await redis.quit();
  });

  async function auditCount(type: string, outcome: string, actor: string): Promise<number> {
    const { rows } = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM audit_events WHERE type = $1 AND outcome = $2 AND actor_id = $3',
      [type, outcome, actor],
    );
    return Number(rows[0]!.n);
  }

  it('asks for a second factor after the password when the IdP did not do multi-factor', async () => {
    const { cookies, acsStatus } = await signInOverHttp(stack.brokerUrl, 'beds.ito', {
      stopAtSecondFactor: true,
    });
    assert.equal(acsStatus, 303);
    const home = await fetch(`${stack.brokerUrl}/api/me`, { headers: { cookie: cookies.header() } });
    assert.equal(home.status, 401, 'not signed in before the second factor');
  });

  it('lets a user in directly when the IdP asserts multi-factor (dr.tanaka)', async () => {
    const { cookies } = await signInOverHttp(stack.brokerUrl, 'dr.tanaka', { stopAtSecondFactor: true });
    const me = await fetch(`${stack.brokerUrl}/api/me`, { headers: { cookie: cookies.header() } });
    assert.equal(me.status, 200);
    await signOutOverHttp(stack.brokerUrl, cookies);
  });

  it('enrols an authenticator app at the first sign-in, then requires its code', async () => {
    const first = await signInOverHttp(stack.brokerUrl, 'beds.ito');
    assert.equal(
      (await fetch(`${stack.brokerUrl}/api/me`, { headers: { cookie: first.cookies.header() } })).status,
      200,
    );
    await signOutOverHttp(stack.brokerUrl, first.cookies);

    const second = await signInOverHttp(stack.brokerUrl, 'beds.ito', { stopAtSecondFactor: true });
    const before = await auditCount('second-factor', 'failure', 'beds.ito');
    const wrong = await post(stack, second.cookies, '/auth/second-factor/totp', { code: '000000' });
    assert.equal(wrong.status, 401);
    assert.equal(await auditCount('second-factor', 'failure', 'beds.ito'), before + 1);
    const right = await post(stack, second.cookies, '/auth/second-factor/totp', {
      code: await nextTotpCode(stack.brokerUrl, 'beds.ito'),
    });
    assert.equal(right.status, 303);
    assert.equal(
      (await fetch(`${stack.brokerUrl}/api/me`, { headers: { cookie: second.cookies.header() } })).status,
      200,
    );
    await signOutOverHttp(stack.brokerUrl, second.cookies);
  });

  it('accepts each code only once', async () => {
    await signInOverHttp(stack.brokerUrl, 'audit.watanabe'); // asserts MFA: no factor needed, nothing enrolled
    const a = await signInOverHttp(stack.brokerUrl, 'msw.takahashi');
    await signOutOverHttp(stack.brokerUrl, a.cookies);
    const b = await signInOverHttp(stack.brokerUrl, 'msw.takahashi', { stopAtSecondFactor: true });
    const code = await nextTotpCode(stack.brokerUrl, 'msw.takahashi');
    assert.equal((await post(stack, b.cookies, '/auth/second-factor/totp', { code })).status, 303);
    await signOutOverHttp(stack.brokerUrl, b.cookies);
    const c = await signInOverHttp(stack.brokerUrl, 'msw.takahashi', { stopAtSecondFactor: true });
    assert.equal(
      (await post(stack, c.cookies, '/auth/second-factor/totp', { code })).status,
      401,
      'the same code again',
    );
  });

  it('stops second-factor attempts on one account after repeated failures, even with the right code', async () => {
    const user = 'cm.suzuki';
    const enrolled = await signInOverHttp(stack.brokerUrl, user);
    await signOutOverHttp(stack.brokerUrl, enrolled.cookies);
    const attempt = await signInOverHttp(stack.brokerUrl, user, { stopAtSecondFactor: true });
    for (let i = 0; i < 5; i++) {
      assert.equal(
        (await post(stack, attempt.cookies, '/auth/second-factor/totp', { code: '123456' })).status,
        401,
      );
    }
    const blocked = await post(stack, attempt.cookies, '/auth/second-factor/totp', {
      code: await nextTotpCode(stack.brokerUrl, user),
    });
    assert.equal(blocked.status, 429);
    assert.match(await blocked.text(), /一時的に受け付けを停止/);
    assert.ok(await auditCount('second-factor', 'failure', user));
  });

  it('lets a recovery code replace a lost authenticator, but not stand in for it', async () => {
    const user = 'pharm.kobayashi';
    const first = await signInOverHttp(stack.brokerUrl, user, { stopAtSecondFactor: true });
    await redeemEnrolmentCodeOverHttp(stack.brokerUrl, first.cookies, user);
    const page = await (
      await fetch(`${stack.brokerUrl}/auth/second-factor`, { headers: { cookie: first.cookies.header() } })
    ).text();
    const secret = /<code>([A-Z2-7]+)<\/code>/.exec(page)![1]!;
    rememberTotpSecret(stack.brokerUrl, user, secret);
    await post(stack, first.cookies, '/auth/second-factor/totp/enrol', {
      code: await nextTotpCode(stack.brokerUrl, user),
      challenge: hiddenField(page, 'challenge'),
    });
    const codesPage = await (
      await fetch(`${stack.brokerUrl}/auth/second-factor/recovery-codes`, {
        headers: { cookie: first.cookies.header() },
      })
    ).text();
    const codes = [...codesPage.matchAll(/<li><code>([A-Z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
    assert.equal(codes.length, 10);
    assert.equal((await post(stack, first.cookies, '/auth/second-factor/complete', {})).status, 303);
    await signOutOverHttp(stack.brokerUrl, first.cookies);

    const lost = await signInOverHttp(stack.brokerUrl, user, { stopAtSecondFactor: true });
    const recovered = await post(stack, lost.cookies, '/auth/second-factor/recovery', { code: codes[0]! });
    assert.equal(recovered.status, 303);
    assert.equal(
      (await fetch(`${stack.brokerUrl}/api/me`, { headers: { cookie: lost.cookies.header() } })).status,
      401,
      'still not in',
    );
    const enrolPage = await (
      await fetch(`${stack.brokerUrl}/auth/second-factor`, { headers: { cookie: lost.cookies.header() } })
    ).text();
    assert.match(enrolPage, /2段階目の認証を登録/, 'asked to enrol a new factor');
    const again = await signInOverHttp(stack.brokerUrl, user, { stopAtSecondFactor: true });
    assert.equal(
      (await post(stack, again.cookies, '/auth/second-factor/recovery', { code: codes[0]! })).status,
      401,
      'used once',
    );
  });

  it("lets an IT administrator reset a user's factors, and nobody else", async () => {
    const practitioner = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
    const refused = await fetch(`${stack.brokerUrl}/api/admin/users/nurse.sato/second-factors/reset`, {
      method: 'POST',
      headers: { cookie: practitioner.cookies.header(), 'x-requested-with': 'hcw-client' },
    });
    assert.equal(refused.status, 403);
    await signOutOverHttp(stack.brokerUrl, practitioner.cookies);

    const admin = await signInOverHttp(stack.brokerUrl, 'admin.yamamoto');
    const adminActionsBefore = await auditCount('admin-action', 'success', 'admin.yamamoto');
    const reset = await fetch(`${stack.brokerUrl}/api/admin/users/beds.ito/second-factors/reset`, {
      method: 'POST',
      headers: { cookie: admin.cookies.header(), 'x-requested-with': 'hcw-client' },
    });
    assert.equal(reset.status, 200);
    assert.ok(((await reset.json()) as { removed: number }).removed >= 1);
    assert.equal(await auditCount('admin-action', 'success', 'admin.yamamoto'), adminActionsBefore + 1);
    await signOutOverHttp(stack.brokerUrl, admin.cookies);
    const next = await signInOverHttp(stack.brokerUrl, 'beds.ito', { stopAtSecondFactor: true });
    const page = await (
      await fetch(`${stack.brokerUrl}/auth/second-factor`, { headers: { cookie: next.cookies.header() } })
    ).text();
    assert.match(
      page,
      /管理者が2段階目の認証をリセットしました/,
      'told why, and asked for an enrolment code',
    );
    assert.match(page, /action="\/auth\/second-factor\/enrolment-code"/);
    const passwordOnly = await fetch(`${stack.brokerUrl}/auth/second-factor/webauthn/registration-options`, {
      method: 'POST',
      headers: { cookie: next.cookies.header() },
    });
    assert.equal(passwordOnly.status, 403, 'the password alone enrols nothing after a reset');
    // With the enrolment code the administrator gave out, the user enrols again.
    await redeemEnrolmentCodeOverHttp(stack.brokerUrl, next.cookies, 'beds.ito');
    const enrolPage = await (
      await fetch(`${stack.brokerUrl}/auth/second-factor`, { headers: { cookie: next.cookies.header() } })
    ).text();
    assert.match(enrolPage, /2段階目の認証を登録/);
  });

  it('lets a user the IdP signed in with multi-factor enrol a factor without an enrolment code', async () => {
    const user = 'audit.watanabe'; // the IdP asserts multi-factor for this user: straight in
    const { cookies } = await signInOverHttp(stack.brokerUrl, user);
    const page = await (
      await fetch(`${stack.brokerUrl}/auth/second-factor`, { headers: { cookie: cookies.header() } })
    ).text();
    assert.match(page, /2段階目の認証を登録/, 'offered enrolment, no enrolment code asked');
    const secret = /このキーを入力してください：<code>([A-Z2-7]+)<\/code>/.exec(page)![1]!;
    rememberTotpSecret(stack.brokerUrl, user, secret);
    const enrolled = await post(stack, cookies, '/auth/second-factor/totp/enrol', {
      code: await nextTotpCode(stack.brokerUrl, user),
      challenge: hiddenField(page, 'challenge'),
    });
    assert.equal(enrolled.status, 303);
    const codes = await (
      await fetch(`${stack.brokerUrl}/auth/second-factor/recovery-codes`, {
        headers: { cookie: cookies.header() },
      })
    ).text();
    assert.equal([...codes.matchAll(/<li><code>/g)].length, 10);
    const onward = await post(stack, cookies, '/auth/second-factor/complete', {});
    assert.equal(onward.status, 303);
    assert.equal(onward.headers.get('location'), '/');
    assert.equal(
      (await fetch(`${stack.brokerUrl}/api/me`, { headers: { cookie: cookies.header() } })).status,
      200,
    );
    await signOutOverHttp(stack.brokerUrl, cookies);

    // Control: signed in with the password and an authenticator app, nobody enrols more this way.
    const other = await signInOverHttp(stack.brokerUrl, 'msw.takahashi');
    const asked = await fetch(`${stack.brokerUrl}/auth/second-factor`, {
      redirect: 'manual',
      headers: { cookie: other.cookies.header() },
    });
    assert.equal(asked.status, 303);
    assert.equal(asked.headers.get('location'), '/auth/login');
    const options = await fetch(`${stack.brokerUrl}/auth/second-factor/webauthn/registration-options`, {
      method: 'POST',
      headers: { cookie: other.cookies.header() },
    });
    assert.equal(options.status, 401);
    await signOutOverHttp(stack.brokerUrl, other.cookies);
  });

  it('has the development IdP list an enrolment code for each demo user who needs one, and only for them', async () => {
    // beds.ito was reset above and has not enrolled again; msw.takahashi has an authenticator app.
    const listed = (await (await fetch(`${stack.brokerUrl}/dev-idp/enrolment-codes`)).json()) as {
      codes: Record<string, string>;
    };
    assert.match(listed.codes['beds.ito'] ?? '', /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    for (const user of ['msw.takahashi', 'dr.tanaka', 'admin.yamamoto', 'audit.watanabe']) {
      assert.equal(listed.codes[user], undefined, user);
    }
    const login = await fetch(`${stack.brokerUrl}/auth/login`, { redirect: 'manual' });
    const idpPage = await (await fetch(login.headers.get('location')!)).text();
    assert.ok(idpPage.includes(listed.codes['beds.ito']!), 'the sign-in page lists the same code');
    const again = (await (await fetch(`${stack.brokerUrl}/dev-idp/enrolment-codes`)).json()) as {
      codes: Record<string, string>;
    };
    assert.equal(again.codes['beds.ito'], listed.codes['beds.ito'], 'a pending code is listed until used');
  });

  it('leaves a code an administrator issued in the console alone: the development IdP neither replaces nor lists it', async () => {
    const admin = await signInOverHttp(stack.brokerUrl, 'admin.yamamoto');
    const issued = await fetch(`${stack.brokerUrl}/admin/api/enrolment-codes`, {
      method: 'POST',
      headers: {
        cookie: admin.cookies.header(),
        'x-requested-with': 'hcw-client',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ userId: 'beds.ito' }),
    });
    assert.equal(issued.status, 201);
    const { code } = (await issued.json()) as { code: string };
    await signOutOverHttp(stack.brokerUrl, admin.cookies);
    const listed = (await (await fetch(`${stack.brokerUrl}/dev-idp/enrolment-codes`)).json()) as {
      codes: Record<string, string>;
    };
    assert.equal(listed.codes['beds.ito'], undefined, 'the administrator hands this one over');
    const signingIn = await signInOverHttp(stack.brokerUrl, 'beds.ito', { stopAtSecondFactor: true });
    const typed = await post(stack, signingIn.cookies, '/auth/second-factor/enrolment-code', { code });
    assert.equal(typed.status, 303);
    assert.equal(typed.headers.get('location'), '/auth/second-factor');
  });
});
