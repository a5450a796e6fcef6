import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createClient, type RedisClientType } from 'redis';
import request from 'supertest';
import { HANDOFF_PATH, redisClientOptions, signRequest, tokyoToday } from '@hcw/common';
import { createPortalApp } from '#workspace-app/app.js';
import { loadConfig } from '#workspace-app/config.js';
import type { PatientActor } from '#workspace-app/patients/patient-actor.js';
import { workspace } from '#test-support/workspace.js';
import {
  auditEvents,
  basicsForm,
  patientDatabase,
  people,
  registerPractitioners,
} from './patient-fixtures.js';

type Agent = ReturnType<typeof request.agent>;

/** The HTML of the field with this name, with its message if it has one. */
function fieldHtml(html: string, name: string): string {
  const start = html.indexOf(`data-field="${name}"`);
  assert.ok(start >= 0, `field ${name} is on the page`);
  return html.slice(start, html.indexOf('</div>', start));
}

describe('patient record pages', function () {
  this.timeout(60000);
  let pool: pg.Pool;
  let redis: RedisClientType;
  let app: ReturnType<typeof createPortalApp>;
  let handoffSecret: string;

  before(async () => {
    const stack = await workspace();
    pool = await patientDatabase('patients_routes_test');
    await registerPractitioners(pool, Object.values(people));
    redis = createClient(redisClientOptions(stack.redisUrl, stack.internalCa.pem));
    await redis.connect();
    handoffSecret = randomBytes(32).toString('base64url');
    const config = loadConfig({
      PORTAL_ENV: 'test',
      PORTAL_PORT: '8999',
      PORTAL_PUBLIC_URL: 'http://127.0.0.1:8999',
      PORTAL_DATABASE_URL: stack.portalDatabaseUrl,
      PORTAL_REDIS_URL: stack.redisUrl,
      PORTAL_SESSION_SECRET: randomBytes(32).toString('base64url'),
      PORTAL_HANDOFF_SECRET: handoffSecret,
    });
    app = createPortalApp({ config, pool, redis });
  });
  after(async () => {
    await redis?.quit();
    await pool?.end();
  });

  /** A browser signed in as the practitioner through the real hand-off. */
  async function signedIn(who: PatientActor): Promise<Agent> {
    const agent = request.agent(app);
    const body = JSON.stringify({
      practitioner: {
        id: who.id,
        displayName: who.displayName,
        organisation: who.organisation,
        profession: who.profession,
        roles: who.roles,
      },
    });
    const created = await agent
      .post(HANDOFF_PATH)
      .set('content-type', 'application/json')
      .set(signRequest(handoffSecret, 'POST', HANDOFF_PATH, body))
      .send(body);
    assert.equal(created.status, 201);
    const url = new URL((created.body as { url: string }).url);
    assert.equal((await agent.get(`${url.pathname}${url.search}`)).status, 303);
    // What the kiosk's Chromium sends with every form posted from one of the portal's pages.
    agent.set('origin', 'http://127.0.0.1:8999').set('sec-fetch-site', 'same-origin');
    return agent;
  }

  /** Opens the page a form is on, as a person would before sending it. */
  async function openPage(agent: Agent, path = '/patients/new'): Promise<void> {
    const page = await agent.get(path);
    assert.equal(page.status, 200, page.text);
  }

  async function registered(agent: Agent, overrides: Record<string, string> = {}): Promise<string> {
    await openPage(agent);
    const response = await agent
      .post('/patients')
      .type('form')
      .send({ ...basicsForm(overrides) });
    assert.equal(response.status, 303, response.text);
    const match = /\/patients\/([0-9a-f-]{36})/.exec(response.headers.location ?? '');
    assert.ok(match);
    return match[1]!;
  }

  it('asks for a sign-in first', async () => {
    const response = await request(app).get('/patients');
    assert.equal(response.status, 401);
    assert.match(response.text, /サインイン/);
  });

  it('registers a patient and lists them for the practitioner, with the start page linking there', async () => {
    const sato = await signedIn(people.sato);
    const patientId = await registered(sato);
    const list = await sato.get('/patients');
    assert.equal(list.status, 200);
    assert.match(list.text, /大橋 信子/);
    assert.ok(list.text.includes(`/patients/${patientId}`));
    const record = await sato.get(`/patients/${patientId}`);
    assert.match(record.text, /オオハシ ノブコ/);
    assert.match(record.text, /キーパーソン/);
    assert.match((await sato.get('/')).text, /href="\/patients"/);
  });

  it('registers a patient knowing only name and sex, and shows the record as incomplete', async () => {
    const sato = await signedIn(people.sato);
    await openPage(sato);
    const form = await sato.get('/patients/new');
    assert.doesNotMatch(fieldHtml(form.text, 'birthDate'), /required/);
    assert.doesNotMatch(fieldHtml(form.text, 'address.line'), /required/);
    assert.match(fieldHtml(form.text, 'sex'), /required/);
    const response = await sato
      .post('/patients')
      .type('form')
      .send({ 'name.kanji.family': '名無', 'name.kanji.given': '権兵衛', sex: 'male' });
    assert.equal(response.status, 303, response.text);
    const patientId = /\/patients\/([0-9a-f-]{36})/.exec(response.headers.location ?? '')?.[1];
    const record = await sato.get(`/patients/${patientId}`);
    assert.equal(record.status, 200);
    assert.match(record.text, /名無 権兵衛/);
    assert.match(record.text, /class="badge incomplete">未入力あり/);
    assert.match(record.text, /まだ分かっていない項目: カナ氏名、生年月日、住所、連絡先/);
    assert.match(record.text, /生年月日 不明/);
    assert.match((await sato.get('/patients')).text, /名無 権兵衛[\s\S]*?未入力あり/);
    const english = await sato.get(`/patients/${patientId}?lang=en`);
    assert.match(english.text, /Not known yet: name in kana, date of birth, address/);
    // Control: a fully registered patient is not marked incomplete.
    const complete = await sato.get(`/patients/${await registered(sato)}`);
    assert.doesNotMatch(complete.text, /未入力あり|まだ分かっていない項目/);
  });

  it('records procedures and devices from the standing list in the physical function, and refuses one not on it', async () => {
    const sato = await signedIn(people.sato);
    const patientId = await registered(sato);
    await openPage(sato, `/patients/${patientId}/items/new?kind=physical-function`);
    const physicalFunction = {
      kind: 'physical-function',
      'communication.hearing': 'none',
      'communication.vision': 'none',
      'communication.speech': 'none',
      'oral.dentures': 'none',
      'oral.swallowing': 'normal',
      'oral.hygiene': 'good',
      'bowelControl.urination': 'continent',
      'bowelControl.defecation': 'continent',
      proceduresNote: '在宅酸素 安静時 1L/分',
    };
    const refused = await sato
      .post(`/patients/${patientId}/items`)
      .type('form')
      .send({ ...physicalFunction, procedures: ['oxygen-therapy', 'home-oxygen-tank'] });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /「home-oxygen-tank」は使えないコードです/);
    const saved = await sato
      .post(`/patients/${patientId}/items`)
      .type('form')
      .send({ ...physicalFunction, procedures: ['oxygen-therapy', 'tube-feeding'] });
    assert.equal(saved.status, 303, saved.text);
    const record = await sato.get(`/patients/${patientId}`);
    assert.match(
      record.text,
      /医療処置・機器 酸素療法（在宅酸素）、経管栄養・胃ろう（在宅酸素 安静時 1L\/分）/,
    );
  });

  it('still requires name and sex, saying so next to each field (control)', async () => {
    const sato = await signedIn(people.sato);
    await openPage(sato);
    const response = await sato.post('/patients').type('form').send({ 'name.kanji.family': '名無' });
    assert.equal(response.status, 400);
    assert.match(fieldHtml(response.text, 'sex'), /field-error[^>]*>入力が必要です/);
    assert.match(fieldHtml(response.text, 'name.kanji.given'), /field-error[^>]*>入力が必要です/);
    assert.doesNotMatch(fieldHtml(response.text, 'birthDate'), /field-error/);
  });

  it('answers a malformed form with 400 and each message next to its field', async () => {
    const sato = await signedIn(people.sato);
    await openPage(sato);
    const response = await sato
      .post('/patients')
      .type('form')
      .send({
        ...basicsForm({ birthDate: '1941-02-30', sex: 'robot', 'name.kanji.family': 'あ'.repeat(51) }),
      });
    assert.equal(response.status, 400);
    assert.match(fieldHtml(response.text, 'birthDate'), /field-error[^>]*>日付が正しくありません/);
    assert.match(fieldHtml(response.text, 'sex'), /「robot」は使えないコードです/);
    assert.match(fieldHtml(response.text, 'name.kanji.family'), /50文字以内で入力してください/);
    assert.doesNotMatch(fieldHtml(response.text, 'address.line'), /field-error/);
  });

  it('refuses impossible vital signs in the visit record, in English when asked', async () => {
    const sato = await signedIn(people.sato);
    const patientId = await registered(sato);
    const form = await sato.get(`/patients/${patientId}/visit?lang=en`);
    assert.equal(form.status, 200);
    assert.match(fieldHtml(form.text, 'profession'), /value="nurse" selected/);
    const response = await sato.post(`/patients/${patientId}/items?lang=en`).type('form').send({
      kind: 'visit-record',
      visitedAt: '2025-04-01T09:00',
      profession: 'nurse',
      state: 'Calm',
      'vitals.bodyTemperature': '372',
      'vitals.systolic': '120',
      'vitals.diastolic': '80',
    });
    assert.equal(response.status, 400);
    assert.match(
      fieldHtml(response.text, 'vitals.bodyTemperature'),
      /body temperature must be between 30 and 45/,
    );
  });

  it('stores a quick visit record and shows its vitals with their source', async () => {
    const sato = await signedIn(people.sato);
    const patientId = await registered(sato);
    await openPage(sato, `/patients/${patientId}/visit`);
    const response = await sato
      .post(`/patients/${patientId}/items`)
      .type('form')
      .send({
        kind: 'visit-record',
        visitedAt: '2025-04-01T09:00',
        profession: 'nurse',
        careGiven: ['observation', 'bathing'],
        state: '穏やかに過ごされている',
        'vitals.bodyTemperature': '36.5',
        'vitals.systolic': '124',
        'vitals.diastolic': '76',
        'meals.intake': 'all',
        'meals.form': 'regular',
      });
    assert.equal(response.status, 303, response.text);
    const record = await sato.get(`/patients/${patientId}`);
    assert.match(record.text, /体温 36.5℃ ／ 血圧 124\/76/);
    assert.match(record.text, /訪問記録（佐藤 花子）/);
  });

  it('answers 403 to someone outside the care team, and the refusal is audited', async () => {
    const sato = await signedIn(people.sato);
    const patientId = await registered(sato);
    const kimura = await signedIn(people.kimura);
    const response = await kimura.get(`/patients/${patientId}`);
    assert.equal(response.status, 403);
    assert.match(response.text, /ケアチームに参加していません/);
    assert.doesNotMatch(response.text, /大橋/);
    assert.deepEqual(await auditEvents(pool, { patientId, actorId: 'nurse.kimura' }), []);
    const refused = await auditEvents(pool, { actorId: 'nurse.kimura', type: 'patient.record.read' });
    assert.equal(refused.at(-1)?.outcome, 'failure');
    assert.equal(refused.at(-1)?.details.requestedPatientId, patientId);
  });

  it('answers 409 to the second of two edits of the same version and shows the other change', async () => {
    const sato = await signedIn(people.sato);
    const patientId = await registered(sato);
    await openPage(sato, `/patients/${patientId}/items/new?kind=diagnosis`);
    const diagnosis = { kind: 'diagnosis', name: '骨粗鬆症', status: 'active' };
    assert.equal((await sato.post(`/patients/${patientId}/items`).type('form').send(diagnosis)).status, 303);
    const itemId = /data-item-id="([0-9a-f-]{36})"/.exec(
      (await sato.get(`/patients/${patientId}`)).text,
    )?.[1];
    assert.ok(itemId);
    const first = await sato
      .post(`/patients/${patientId}/items/${itemId}`)
      .type('form')
      .send({ ...diagnosis, version: '1', status: 'remission', note: '先に保存した変更' });
    assert.equal(first.status, 303);
    const second = await sato
      .post(`/patients/${patientId}/items/${itemId}`)
      .type('form')
      .send({ ...diagnosis, version: '1', status: 'resolved' });
    assert.equal(second.status, 409);
    assert.match(second.text, /他の方の更新と重なりました/);
    assert.match(second.text, /骨粗鬆症 ・ 寛解/);
    assert.match(second.text, /name="version" value="2"/);
  });

  it('refuses a post sent from another site (control: from the portal’s own page the same post works)', async () => {
    const sato = await signedIn(people.sato);
    const refused = await sato
      .post('/patients')
      .set('origin', 'https://elsewhere.example')
      .set('sec-fetch-site', 'cross-site')
      .type('form')
      .send(basicsForm());
    assert.equal(refused.status, 403);
    await openPage(sato);
    assert.equal((await sato.post('/patients').type('form').send(basicsForm())).status, 303);
  });

  /** The patient's consent to the team sharing the record and sending documents, recorded on the care page. */
  async function consented(agent: Agent, patientId: string): Promise<void> {
    await openPage(agent, `/patients/${patientId}/care`);
    const recorded = await agent
      .post(`/patients/${patientId}/consents`)
      .type('form')
      .send({
        sharing: ['care-team', 'documents'],
        givenBy: 'patient',
        obtainedHow: 'written',
        obtainedOn: tokyoToday(),
        organisations: '',
      });
    assert.equal(recorded.status, 303, recorded.text);
  }

  it('invites an organisation, whose staff accept from their invitations page', async () => {
    const sato = await signedIn(people.sato);
    const patientId = await registered(sato);
    await openPage(sato, `/patients/${patientId}/team`);
    const withoutConsent = await sato
      .post(`/patients/${patientId}/team/invitations`)
      .type('form')
      .send({ kind: 'organisation', organisation: '東京中央病院', role: 'editor', validDays: '7' });
    assert.equal(withoutConsent.status, 409);
    assert.match(withoutConsent.text, /東京中央病院 をケアチームに加える同意が記録されていません/);
    await consented(sato, patientId);
    const care = await sato.get(`/patients/${patientId}/care`);
    assert.match(care.text, /ケアチームでの記録の共有/);
    const invited = await sato
      .post(`/patients/${patientId}/team/invitations`)
      .type('form')
      .send({ kind: 'organisation', organisation: '東京中央病院', role: 'editor', validDays: '7' });
    assert.equal(invited.status, 303);
    const takahashi = await signedIn(people.takahashi);
    const page = await takahashi.get('/patients/invitations');
    assert.match(page.text, /大橋 信子/);
    const invitationId = new RegExp(`/patients/invitations/([0-9a-f-]{36})`).exec(page.text)?.[1];
    const accepted = await takahashi
      .post(`/patients/invitations/${invitationId}`)
      .type('form')
      .send({ answer: 'accept' });
    assert.equal(accepted.status, 303);
    assert.equal((await takahashi.get(`/patients/${patientId}`)).status, 200);
    const team = await sato.get(`/patients/${patientId}/team`);
    assert.match(team.text, /東京中央病院/);
    assert.match(team.text, /機関として参加/);
  });

  it('shows a double booking as a 409 with the other visit', async () => {
    const sato = await signedIn(people.sato);
    const first = await registered(sato, { 'name.kanji.family': '一番' });
    const second = await registered(sato, { 'name.kanji.family': '二番' });
    const tomorrow = new Date(Date.now() + 33 * 60 * 60 * 1000).toISOString().slice(0, 10);
    await openPage(sato, `/patients/${first}/calendar`);
    const plan = { practitionerId: 'nurse.sato', durationMinutes: '60', purpose: '定期訪問' };
    const booked = await sato
      .post(`/patients/${first}/visits`)
      .type('form')
      .send({ ...plan, startsAt: `${tomorrow}T09:00` });
    assert.equal(booked.status, 303, booked.text);
    const clash = await sato
      .post(`/patients/${second}/visits`)
      .type('form')
      .send({ ...plan, startsAt: `${tomorrow}T09:30` });
    assert.equal(clash.status, 409);
    assert.match(clash.text, /訪問予定が重なっています/);
    assert.match(clash.text, /一番 信子 様の訪問/);
  });

  it('plans a care conference through the form and shows it with an attendee’s clashing visit', async () => {
    const sato = await signedIn(people.sato);
    const patientId = await registered(sato, { 'name.kanji.family': '会議' });
    const day = new Date(Date.now() + 5 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
    const calendar = await sato.get(`/patients/${patientId}/calendar`);
    assert.ok(
      calendar.text.includes(`href="/patients/${patientId}/conferences"`),
      'the calendar links there',
    );
    await openPage(sato, `/patients/${patientId}/conferences`);
    const visit = await sato
      .post(`/patients/${patientId}/visits`)
      .type('form')
      .send({ practitionerId: 'nurse.sato', startsAt: `${day}T15:30`, durationMinutes: '30' });
    assert.equal(visit.status, 303, visit.text);
    const plan = {
      kind: 'pre-discharge',
      startsAt: `${day}T15:00`,
      durationMinutes: '60',
      place: '中野総合病院 2階 会議室',
      agenda: '退院後の訪問体制',
    };
    const refused = await sato
      .post(`/patients/${patientId}/conferences`)
      .type('form')
      .send({ ...plan, place: '' });
    assert.equal(refused.status, 400);
    assert.match(fieldHtml(refused.text, 'place'), /field-error/);
    const planned = await sato.post(`/patients/${patientId}/conferences`).type('form').send(plan);
    assert.equal(planned.status, 303, planned.text);
    assert.equal(planned.headers.location, `/patients/${patientId}/conferences`);
    const page = await sato.get(`/patients/${patientId}/conferences`);
    assert.equal(page.status, 200);
    assert.match(page.text, /退院前カンファレンス/);
    assert.match(page.text, /中野総合病院 2階 会議室/);
    assert.match(page.text, /class="conference-conflict">佐藤 花子 さん: [^<]*会議 信子 様の訪問/);
    const english = await sato.get(`/patients/${patientId}/conferences?lang=en`);
    assert.match(english.text, /Pre-discharge conference/);
    assert.match((await sato.get('/patients/today?lang=ja')).text, /今日のカンファレンス/);
  });

  it('generates, reviews and sends a document, which the recipient sees and reads as FHIR JSON on screen', async () => {
    const sato = await signedIn(people.sato);
    const patientId = await registered(sato);
    await consented(sato, patientId);
    await openPage(sato, `/patients/${patientId}/team`);
    await sato.post(`/patients/${patientId}/team/invitations`).type('form').send({
      kind: 'individual',
      organisation: people.tanaka.organisation,
      practitionerId: 'dr.tanaka',
      role: 'editor',
    });
    const tanaka = await signedIn(people.tanaka);
    const invitations = await tanaka.get('/patients/invitations');
    const invitationId = /\/patients\/invitations\/([0-9a-f-]{36})/.exec(invitations.text)?.[1];
    await tanaka.post(`/patients/invitations/${invitationId}`).type('form').send({ answer: 'accept' });

    const documents = await sato.get(`/patients/${patientId}/documents`);
    const memberId = new RegExp(`<option value="([0-9a-f-]{36})"[^>]*>中野在宅クリニック`).exec(
      documents.text,
    )?.[1];
    assert.ok(memberId, 'the clinic can be chosen as recipient');
    const generated = await sato
      .post(`/patients/${patientId}/documents`)
      .type('form')
      .send({ scene: 'B', recipientMemberId: memberId });
    assert.equal(generated.status, 303);
    const documentPath = generated.headers.location!;
    await sato.post(documentPath).type('form').send({ version: '1', purpose: '在宅での疼痛管理について' });
    await sato.post(`${documentPath}/review`).type('form').send({ version: '2' });
    const sent = await sato.post(`${documentPath}/send`).type('form').send({ version: '3' });
    assert.equal(sent.status, 303);

    const inbox = await tanaka.get('/patients/documents');
    assert.match(inbox.text, /診療情報提供書/);
    const page = await tanaka.get(documentPath);
    assert.match(page.text, /在宅での疼痛管理について/);
    const fhir = await tanaka.get(`${documentPath}/fhir`);
    assert.equal(fhir.status, 200);
    assert.match(fhir.headers['content-type'] ?? '', /text\/html/);
    assert.equal(fhir.headers['content-disposition'], undefined);
    assert.match(fhir.text, /&quot;resourceType&quot;: &quot;Bundle&quot;/);
    const notified = await pool.query(
      `SELECT e.title FROM timeline_events e JOIN timeline_inbox i ON i.event_id = e.id
        WHERE i.practitioner_id = 'dr.tanaka' AND e.patient_id = $1`,
      [patientId],
    );
    assert.ok(
      notified.rows.some((row: { title: string }) => row.title.startsWith('診療情報提供書が届きました')),
    );
  });
});
