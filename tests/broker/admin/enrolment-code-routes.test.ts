import assert from 'node:assert/strict';
import request from 'supertest';
import { anAdmin, consoleBroker, type ConsoleBroker } from './console-broker.js';
import { aUser } from '../desktops/fake-desktops.js';

/** Enrolment codes: issued by an administrator, listed without their codes, revoked, used once by their user. */
describe('enrolment codes in the console and the admin API', function () {
  this.timeout(120000);
  let broker: ConsoleBroker;
  let admin: string;

  before(async () => {
    broker = await consoleBroker('enrolment_codes', { env: { SIGN_IN_FAILURES_PER_ADDRESS: '100000' } });
    admin = (await broker.signIn(anAdmin())).cookie;
  });
  after(async () => {
    await broker.close();
  });

  const issue = (cookie: string, body: unknown, header = true) => {
    const call = request(broker.app).post('/admin/api/enrolment-codes').set('cookie', cookie);
    return (header ? call.set('x-requested-with', 'hcw-client') : call).send(body as object);
  };

  /** A user at the sign-in that enrols their first factor, typing a code. */
  async function redeem(userId: string, code: string): Promise<request.Response> {
    const { cookie } = await broker.startSignIn(aUser({ id: userId }));
    return request(broker.app)
      .post('/auth/second-factor/enrolment-code')
      .set('cookie', cookie)
      .type('form')
      .send({ code });
  }

  async function adminActions(action: string): Promise<Record<string, unknown>[]> {
    const { rows } = await broker.pool.query<{ details: Record<string, unknown>; actor_id: string }>(
      "SELECT details, actor_id FROM audit_events WHERE type = 'admin-action' AND details->>'action' = $1 ORDER BY id",
      [action],
    );
    return rows.map((r) => ({ ...r.details, actor: r.actor_id }));
  }

  it('issues a code for a user, shown once, stored only as a hash, and audited', async () => {
    const issued = await issue(admin, { userId: 'codes.first' }).expect(201);
    assert.match(issued.body.code, /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    assert.equal(issued.body.userId, 'codes.first');
    assert.ok(Date.parse(issued.body.expiresAt) > Date.now());
    const stored = await broker.pool.query('SELECT * FROM enrolment_codes WHERE id = $1', [issued.body.id]);
    assert.ok(!JSON.stringify(stored.rows).includes(issued.body.code), 'the code is not stored');
    assert.ok(!JSON.stringify(stored.rows).includes(issued.body.code.replaceAll('-', '')));
    const audited = (await adminActions('issue-enrolment-code')).find((d) => d.codeId === issued.body.id);
    assert.equal(audited?.subject, 'codes.first');
    assert.equal(audited?.actor, 'admin.console');
    assert.ok(!JSON.stringify(audited).includes(issued.body.code), 'the audit trail does not hold the code');
  });

  it('lists pending codes without the codes, and the console page shows them', async () => {
    const issued = await issue(admin, { userId: 'codes.listed' }).expect(201);
    const list = await request(broker.app).get('/admin/api/enrolment-codes').set('cookie', admin).expect(200);
    const entry = list.body.pending.find((p: { id: string }) => p.id === issued.body.id);
    assert.deepEqual(Object.keys(entry).sort(), ['expiresAt', 'id', 'issuedAt', 'issuedBy', 'userId']);
    assert.ok(!list.text.includes(issued.body.code));
    const page = await request(broker.app).get('/admin/enrolment-codes').set('cookie', admin).expect(200);
    assert.match(page.text, /codes\.listed/);
    assert.ok(!page.text.includes(issued.body.code));
    assert.match(
      (await request(broker.app).get('/admin/enrolment-codes?lang=en').set('cookie', admin)).text,
      /Unused enrolment codes/,
    );
  });

  it('lets the user the code was issued for use it once, and nobody else', async () => {
    const { body } = await issue(admin, { userId: 'codes.owner' }).expect(201);
    const stranger = await redeem('codes.stranger', body.code);
    assert.equal(stranger.status, 401, 'bound to its user');
    assert.match(stranger.text, /登録コードが正しくないか/);
    assert.match(stranger.text, /The enrolment code is wrong/);
    const owner = await redeem('codes.owner', body.code);
    assert.equal(owner.status, 303, 'control: its own user may use it');
    assert.equal(owner.headers.location, '/auth/second-factor');
    assert.equal((await redeem('codes.owner', body.code)).status, 401, 'used once');
  });

  it('refuses an expired code (control: the same code before it expired)', async () => {
    const fresh = await issue(admin, { userId: 'codes.expiring' }).expect(201);
    const expired = await issue(admin, { userId: 'codes.expired' }).expect(201);
    await broker.pool.query(
      "UPDATE enrolment_codes SET expires_at = now() - interval '1 second' WHERE id = $1",
      [expired.body.id],
    );
    assert.equal((await redeem('codes.expired', expired.body.code)).status, 401);
    assert.equal((await redeem('codes.expiring', fresh.body.code)).status, 303);
  });

  it('replaces a pending code when another is issued for the same user', async () => {
    const first = await issue(admin, { userId: 'codes.twice' }).expect(201);
    const second = await issue(admin, { userId: 'codes.twice' }).expect(201);
    assert.equal(second.body.replaced, 1);
    assert.equal((await redeem('codes.twice', first.body.code)).status, 401);
    assert.equal((await redeem('codes.twice', second.body.code)).status, 303);
  });

  it('revokes a pending code, audited; a revoked code no longer works', async () => {
    const { body } = await issue(admin, { userId: 'codes.revoked' }).expect(201);
    const revoke = () =>
      request(broker.app)
        .post(`/admin/api/enrolment-codes/${body.id}/revoke`)
        .set('cookie', admin)
        .set('x-requested-with', 'hcw-client');
    assert.deepEqual((await revoke().expect(200)).body, { revoked: body.id, userId: 'codes.revoked' });
    assert.equal((await revoke()).status, 404, 'nothing pending to revoke any more');
    assert.ok((await adminActions('revoke-enrolment-code')).some((d) => d.codeId === body.id));
    assert.equal((await redeem('codes.revoked', body.code)).status, 401);
    const listed = await request(broker.app).get('/admin/api/enrolment-codes').set('cookie', admin);
    assert.ok(!listed.body.pending.some((p: { id: string }) => p.id === body.id));
  });

  it('refuses anyone but an IT administrator, and audits the refusal (control: the administrator)', async () => {
    const nurse = (await broker.signIn(aUser({ id: 'codes.nurse' }))).cookie;
    const refused = await issue(nurse, { userId: 'codes.nurse' });
    assert.equal(refused.status, 403);
    assert.deepEqual(Object.keys(refused.body.error), ['ja', 'en', 'code']);
    assert.equal(refused.body.error.code, 'forbidden');
    assert.equal(
      (await request(broker.app).get('/admin/api/enrolment-codes').set('cookie', nurse)).status,
      403,
    );
    const { rows } = await broker.pool.query(
      "SELECT 1 FROM audit_events WHERE type = 'admin-access' AND outcome = 'failure' AND actor_id = 'codes.nurse'",
    );
    assert.ok(rows.length >= 2);
    assert.equal((await issue(admin, { userId: 'codes.nurse' })).status, 201);
  });

  it('refuses a request without the console’s header, and bad input with a clear 400', async () => {
    assert.equal((await issue(admin, { userId: 'codes.header' }, false)).status, 403);
    for (const body of [
      {},
      { userId: '' },
      { userId: 'two words' },
      { userId: 'x'.repeat(201) },
      { userId: 7 },
    ]) {
      const refused = await issue(admin, body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.match(refused.body.error.ja, /利用者ID/);
      assert.match(refused.body.error.en, /user ID/);
    }
    const malformed = await request(broker.app)
      .post('/admin/api/enrolment-codes')
      .set('cookie', admin)
      .set('x-requested-with', 'hcw-client')
      .type('json')
      .send('{not json');
    assert.equal(malformed.status, 400);
    for (const id of ['abc', '0', '1'.repeat(30)]) {
      const revoke = await request(broker.app)
        .post(`/admin/api/enrolment-codes/${id}/revoke`)
        .set('cookie', admin)
        .set('x-requested-with', 'hcw-client');
      assert.equal(revoke.status, 404, id);
    }
  });
});
