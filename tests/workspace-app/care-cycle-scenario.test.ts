import assert from 'node:assert/strict';
import { type Practitioner, tokyoToday } from '@hcw/common';
import type { StoredInquiry, StoredRequest } from '#workspace-app/transfers/transfer-store.js';
import { basicsForm, people, registerPractitioners } from './patients/patient-fixtures.js';
import { startPortalUnderTest, type Agent, type PortalUnderTest } from './portal-under-test.js';
import {
  anAcceptance,
  aStoredHospital,
  bedManagerOf,
  newRequestBody,
  storeHospitals,
} from './transfers/workflow-fixtures.js';

/**
 * The care cycle of the seed document, through HTTP as the practitioners' browsers drive it: a patient at
 * home is admitted, the care manager sees the deadline and sends scene A, the hospital's MSW discharges
 * the patient with a transfer request filled from the record, confirms a rehabilitation hospital, which
 * joins the care team and receives scene B; withdrawing consent stops the next document; the patient goes
 * home and the home team sees it.
 */
/** The record page's line that says what the patient consented to. */
function consentLineOf(page: string): string {
  return /<p class="consent-now">([\s\S]*?)<\/p>/.exec(page)?.[1] ?? '';
}

describe('the care cycle, admission to discharge and home again', function () {
  this.timeout(180_000);
  let portal: PortalUnderTest;
  const rehab = aStoredHospital('rehab');
  const backup = aStoredHospital('backup');
  const rehabMsw: Practitioner = {
    id: 'msw.rehab',
    displayName: '森 理恵',
    organisation: `${rehab.organisation} 地域連携室`,
    profession: '医療ソーシャルワーカー',
    roles: ['msw'],
  };
  const bedManager = bedManagerOf('rehab');
  const today = tokyoToday();
  let sato: Agent;
  let suzuki: Agent;
  let takahashi: Agent;
  let rehabDesk: Agent;
  let beds: Agent;
  let backupBeds: Agent;
  let patientId: string;

  before(async () => {
    portal = await startPortalUnderTest('care_cycle_scenario_test');
    await registerPractitioners(portal.pool, [
      ...Object.values(people),
      rehabMsw,
      bedManager,
      bedManagerOf('backup'),
    ]);
    await storeHospitals(portal.pool, [rehab, backup]);
    sato = await portal.signInOnPortalPage(people.sato);
    suzuki = await portal.signInOnPortalPage(people.suzuki);
    takahashi = await portal.signInOnPortalPage(people.takahashi);
    rehabDesk = await portal.signInOnPortalPage(rehabMsw);
    beds = await portal.signInOnPortalPage(bedManager);
    backupBeds = await portal.signInOnPortalPage(bedManagerOf('backup'));
  });
  after(async () => {
    await portal?.close();
  });

  async function form(agent: Agent, path: string, body: Record<string, unknown>, status = 303) {
    const response = await agent.post(path).type('form').send(body);
    assert.equal(response.status, status, `${path}: ${response.text.slice(0, 400)}`);
    return response;
  }

  async function accept(agent: Agent): Promise<void> {
    const page = await agent.get('/patients/invitations');
    const invitationId = /\/patients\/invitations\/([0-9a-f-]{36})/.exec(page.text)?.[1];
    assert.ok(invitationId, 'an invitation is waiting');
    await form(agent, `/patients/invitations/${invitationId}`, { answer: 'accept' });
  }

  async function memberId(organisation: string): Promise<string> {
    const { rows } = await portal.pool.query<{ id: string }>(
      `SELECT id FROM care_team_members WHERE patient_id = $1 AND organisation = $2 AND left_at IS NULL`,
      [patientId, organisation],
    );
    assert.equal(rows.length, 1, `${organisation} is on the team`);
    return rows[0]!.id;
  }

  async function sendDocument(agent: Agent, scene: 'A' | 'B', recipientMemberId: string, status = 303) {
    const generated = await form(agent, `/patients/${patientId}/documents`, { scene, recipientMemberId });
    const documentPath = generated.headers.location!.replace(/\?.*$/, '');
    await form(agent, `${documentPath}/review`, { version: '1' });
    return { documentPath, sent: await form(agent, `${documentPath}/send`, { version: '2' }, status) };
  }

  async function timelineTitles(practitionerId: string): Promise<string[]> {
    const { rows } = await portal.pool.query<{ title: string }>(
      `SELECT e.title FROM timeline_events e JOIN timeline_inbox i ON i.event_id = e.id
        WHERE i.practitioner_id = $1 AND e.patient_id = $2 ORDER BY e.occurred_at`,
      [practitionerId, patientId],
    );
    return rows.map((row) => row.title);
  }

  async function auditTypes(): Promise<
    { type: string; outcome: string; details: Record<string, unknown> }[]
  > {
    const { rows } = await portal.pool.query(
      `SELECT type, outcome, details FROM audit_events WHERE patient_id = $1 ORDER BY id`,
      [patientId],
    );
    return rows;
  }

  it('starts at home: the nurse registers the patient, records consent, takes in the care manager', async () => {
    await sato.get('/patients/new');
    const registered = await form(sato, '/patients', basicsForm());
    patientId = /\/patients\/([0-9a-f-]{36})/.exec(registered.headers.location ?? '')![1]!;
    await form(sato, `/patients/${patientId}/items`, {
      kind: 'diagnosis',
      name: '大腿骨頸部骨折',
      icd10: 'S72.0',
      status: 'active',
      isMain: 'true',
    });
    await form(sato, `/patients/${patientId}/items`, {
      kind: 'diagnosis',
      name: '膵臓癌',
      status: 'active',
      isNotShared: 'true',
    });
    const unconsented = await sato.get(`/patients/${patientId}`);
    assert.match(consentLineOf(unconsented.text), /同意は記録されていません/);
    await form(sato, `/patients/${patientId}/consents`, {
      sharing: ['care-team', 'documents'],
      givenBy: 'representative',
      representativeName: '大橋 健',
      representativeRelationship: '長男',
      obtainedHow: 'written',
      obtainedOn: today,
    });
    const consented = consentLineOf((await sato.get(`/patients/${patientId}`)).text);
    assert.match(consented, /ケアチームでの記録の共有（ケアチームのすべての機関）/);
    assert.match(consented, /他機関への文書の送付（ケアチームのすべての機関）/);
    await form(sato, `/patients/${patientId}/team/invitations`, {
      kind: 'individual',
      organisation: people.suzuki.organisation,
      practitionerId: people.suzuki.id,
      role: 'editor',
    });
    await accept(suzuki);
    const list = await sato.get('/patients');
    assert.match(list.text, /在宅（記録なし）|大橋 信子/);
  });

  it('admits the patient: the team is told, the care manager sees the deadline and sends scene A in time', async () => {
    await form(sato, `/patients/${patientId}/admission`, { hospital: '東京中央病院', admittedOn: today });
    assert.ok(
      (await timelineTitles('cm.suzuki')).some((t) => t.startsWith('入院:') && t.includes(`加算Ⅰ ${today}`)),
    );
    const care = await suzuki.get(`/patients/${patientId}/care`);
    assert.match(care.text, new RegExp(`data-deadline="I">${today}<`));
    assert.match(care.text, /まだ送付されていません/);
    const record = await suzuki.get(`/patients/${patientId}`);
    assert.match(record.text, /data-place="hospital"/);
    assert.match(record.text, /入院中 東京中央病院/);

    // The hospital joins the team (the consent covers every organisation) and gets the admission information.
    await form(sato, `/patients/${patientId}/team/invitations`, {
      kind: 'organisation',
      organisation: '東京中央病院',
      role: 'editor',
    });
    await accept(takahashi);
    await sendDocument(suzuki, 'A', await memberId('東京中央病院'));
    const after = await suzuki.get(`/patients/${patientId}/care`);
    assert.match(after.text, new RegExp(`data-sent-on="${today}"`));
    assert.match(after.text, /加算\(Ⅰ\)の期限内/);
  });

  it('discharges through a transfer filled from the record; the confirmed hospital joins and receives scene B', async () => {
    const prefilled = await takahashi.get(`/transfers/requests/new?patientId=${patientId}`);
    assert.equal(prefilled.status, 200);
    assert.match(prefilled.text, /大腿骨頸部骨折/);
    // DATA-1: the nurse's 未提供 diagnosis never reaches another organisation's form.
    assert.doesNotMatch(prefilled.text, /膵臓癌/);

    const created = await takahashi
      .post('/api/transfers/requests')
      .send(newRequestBody({}, patientId))
      .expect(201);
    const request = (created.body as { request: StoredRequest }).request;
    const asked = await takahashi
      .post(`/api/transfers/requests/${request.id}/inquiries`)
      .send({ hospitalIds: ['rehab'], message: null })
      .expect(201);
    const inquiry = (asked.body as { inquiries: StoredInquiry[] }).inquiries[0]!;
    await beds
      .post(`/api/transfers/inquiries/${inquiry.id}/answer`)
      .send(anAcceptance('rehab-w1', new Date()))
      .expect(200);
    await takahashi.post(`/api/transfers/inquiries/${inquiry.id}/confirm`).expect(200);
    const confirm = (await auditTypes()).find((e) => e.type === 'transfer.inquiry.confirm');
    assert.equal(confirm?.details.careTeam, 'invited');

    await accept(rehabDesk);
    const rehabMember = await memberId(rehab.organisation);
    const { documentPath } = await sendDocument(takahashi, 'B', rehabMember);
    const received = await rehabDesk.get(documentPath);
    assert.equal(received.status, 200);
    assert.match(received.text, /診療情報提供書/);
    assert.doesNotMatch(received.text, /膵臓癌/);

    await form(takahashi, `/patients/${patientId}/discharge`, {
      to: 'hospital',
      organisation: rehab.hospital.name,
      dischargedOn: today,
    });
    const record = await rehabDesk.get(`/patients/${patientId}`);
    assert.match(record.text, new RegExp(`入院中 ${rehab.hospital.name}`));
  });

  it('stops a document once consent to send documents is withdrawn (control: the same document went out before)', async () => {
    const { rows } = await portal.pool.query<{ id: string }>(
      `SELECT id FROM patient_consents WHERE patient_id = $1 AND sharing = 'documents' AND withdrawn_at IS NULL`,
      [patientId],
    );
    await form(sato, `/patients/${patientId}/consents/${rows[0]!.id}/withdraw`, { reason: '家族の希望' });
    const { sent } = await sendDocument(takahashi, 'B', await memberId(rehab.organisation), 409);
    assert.match(sent.text, /文書を送る同意が記録されていません/);
    const refused = (await auditTypes()).filter(
      (e) => e.type === 'patient.document.send' && e.outcome !== 'success',
    );
    assert.equal(refused.length, 1);
    const care = await sato.get(`/patients/${patientId}/care`);
    assert.match(care.text, /撤回\s[\s\S]*?: 家族の希望/);
    // The record's head now names only the sharing still consented to.
    const left = consentLineOf((await sato.get(`/patients/${patientId}`)).text);
    assert.match(left, /ケアチームでの記録の共有/);
    assert.doesNotMatch(left, /文書の送付/);
  });

  it('brings the patient home: the home team sees it on the record, the list and the timeline', async () => {
    await form(rehabDesk, `/patients/${patientId}/discharge`, { to: 'home', dischargedOn: today });
    const list = await sato.get('/patients');
    assert.match(list.text, new RegExp(`在宅（${today}〜）`));
    assert.ok(
      (await timelineTitles('nurse.sato')).some((t) => t.startsWith('退院:') && t.includes('退院先 自宅')),
    );
    const types = (await auditTypes()).map((e) => e.type);
    for (const type of [
      'patient.consent.record',
      'patient.admission.record',
      'patient.document.send',
      'transfer.inquiry.confirm',
      'patient.discharge.record',
      'patient.consent.withdraw',
    ]) {
      assert.ok(types.includes(type), `${type} is in the audit trail`);
    }
  });

  it('lets the visiting nurse ask for a back-up bed for the patient at home, with the same search, and counts the days', async () => {
    const care = await sato.get(`/patients/${patientId}/care`);
    assert.match(care.text, /purpose=backup-bed/);
    const form = await sato.get(`/transfers/requests/new?patientId=${patientId}&purpose=backup-bed`);
    assert.equal(form.status, 200);
    assert.match(form.text, /name="purpose" value="backup-bed"/);
    assert.match(form.text, /大腿骨頸部骨折/);

    // Control: a transfer request stays the MSWs'; a back-up bed names a patient of the record.
    const transfer = await sato.post('/api/transfers/requests').send(newRequestBody({}, patientId));
    assert.equal(transfer.status, 403);
    const nameless = await sato
      .post('/api/transfers/requests')
      .send({ ...newRequestBody({}, null), purpose: 'backup-bed' });
    assert.equal(nameless.status, 400);

    const created = await sato
      .post('/api/transfers/requests')
      .send({ ...newRequestBody({}, patientId), purpose: 'backup-bed' })
      .expect(201);
    const request = (created.body as { request: StoredRequest }).request;
    assert.equal(request.purpose, 'backup-bed');
    await sato.get(`/api/transfers/requests/${request.id}/search`).expect(200);
    const asked = await sato
      .post(`/api/transfers/requests/${request.id}/inquiries`)
      .send({ hospitalIds: ['backup'], message: null })
      .expect(201);
    const inquiry = (asked.body as { inquiries: StoredInquiry[] }).inquiries[0]!;
    await backupBeds
      .post(`/api/transfers/inquiries/${inquiry.id}/answer`)
      .send(anAcceptance('backup-w1', new Date()))
      .expect(200);
    await sato.post(`/api/transfers/inquiries/${inquiry.id}/confirm`).expect(200);

    const overview = await sato.get('/transfers');
    assert.match(overview.text, /後方支援病床の依頼/);
    assert.match(overview.text, /病床が決まるまでの日数: 平均 0日、最長 0日（決定 1件）/);
    // Another home team's nurse neither sees nor acts on it.
    const kimura = await portal.signInOnPortalPage(people.kimura);
    assert.equal((await kimura.get(`/api/transfers/requests/${request.id}`)).status, 403);
  });
});
