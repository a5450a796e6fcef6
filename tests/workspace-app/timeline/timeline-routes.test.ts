import assert from 'node:assert/strict';
import { notifyPractitioners } from '#workspace-app/timeline/notify-practitioners.js';
import { mapPatientGroup } from '#workspace-app/timeline/patient-groups.js';
import { storePushedEvents } from '#workspace-app/timeline/store-pushed-events.js';
import { recordVendorFailure, recordVendorSuccess } from '#workspace-app/timeline/vendor-health.js';
import {
  aPractitioner,
  anEvent,
  confirmedLink,
  startTestPortal,
  timelineDatabase,
  type TestPortal,
  type TimelineDatabase,
} from './timeline-fixtures.js';

const KANAMIC = {
  baseUrl: 'https://kanamic.example.jp',
  clientId: 'office-0001',
  clientSecret: 'kanamic-client-secret-for-tests',
};
const sato = aPractitioner();
const tanaka = aPractitioner({
  id: 'dr.tanaka',
  displayName: '田中 一郎',
  organisation: '中野在宅クリニック',
});
const admin = aPractitioner({
  id: 'admin.yamamoto',
  displayName: '山本 誠一',
  organisation: '区医師会',
  roles: ['it-admin'],
});

/** What a page on another site sends along with a form it posts to the portal. */
const FROM_ELSEWHERE = { origin: 'https://elsewhere.example', 'sec-fetch-site': 'cross-site' };

function itemIds(html: string): number[] {
  return [...html.matchAll(/data-event-id="(\d+)"/g)].map((match) => Number(match[1]));
}

describe('the timeline pages', function () {
  this.timeout(60_000);
  let db: TimelineDatabase;
  let portal: TestPortal;
  let satoCookie: string;
  let tanakaCookie: string;
  let adminCookie: string;

  // The session remembers a language once asked for; every request here says which one it wants.
  const withLanguage = (path: string) =>
    /[?&]lang=/.test(path) ? path : `${path}${path.includes('?') ? '&' : '?'}lang=ja`;
  const get = (path: string, cookie: string) =>
    fetch(`${portal.url}${withLanguage(path)}`, { headers: { cookie }, redirect: 'manual' });
  const page = async (path: string, cookie = satoCookie) => {
    const response = await get(path, cookie);
    assert.equal(response.status, 200, `${path} answered ${response.status}`);
    return response.text();
  };
  // What the kiosk's Chromium sends with a request from one of the portal's own pages.
  const fromPortal = () => ({ origin: portal.url, 'sec-fetch-site': 'same-origin' });
  const postForm = (
    path: string,
    cookie: string,
    fields: Record<string, string>,
    from: Record<string, string> = fromPortal(),
  ) =>
    fetch(`${portal.url}${path}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...from },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
  const auditRows = async () =>
    (await db.pool.query(`SELECT * FROM audit_events WHERE type = 'timeline.read' ORDER BY id`)).rows;

  before(async () => {
    db = await timelineDatabase('timeline_routes_test');
    portal = await startTestPortal(db, { kanamic: KANAMIC });
    satoCookie = await portal.signIn(sato);
    tanakaCookie = await portal.signIn(tanaka);
    adminCookie = await portal.signIn(admin);
    await confirmedLink(db.pool, 'nurse.sato', 'kanamic', 'office-0001');
    await confirmedLink(db.pool, 'dr.tanaka', 'kanamic', 'office-0002');
  });
  after(async () => {
    await portal.close();
    await db.close();
  });
  beforeEach(async () => {
    await db.pool.query(
      'TRUNCATE timeline_inbox, timeline_event_receipts, timeline_events, timeline_patient_groups, timeline_vendor_health',
    );
  });

  it('shows the practitioner their timeline newest first, in Japanese, with large type and no inline code', async () => {
    await storePushedEvents(db.pool, 'kanamic', [
      anEvent({ title: '古い投稿', occurredAt: '2024-05-01T00:00:00.000Z' }),
      anEvent({ title: '新しい投稿', occurredAt: '2024-05-02T00:00:00.000Z' }),
    ]);
    const html = await page('/timeline');
    assert.match(html, /<html lang="ja">/);
    assert.match(html, /多職種連携タイムライン/);
    assert.ok(html.indexOf('新しい投稿') < html.indexOf('古い投稿'));
    assert.match(html, /未読 2件/);
    assert.match(html, /5\/2 09:00/, 'times are shown in Tokyo time');
    assert.match(html, /href="\/assets\/timeline\/timeline.css"/);
    assert.doesNotMatch(html, /<script>|<script(?![^>]*\bsrc=)[^>]*>|\sstyle="/, 'no inline script or style');
    const english = await page('/timeline?lang=en');
    assert.match(english, /Multi-professional timeline/);
    assert.match(english, /2 unread/);
  });

  it('shows a practitioner only their own events', async () => {
    await storePushedEvents(db.pool, 'kanamic', [
      anEvent({ title: '佐藤さんの投稿' }),
      anEvent({ title: '田中先生の投稿', vendorAccount: 'office-0002' }),
    ]);
    const satoPage = await page('/timeline');
    const tanakaPage = await page('/timeline', tanakaCookie);
    assert.match(satoPage, /佐藤さんの投稿/);
    assert.doesNotMatch(satoPage, /田中先生の投稿/);
    assert.match(tanakaPage, /田中先生の投稿/);
    assert.doesNotMatch(tanakaPage, /佐藤さんの投稿/);

    const [satoEvent] = itemIds(satoPage);
    const asked = await get(`/timeline/api/items?ids=${satoEvent}`, tanakaCookie);
    assert.deepEqual(((await asked.json()) as { items: unknown[] }).items, []);
    assert.equal((await get(`/timeline/open/${satoEvent}`, tanakaCookie)).status, 404);
    // Control: the owner gets the item through the same endpoint.
    const own = await get(`/timeline/api/items?ids=${satoEvent}`, satoCookie);
    assert.equal(((await own.json()) as { items: unknown[] }).items.length, 1);
  });

  it('refuses the timeline without a session, and to those whose role has none', async () => {
    const anonymous = await fetch(`${portal.url}/timeline`);
    assert.equal(anonymous.status, 401);
    assert.match(await anonymous.text(), /サインインが必要です/);
    assert.equal((await get('/timeline', adminCookie)).status, 403);
    assert.equal((await fetch(`${portal.url}/timeline/api/items?latest=1`)).status, 401);
  });

  it('filters by patient, system, profession, search words and unread state', async () => {
    await mapPatientGroup(
      db.pool,
      {
        vendor: 'kanamic',
        patientGroupRef: 'grp-nerima-0002',
        patientId: 'patient-0002',
        patientLabel: '鈴木 一郎',
      },
      'test',
    );
    await storePushedEvents(db.pool, 'kanamic', [
      anEvent({ title: '看護の記録', author: { role: 'nurse', roleLabel: '訪問看護師' } }),
      anEvent({
        title: '往診の記録',
        author: { role: 'doctor', roleLabel: '医師' },
        patientGroupRef: 'grp-nerima-0002',
        patientGroupName: '鈴木一郎様 在宅チーム',
      }),
      anEvent({ title: '服薬の記録', body: 'アムロジピン5mgに変更', author: { role: 'pharmacist' } }),
    ]);
    await notifyPractitioners(db.pool, {
      recipients: ['nurse.sato'],
      source: 'transfers',
      kind: 'inquiry-answered',
      patientId: 'patient-0002',
      title: '受け入れ可能との回答がありました',
      link: '/transfers/requests/42',
      occurredAt: new Date('2024-05-01T00:00:00Z'),
      idempotencyKey: 'answer-42',
    });
    const titles = (html: string) =>
      ['看護の記録', '往診の記録', '服薬の記録', '受け入れ可能との回答がありました'].filter((title) =>
        html.includes(title),
      );

    assert.deepEqual(titles(await page('/timeline?patient=patient-0002')), [
      '往診の記録',
      '受け入れ可能との回答がありました',
    ]);
    assert.deepEqual(titles(await page('/timeline?vendor=portal')), ['受け入れ可能との回答がありました']);
    assert.deepEqual(titles(await page('/timeline?role=doctor')), ['往診の記録']);
    assert.deepEqual(titles(await page('/timeline?q=%E3%82%A2%E3%83%A0%E3%83%AD')), ['服薬の記録']);
    assert.deepEqual(titles(await page('/timeline?q=100%25')), []);
    const all = await page('/timeline');
    assert.match(all, /<option value="patient-0002">鈴木 一郎<\/option>/);
    assert.equal(titles(all).length, 4);

    const [first] = itemIds(all);
    await fetch(`${portal.url}/timeline/api/items/${first}/read?lang=ja`, {
      method: 'POST',
      headers: { cookie: satoCookie, ...fromPortal() },
    });
    assert.equal(itemIds(await page('/timeline?unread=1')).length, 3);

    assert.equal((await get('/timeline?role=surgeon', satoCookie)).status, 400);
    assert.equal((await get('/timeline?before=yesterday', satoCookie)).status, 400);
  });

  it('pages through a long timeline fifty items at a time', async () => {
    await storePushedEvents(
      db.pool,
      'kanamic',
      Array.from({ length: 60 }, (_, i) =>
        anEvent({
          title: `投稿 ${i}`,
          occurredAt: new Date(Date.UTC(2024, 5, 1) + i * 60_000).toISOString(),
        }),
      ),
    );
    const first = await page('/timeline');
    assert.equal(itemIds(first).length, 50);
    const next = /class="tl-more" href="([^"]+)">さらに表示/.exec(first)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(next);
    const second = await page(next);
    assert.equal(itemIds(second).length, 10);
    assert.equal(new Set([...itemIds(first), ...itemIds(second)]).size, 60);
  });

  it('records every read of a patient’s events in the audit trail, with the patient', async () => {
    await mapPatientGroup(
      db.pool,
      {
        vendor: 'kanamic',
        patientGroupRef: 'grp-setagaya-0001',
        patientId: 'patient-0001',
        patientLabel: '佐藤 花子',
      },
      'test',
    );
    await storePushedEvents(db.pool, 'kanamic', [
      anEvent(),
      anEvent({ patientGroupRef: 'grp-unmapped-0009', patientGroupName: '未登録グループ' }),
    ]);
    const before = (await auditRows()).length;
    const html = await page('/timeline');
    const rows = (await auditRows()).slice(before);
    const forPatient = rows.find((row) => row.patient_id === 'patient-0001');
    assert.ok(forPatient, 'the mapped patient is named');
    assert.equal(forPatient.actor_id, 'nurse.sato');
    assert.equal(forPatient.details.action, 'page');
    const unmapped = rows.find((row) => row.patient_id === null);
    assert.equal(unmapped?.details.unmappedGroups, 'kanamic:grp-unmapped-0009');

    const opened = (await auditRows()).length;
    await get(`/timeline/open/${itemIds(html)[0]}`, satoCookie);
    assert.equal((await auditRows()).length, opened + 1);
    // Control: a page without patient events records nothing.
    await db.pool.query('TRUNCATE timeline_inbox, timeline_event_receipts, timeline_events');
    const quiet = (await auditRows()).length;
    await page('/timeline');
    assert.equal((await auditRows()).length, quiet);
  });

  it('marks an item read when the page’s script asks, and refuses the same request from another site', async () => {
    await storePushedEvents(db.pool, 'kanamic', [anEvent(), anEvent()]);
    const [id] = itemIds(await page('/timeline'));
    const forged = await fetch(`${portal.url}/timeline/api/items/${id}/read`, {
      method: 'POST',
      headers: { cookie: satoCookie, ...FROM_ELSEWHERE },
    });
    assert.equal(forged.status, 403, 'a page on another site cannot mark items read');
    const read = await fetch(`${portal.url}/timeline/api/items/${id}/read?lang=ja`, {
      method: 'POST',
      headers: { cookie: satoCookie, ...fromPortal() },
    });
    assert.equal(read.status, 200);
    assert.match(((await read.json()) as { unreadHtml: string }).unreadHtml, /未読 1件/);
  });

  it('marks everything read with the page’s form, and refuses the same form sent from another site', async () => {
    await storePushedEvents(db.pool, 'kanamic', [anEvent(), anEvent()]);
    await page('/timeline');
    assert.equal((await postForm('/timeline/read-all', satoCookie, {}, FROM_ELSEWHERE)).status, 403);
    assert.doesNotMatch(await page('/timeline'), /未読はありません/, 'nothing was marked read');
    assert.equal((await postForm('/timeline/read-all', satoCookie, {})).status, 303);
    assert.match(await page('/timeline'), /未読はありません/);
  });

  it('opens a message without body in its vendor’s web app, and refuses a link outside the allow-list', async () => {
    await storePushedEvents(db.pool, 'kanamic', [anEvent({ body: undefined, unreadCount: 3 })]);
    const html = await page('/timeline');
    assert.match(html, /カナミックの未読 3件/);
    assert.match(html, /カナミックで開く/);
    const [id] = itemIds(html);
    const opened = await get(`/timeline/open/${id}`, satoCookie);
    assert.equal(opened.status, 303);
    assert.match(opened.headers.get('location') ?? '', /^https:\/\/kanamic\.example\.jp\/web\/groups\//);

    await db.pool.query(
      `UPDATE timeline_events SET deep_link = 'https://kanamic.example.jp.evil.example/login'`,
    );
    const refused = await get(`/timeline/open/${id}`, satoCookie);
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('location'), null);
    assert.match(await page('/timeline'), /許可された連携先ではない/);
  });

  it('opens a portal notification at its place in the portal', async () => {
    await notifyPractitioners(db.pool, {
      recipients: ['nurse.sato'],
      source: 'patients',
      kind: 'handoff-document-sent',
      title: '退院時サマリーが共有されました',
      link: '/patients/abc',
      occurredAt: new Date(),
      idempotencyKey: 'summary-1',
    });
    const html = await page('/timeline');
    assert.match(html, /ポータル/);
    assert.match(html, /患者情報/);
    const opened = await get(`/timeline/open/${itemIds(html)[0]}`, satoCookie);
    assert.equal(opened.headers.get('location'), '/patients/abc');
  });

  it('shows a vendor that stopped answering, and since when', async () => {
    await recordVendorSuccess(db.pool, 'kanamic');
    await db.pool.query(`UPDATE timeline_vendor_health SET last_success_at = '2024-05-01T01:30:00Z'`);
    await recordVendorFailure(db.pool, 'kanamic', 'unavailable: timeout');
    const html = await page('/timeline');
    assert.match(html, /カナミック：5\/1 10:30 以降の新着を受け取れていません/);
    assert.match(html, /data-stale-since="2024-05-01T01:30:00.000Z"/);
    assert.match(await page('/timeline?lang=en'), /Kanamic: nothing received since 1 May, 10:30/);
  });

  describe('vendor account links', () => {
    beforeEach(async () => {
      await db.pool.query(`DELETE FROM timeline_account_links WHERE practitioner_id = 'nurse.kimura'`);
    });

    it('lets a practitioner register an account, which brings events only once an administrator confirms it', async () => {
      const kimura = aPractitioner({
        id: 'nurse.kimura',
        displayName: '木村 真由美',
        organisation: '杉並訪問看護ステーション',
      });
      const cookie = await portal.signIn(kimura);
      await storePushedEvents(db.pool, 'kanamic', [
        anEvent({
          vendorAccount: 'office-kimura',
          title: '杉並の投稿',
          occurredAt: new Date().toISOString(),
        }),
        anEvent({
          vendorAccount: 'office-kimura',
          title: '一年前の投稿',
          occurredAt: '2020-01-01T00:00:00.000Z',
        }),
      ]);
      const form = await page('/timeline/accounts', cookie);
      assert.match(form, /連携アカウント/);
      const registered = await postForm('/timeline/accounts', cookie, {
        vendor: 'kanamic',
        account: 'office-kimura',
      });
      assert.equal(registered.status, 303);
      assert.match(await page('/timeline/accounts', cookie), /確認待ち/);
      assert.doesNotMatch(
        await page('/timeline', cookie),
        /杉並の投稿/,
        'a claimed account shows nothing yet',
      );

      const review = await page('/timeline/accounts/review', adminCookie);
      assert.match(review, /nurse\.kimura/);
      const confirm = {
        practitioner: 'nurse.kimura',
        vendor: 'kanamic',
        account: 'office-kimura',
      };
      assert.equal((await postForm('/timeline/accounts/confirm', cookie, confirm)).status, 403);
      assert.equal((await postForm('/timeline/accounts/confirm', adminCookie, confirm)).status, 303);
      assert.match(await page('/timeline/accounts', cookie), /有効/);
      const linked = await page('/timeline', cookie);
      assert.match(linked, /杉並の投稿/);
      assert.doesNotMatch(linked, /一年前の投稿/, 'old history stays behind');

      const removed = await postForm('/timeline/accounts/remove', cookie, {
        vendor: 'kanamic',
        account: 'office-kimura',
      });
      assert.equal(removed.status, 303);
      assert.doesNotMatch(await page('/timeline', cookie), /杉並の投稿/);
    });

    it('refuses a registration sent from another site or for an unknown system', async () => {
      await page('/timeline/accounts');
      assert.equal(
        (
          await postForm(
            '/timeline/accounts',
            satoCookie,
            { vendor: 'kanamic', account: 'a' },
            FROM_ELSEWHERE,
          )
        ).status,
        403,
      );
      assert.equal(
        (
          await postForm('/timeline/accounts', satoCookie, {
            vendor: 'unknown',
            account: 'a',
          })
        ).status,
        400,
      );
    });

    it('lets only an administrator map a vendor group to a patient of the shared record', async () => {
      const { rows } = await db.pool.query<{ id: string }>(
        `INSERT INTO patients (created_by, created_by_organisation) VALUES ('nurse.sato', '新宿訪問看護ステーション') RETURNING id`,
      );
      await page('/timeline/accounts/review', adminCookie);
      const fields = { vendor: 'kanamic', group: 'grp-x', patient: rows[0]!.id, label: '患者 X' };
      assert.equal((await postForm('/timeline/patient-groups', satoCookie, fields)).status, 403);
      assert.equal((await postForm('/timeline/patient-groups', adminCookie, fields)).status, 303);
      assert.match(await page('/timeline/accounts/review', adminCookie), /患者 X/);
      // A mistyped id is refused rather than mapped to nobody (or to someone else).
      const mistyped = { ...fields, group: 'grp-y', patient: 'patient-x', label: '患者 Y' };
      assert.equal((await postForm('/timeline/patient-groups', adminCookie, mistyped)).status, 404);
      assert.doesNotMatch(await page('/timeline/accounts/review', adminCookie), /患者 Y/);
    });
  });
});
