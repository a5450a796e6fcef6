import assert from 'node:assert/strict';
import request from 'supertest';
import { HANDOFF_PATH, signRequest } from '@hcw/common';
import { judgeRequestOrigin } from '#workspace-app/http/cross-site-guard.js';
import { isSignedPath } from '#workspace-app/app.js';
import { basicsForm, people } from '../patients/patient-fixtures.js';
import {
  bilingualError,
  concretePath,
  listRoutes,
  PORTAL_ORIGIN,
  SAFE_METHODS,
  SAME_ORIGIN,
  startPortalUnderTest,
  type Agent,
  type PortalUnderTest,
  type RouteEntry,
} from '../portal-under-test.js';

const GUARD_JA = 'この操作はポータル自身の画面からのみ行えます。';

/** The ways a request can arrive that did not come from one of the portal's own pages. */
const CROSS_SITE: Record<string, Record<string, string>> = {
  'a page on another site': { origin: 'https://elsewhere.example', 'sec-fetch-site': 'cross-site' },
  // A vendor application on another port of the same host (or a sibling host of the same site): the
  // SameSite cookie goes along with it, so only the guard stands in the way.
  'a page of the same site on another origin': {
    origin: 'http://127.0.0.1:9000',
    'sec-fetch-site': 'same-site',
  },
  'an opaque origin (sandboxed frame, data: URL)': { origin: 'null' },
  'a client that says nothing about where it comes from': {},
  'a claim of the portal’s origin that the browser’s own site header contradicts': {
    origin: PORTAL_ORIGIN,
    'sec-fetch-site': 'cross-site',
  },
};

/** Everything the router would carry out that is not a read. */
function stateChanging(routes: readonly RouteEntry[]): RouteEntry[] {
  return routes.filter((route) => !SAFE_METHODS.has(route.method));
}

function send(agent: Agent, route: RouteEntry, headers: Record<string, string>) {
  const url = concretePath(route.path, { rest: '' });
  const call = route.method === 'PUT' ? agent.put(url) : agent.post(url);
  for (const [name, value] of Object.entries(headers)) call.set(name, value);
  return call.type('form').send('');
}

describe('the portal’s cross-site guard (decision 0017)', () => {
  describe('judging one request by its Origin and Sec-Fetch-Site headers', () => {
    const cases: Array<[string, { origin?: string; fetchSite?: string }, boolean]> = [
      ['both say the portal', { origin: PORTAL_ORIGIN, fetchSite: 'same-origin' }, true],
      ['only Sec-Fetch-Site, same-origin', { fetchSite: 'same-origin' }, true],
      ['only Origin, the portal’s', { origin: PORTAL_ORIGIN }, true],
      ['Origin null with Sec-Fetch-Site same-origin', { origin: 'null', fetchSite: 'same-origin' }, true],
      ['another site', { origin: 'https://elsewhere.example', fetchSite: 'cross-site' }, false],
      ['same site, another port', { origin: 'http://127.0.0.1:9000', fetchSite: 'same-site' }, false],
      ['same site without Origin', { fetchSite: 'same-site' }, false],
      ['a user-typed address (none)', { fetchSite: 'none' }, false],
      ['the portal’s host on another scheme', { origin: 'https://127.0.0.1:8999' }, false],
      ['Origin null alone', { origin: 'null' }, false],
      ['nothing at all', {}, false],
      ['a matching Origin contradicted', { origin: PORTAL_ORIGIN, fetchSite: 'same-site' }, false],
    ];
    for (const [name, headers, isAllowed] of cases) {
      it(`${isAllowed ? 'lets through' : 'refuses'} ${name}`, () => {
        assert.equal(judgeRequestOrigin(headers, PORTAL_ORIGIN).isSameOrigin, isAllowed);
      });
    }
  });

  describe('on every state-changing route of the real app', function () {
    this.timeout(120_000);
    let portal: PortalUnderTest;
    let routes: RouteEntry[];
    let sato: Agent;

    before(async () => {
      portal = await startPortalUnderTest('cross_site_guard_test');
      routes = stateChanging(listRoutes(portal.app));
      sato = await portal.signIn(people.sato);
    });
    after(async () => {
      await portal?.close();
    });

    it('finds the routes in the router itself, so a new route is covered without being listed', () => {
      const declared = routes.map((r) => `${r.method} ${r.path}`);
      // A sample from each area; the checks below run over whatever the router holds.
      for (const known of [
        'POST /transfers/requests',
        'POST /api/transfers/inquiries/:id/confirm',
        'PUT /api/transfers/beds/:wardId',
        'POST /timeline/read-all',
        'POST /timeline/api/items/:id/read',
        'POST /timeline/accounts',
        'POST /patients/:patientId/items',
        'POST /patients/:patientId/team/leave',
        'POST /patients/:patientId/visits',
        'POST /patients/:patientId/documents/:documentId/send',
      ]) {
        assert.ok(declared.includes(known), `${known} is among ${declared.length} routes`);
      }
      assert.ok(routes.length >= 30, `${routes.length} state-changing routes`);
    });

    it('exempts only the routes whose callers sign every request', () => {
      const exempt = routes.filter((r) => isSignedPath(concretePath(r.path, { vendor: 'kanamic' })));
      assert.deepEqual(
        exempt.map((r) => `${r.method} ${r.path}`),
        ['POST /internal/handoffs', 'POST /internal/uploads', 'POST /webhooks/:vendor'],
      );
    });

    for (const [name, headers] of Object.entries(CROSS_SITE)) {
      it(`refuses ${name} on every state-changing route with a bilingual 403`, async () => {
        const guarded = routes.filter((r) => !isSignedPath(concretePath(r.path)));
        const answers: string[] = [];
        for (const route of guarded) {
          const response = await send(sato, route, headers);
          const error = response.status === 403 ? bilingualError(response) : undefined;
          if (
            response.status !== 403 ||
            !error?.ja.startsWith(GUARD_JA) ||
            !error.en.includes('portal’s own')
          ) {
            answers.push(`${route.method} ${route.path} → ${response.status} ${response.text.slice(0, 120)}`);
          }
        }
        assert.deepEqual(answers, [], 'every route refused by the guard');
      });
    }

    it('lets the same requests through from the portal’s own pages (control: the guard is what refused)', async () => {
      const guarded = routes.filter((r) => !isSignedPath(concretePath(r.path)));
      const stopped: string[] = [];
      for (const route of guarded) {
        const response = await send(sato, route, SAME_ORIGIN);
        const body = response.body as { error?: { ja?: string } };
        if (body.error?.ja?.startsWith(GUARD_JA) || response.text.includes(GUARD_JA)) {
          stopped.push(`${route.method} ${route.path}`);
        }
      }
      assert.deepEqual(stopped, []);
    });

    it('stands before routing: a path no router knows is refused too, not answered 404', async () => {
      const response = await sato.post('/no-such-route').set('origin', 'https://elsewhere.example');
      assert.equal(response.status, 403);
      assert.match(bilingualError(response).ja, new RegExp(GUARD_JA));
      assert.equal((await sato.post('/no-such-route').set(SAME_ORIGIN)).status, 404);
    });

    it('leaves the signed routes to their signature: a cross-site request there changes nothing either', async () => {
      const handoff = await sato
        .post('/internal/handoffs')
        .set('origin', 'https://elsewhere.example')
        .set('content-type', 'application/json')
        .send(JSON.stringify({ practitioner: people.sato }));
      assert.equal(handoff.status, 401, 'no signature, no hand-off');
      const webhook = await sato
        .post('/webhooks/kanamic')
        .set('origin', 'https://elsewhere.example')
        .send('{}');
      assert.equal(webhook.status, 404, 'no push vendor of that name is configured');
    });

    it('creates nothing when another site posts a complete patient registration, and audits the attempt', async () => {
      const before = await portal.pool.query('SELECT count(*)::int AS n FROM patients');
      const refused = await sato
        .post('/patients')
        .set({ origin: 'http://127.0.0.1:9001', 'sec-fetch-site': 'same-site' })
        .type('form')
        .send(basicsForm());
      assert.equal(refused.status, 403);
      const after = await portal.pool.query('SELECT count(*)::int AS n FROM patients');
      assert.equal(after.rows[0].n, before.rows[0].n);
      const audited = await portal.pool.query(
        `SELECT actor_id, outcome, patient_id, details FROM audit_events
          WHERE type = 'portal.cross-site-request-refused' AND details->>'path' = '/patients' ORDER BY id DESC LIMIT 1`,
      );
      assert.equal(audited.rows[0]?.actor_id, 'nurse.sato');
      assert.equal(audited.rows[0]?.outcome, 'failure');
      assert.equal(audited.rows[0]?.patient_id, null);
      assert.equal(audited.rows[0]?.details.origin, 'http://127.0.0.1:9001');

      // Control: the same registration from the portal's own form page is carried out.
      const made = await sato.post('/patients').set(SAME_ORIGIN).type('form').send(basicsForm());
      assert.equal(made.status, 303, made.text);
      const afterwards = await portal.pool.query('SELECT count(*)::int AS n FROM patients');
      assert.equal(afterwards.rows[0].n, before.rows[0].n + 1);
    });

    it('audits nothing for a refused request without a session (there was nothing to forge with)', async () => {
      const count = async () =>
        (
          await portal.pool.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM audit_events WHERE type = 'portal.cross-site-request-refused'`,
          )
        ).rows[0]!.n;
      const before = await count();
      const response = await request(portal.app)
        .post('/patients')
        .set('origin', 'https://elsewhere.example')
        .type('form')
        .send(basicsForm());
      assert.equal(response.status, 403);
      assert.equal(await count(), before);
    });

    it('issues the session cookie SameSite=Strict and HttpOnly', async () => {
      const body = JSON.stringify({ practitioner: people.kimura });
      const created = await request(portal.app)
        .post(HANDOFF_PATH)
        .set('content-type', 'application/json')
        .set(signRequest(portal.config.handoffSecret, 'POST', HANDOFF_PATH, body))
        .send(body);
      const url = new URL((created.body as { url: string }).url);
      const swapped = await request(portal.app).get(`${url.pathname}${url.search}`);
      const cookie = String(swapped.headers['set-cookie'] ?? '');
      assert.match(cookie, /portal\.sid=/);
      assert.match(cookie, /SameSite=Strict/i);
      assert.match(cookie, /HttpOnly/i);
    });
  });
});
