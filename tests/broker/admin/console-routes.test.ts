import assert from 'node:assert/strict';
import request from 'supertest';
import { AuditTrail } from '@hcw/common';
import { endedReason, SESSION_END_MESSAGES } from '#broker/auth/session.js';
import { decryptToken } from '#broker/tunnel/connection-token.js';
import { sampleSessions } from '#broker/admin/activity-charts.js';
import { aUser } from '../desktops/fake-desktops.js';
import { anAdmin, anAuditor, consoleBroker, type ConsoleBroker } from './console-broker.js';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';
const CLIENT = { 'x-requested-with': 'hcw-client' };

describe('administration console', function () {
  this.timeout(60000);
  let broker: ConsoleBroker;
  let admin: string;
  let auditor: string;

  before(async () => {
    broker = await consoleBroker('console_routes_test');
    admin = (await broker.signIn(anAdmin())).cookie;
    auditor = (await broker.signIn(anAuditor())).cookie;
  });
  after(async () => {
    await broker?.close();
  });

  async function auditRows(
    type: string,
    actorId?: string,
  ): Promise<{ outcome: string; details: Record<string, unknown>; patient_id: string | null }[]> {
    const { rows } = await broker.pool.query(
      `SELECT outcome, details, patient_id FROM audit_events WHERE type = $1 AND ($2::text IS NULL OR actor_id = $2) ORDER BY id`,
      [type, actorId ?? null],
    );
    return rows;
  }

  /** A practitioner signed in and connected to a desktop, as the client page does it. */
  async function aConnectedPractitioner(userAgent = IPHONE) {
    const user = aUser({ displayName: '木村 真由美', organisation: '杉並訪問看護ステーション' });
    const { cookie, sessionId } = await broker.signIn(user);
    const response = await request(broker.app)
      .post('/api/desktop/connect')
      .set('cookie', cookie)
      .set('user-agent', userAgent)
      .set(CLIENT)
      .expect(200);
    const claims = decryptToken([broker.config.tunnel.key], response.body.token);
    assert.ok(claims);
    return { user, cookie, sessionId, claims };
  }

  describe('who may use it', () => {
    it('refuses a practitioner with 403 on every console and audit route, and audits each refusal', async () => {
      const nurse = aUser();
      const { cookie } = await broker.signIn(nurse);
      const calls = [
        request(broker.app).get('/admin'),
        request(broker.app).get('/admin/api/snapshot'),
        request(broker.app).post('/admin/api/sessions/abcdefghijklmnop/end').set(CLIENT).send({}),
        request(broker.app)
          .post(`/admin/api/pools/${broker.poolId}/policy`)
          .set(CLIENT)
          .send({ canPaste: true }),
        request(broker.app).get('/admin/charts/sessions.svg'),
        request(broker.app).get('/admin/audit'),
        request(broker.app).get('/admin/audit.csv'),
      ];
      for (const call of calls) await call.set('cookie', cookie).expect(403);
      assert.equal((await auditRows('admin-access', nurse.id)).length, calls.length);
      assert.equal(
        (await broker.desktops.policies.get(broker.poolId)).policies.canPaste,
        false,
        'nothing changed',
      );
    });

    it('lets the administrator into the console and the auditor into the audit trail (control)', async () => {
      await request(broker.app).get('/admin').set('cookie', admin).expect(200).expect('content-type', /html/);
      await request(broker.app).get('/admin/api/snapshot').set('cookie', admin).expect(200);
      await request(broker.app).get('/admin/audit').set('cookie', auditor).expect(200);
    });

    it('keeps the audit trail from administrators and the live console from auditors', async () => {
      await request(broker.app).get('/admin/audit').set('cookie', admin).expect(403);
      await request(broker.app).get('/admin/audit.csv').set('cookie', admin).expect(403);
      await request(broker.app).get('/admin/api/snapshot').set('cookie', auditor).expect(403);
      await request(broker.app)
        .get('/admin')
        .set('cookie', auditor)
        .expect(303)
        .expect('location', '/admin/audit');
    });

    it('sends a visitor who is not signed in to sign in, and refuses the API', async () => {
      await request(broker.app).get('/admin').expect(303).expect('location', '/auth/login');
      await request(broker.app).get('/admin/api/snapshot').expect(401);
    });

    it('opens the console, not a desktop, as the start page of administrators and auditors', async () => {
      await request(broker.app).get('/').set('cookie', admin).expect(303).expect('location', '/admin');
      await request(broker.app)
        .get('/')
        .set('cookie', auditor)
        .expect(303)
        .expect('location', '/admin/audit');
      const { cookie } = await broker.signIn(aUser());
      await request(broker.app).get('/').set('cookie', cookie).expect(200).expect('content-type', /html/);
      await request(broker.app).post('/api/desktop/connect').set('cookie', admin).set(CLIENT).expect(403);
    });

    it('serves a page with no inline script or style, in Japanese, and in English on request', async () => {
      const ja = await request(broker.app).get('/admin').set('cookie', admin).expect(200);
      assert.match(ja.text, /<html lang="ja">/);
      assert.match(ja.text, /接続中のセッション/);
      assert.doesNotMatch(ja.text, /<script(?![^>]*(src=|type="application\/json"))/);
      assert.doesNotMatch(ja.text, /style=/);
      assert.match(ja.headers['content-security-policy'] ?? '', /script-src 'self'/);
      const en = await request(broker.app).get('/admin?lang=en').set('cookie', admin).expect(200);
      assert.match(en.text, /Live sessions/);
    });
  });

  describe('live sessions', () => {
    it('lists the sessions of every broker instance with device, desktop, guacd and pool', async () => {
      const other = await consoleBroker('console_routes_test', { broker });
      try {
        const { user, sessionId } = await aConnectedPractitioner();
        const otherAdmin = (await other.signIn(anAdmin())).cookie;
        const response = await request(other.app)
          .get('/admin/api/snapshot')
          .set('cookie', otherAdmin)
          .expect(200);
        const fact = response.body.sessions.find((s: { userId: string }) => s.userId === user.id);
        assert.ok(fact, 'the session made on one instance is listed by another');
        assert.equal(fact.device, 'phone');
        assert.equal(fact.organisation, '杉並訪問看護ステーション');
        assert.equal(fact.poolId, broker.poolId);
        assert.ok(broker.agents.some((a) => a.id === fact.desktopId));
        assert.equal(
          fact.guacd,
          `${broker.config.pools[0]!.guacd[0]!.host}:${broker.config.pools[0]!.guacd[0]!.port}`,
        );
        assert.ok(!response.text.includes(sessionId), 'the session id itself never reaches the console');
        await broker.desktops.release(user.id);
      } finally {
        await other.close();
      }
    });

    it('ends a session with the administrator’s reason, frees its desktop and audits it', async () => {
      const target = await aConnectedPractitioner();
      const bystander = await aConnectedPractitioner('Mozilla/5.0 (Windows NT 10.0; Win64; x64)');
      const snapshot = await request(broker.app).get('/admin/api/snapshot').set('cookie', admin).expect(200);
      const ref = snapshot.body.sessions.find((s: { userId: string }) => s.userId === target.user.id)
        .ref as string;

      await request(broker.app)
        .post(`/admin/api/sessions/${ref}/end`)
        .set('cookie', admin)
        .send({})
        .expect(403);
      assert.equal(
        await endedReason(
          broker.redis,
          broker.sessionStore,
          target.sessionId,
          target.user.id,
          target.claims.desktopId,
        ),
        undefined,
        'without the client header nothing happened (control)',
      );

      await request(broker.app)
        .post(`/admin/api/sessions/${ref}/end`)
        .set('cookie', admin)
        .set(CLIENT)
        .send({ note: '端末紛失の連絡' })
        .expect(200);
      assert.equal(
        await endedReason(
          broker.redis,
          broker.sessionStore,
          target.sessionId,
          target.user.id,
          target.claims.desktopId,
        ),
        SESSION_END_MESSAGES['ended-by-administrator'],
      );
      await request(broker.app).get('/api/me').set('cookie', target.cookie).expect(401);
      assert.equal(await broker.desktops.currentLease(target.user.id), undefined, 'the desktop went back');
      const desktop = broker.agents.find((a) => a.id === target.claims.desktopId)!;
      assert.equal(desktop.calls.at(-1), 'end', 'and was wiped');
      const [record] = (await auditRows('admin-action', anAdmin().id)).filter(
        (r) => r.details.action === 'end-session',
      );
      assert.equal(record?.details.subject, target.user.id);
      assert.equal(record?.details.note, '端末紛失の連絡');
      assert.deepEqual(broker.events.at(-1), {
        kind: 'session-ended',
        by: anAdmin().id,
        subject: target.user.id,
      });

      assert.equal(
        await endedReason(
          broker.redis,
          broker.sessionStore,
          bystander.sessionId,
          bystander.user.id,
          bystander.claims.desktopId,
        ),
        undefined,
        'another user’s session goes on (control)',
      );
      await broker.desktops.release(bystander.user.id);
    });
  });

  describe('pool policies', () => {
    it('changes a policy live: audited, applied to live sessions and to the next connection', async () => {
      const nurse = await aConnectedPractitioner();
      assert.equal(
        nurse.claims.connection.settings['disable-paste'],
        'true',
        'paste is off to begin with (control)',
      );
      assert.ok((await broker.redis.pTTL(`broker:sess:${nurse.sessionId}`)) > 10 * 60 * 1000);

      const response = await request(broker.app)
        .post(`/admin/api/pools/${broker.poolId}/policy`)
        .set('cookie', admin)
        .set(CLIENT)
        .send({ idleMinutes: 5, canPaste: true })
        .expect(200);
      assert.equal(response.body.policies.idleMinutes, 5);
      assert.equal(response.body.revision, 1);

      const [record] = (await auditRows('admin-action', anAdmin().id)).filter(
        (r) => r.details.action === 'change-pool-policy',
      );
      assert.deepEqual(
        [
          record?.details.idleMinutesBefore,
          record?.details.idleMinutesAfter,
          record?.details.canPasteBefore,
          record?.details.canPasteAfter,
        ],
        [15, 5, false, true],
      );
      assert.equal(record?.details.pool, broker.poolId);
      assert.ok(
        (await broker.redis.pTTL(`broker:sess:${nurse.sessionId}`)) <= 5 * 60 * 1000,
        'the live session’s idle expiry shortened',
      );

      const again = await request(broker.app)
        .post('/api/desktop/connect')
        .set('cookie', nurse.cookie)
        .set(CLIENT)
        .expect(200);
      const claims = decryptToken([broker.config.tunnel.key], again.body.token);
      assert.equal(claims?.connection.settings['disable-paste'], 'false', 'the next connection may paste');
      assert.deepEqual(broker.events.at(-1), {
        kind: 'policy-changed',
        by: anAdmin().id,
        subject: broker.poolId,
      });
      await broker.desktops.release(nurse.user.id);
    });

    it('refuses a change it cannot apply, and records nothing', async () => {
      const before = (await auditRows('admin-action', anAdmin().id)).length;
      for (const body of [{ idleMinutes: 0 }, { canPaste: 'yes' }, { unknown: 1 }, {}]) {
        await request(broker.app)
          .post(`/admin/api/pools/${broker.poolId}/policy`)
          .set('cookie', admin)
          .set(CLIENT)
          .send(body)
          .expect(400);
      }
      await request(broker.app)
        .post('/admin/api/pools/no-such-pool/policy')
        .set('cookie', admin)
        .set(CLIENT)
        .send({ size: 1 })
        .expect(404);
      assert.equal((await auditRows('admin-action', anAdmin().id)).length, before);
    });
  });

  describe('charts', () => {
    it('draws sessions and sign-ins as SVG pictures without scripts', async () => {
      const trail = new AuditTrail(broker.pool);
      await trail.record({ type: 'sign-in', outcome: 'success', actorId: 'chart.user' });
      await trail.record({ type: 'sign-in', outcome: 'failure', clientAddress: '192.0.2.1' });
      await sampleSessions(broker.redis, 3);
      for (const name of ['sessions.svg', 'sign-ins.svg']) {
        const response = await request(broker.app)
          .get(`/admin/charts/${name}?hours=24`)
          .set('cookie', admin)
          .expect(200);
        assert.match(response.headers['content-type'] ?? '', /image\/svg\+xml/);
        const svg = response.body instanceof Buffer ? response.body.toString('utf8') : response.text;
        assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
        assert.doesNotMatch(svg, /<script|on\w+=/);
        assert.match(
          svg,
          name === 'sessions.svg'
            ? /<path d="M/
            : /<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="#cf222e">/,
        );
      }
      await request(broker.app).get('/admin/charts/other.svg').set('cookie', admin).expect(404);
    });
  });
});
