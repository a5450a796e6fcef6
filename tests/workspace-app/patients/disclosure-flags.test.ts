import assert from 'node:assert/strict';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import type { PatientActor } from '#workspace-app/patients/patient-actor.js';
import { startPortalUnderTest, SAME_ORIGIN, type Agent, type PortalUnderTest } from '../portal-under-test.js';
import {
  aBasics,
  anActor,
  auditEvents,
  patientDeps,
  people,
  registerPractitioners,
} from './patient-fixtures.js';

/** A doctor of the hospital's internal medicine: the same organisation as its 地域連携室, another department. */
const naika = anActor({
  id: 'dr.naika',
  displayName: '内田 一',
  organisation: '東京中央病院 内科',
  profession: '医師',
});

/**
 * DATA-1 through the whole portal: 未告知 (not told to the patient) is shown to the care team's
 * professionals with a label; 未提供 (not to be shared) only inside the organisation that recorded it,
 * its departments included.
 */
describe('disclosure flags on diagnoses, through HTTP (DATA-1)', function () {
  this.timeout(60000);
  let portal: PortalUnderTest;
  let patientId: string;
  const agents = new Map<string, Agent>();

  async function as(who: PatientActor): Promise<Agent> {
    const known = agents.get(who.id);
    if (known) return known;
    const agent = await portal.signIn(who);
    agent.set(SAME_ORIGIN);
    agents.set(who.id, agent);
    return agent;
  }

  async function addDiagnosis(who: PatientActor, fields: Record<string, string>): Promise<void> {
    const agent = await as(who);
    const response = await agent
      .post(`/patients/${patientId}/items`)
      .type('form')
      .send({ kind: 'diagnosis', status: 'active', ...fields });
    assert.equal(response.status, 303, response.text);
  }

  /** The record page's diagnosis entries: each entry's text, flags' badges included. */
  async function diagnosisEntries(who: PatientActor, lang = 'ja'): Promise<string[]> {
    const page = await (await as(who)).get(`/patients/${patientId}?lang=${lang}`);
    assert.equal(page.status, 200, page.text);
    return [...page.text.matchAll(/<li class="item" data-item-id="[^"]+">([\s\S]*?)<\/li>/g)]
      .map((match) => match[1]!)
      .filter((entry) => /癌|心不全|肺炎|転移/.test(entry));
  }

  async function itemIdOf(who: PatientActor, name: string): Promise<string> {
    const page = await (await as(who)).get(`/patients/${patientId}`);
    const id = new RegExp(`data-item-id="([0-9a-f-]{36})">(?:(?!</li>)[\\s\\S])*?${name}`).exec(
      page.text,
    )?.[1];
    assert.ok(id, `${name} is on ${who.id}'s page`);
    return id;
  }

  before(async () => {
    portal = await startPortalUnderTest('patients_disclosure_http_test');
    await registerPractitioners(portal.pool, [people.tanaka, people.sato, people.takahashi, naika]);
    const deps = patientDeps(portal.pool);
    patientId = (await createPatient(deps, people.tanaka, aBasics())).patientId;
    // The team: the clinic (owner), the visiting nurse, and 東京中央病院 as an organisation whose
    // designated staff are its MSW (地域連携室) and an internist (内科).
    await portal.pool.query(
      `INSERT INTO care_team_members (patient_id, kind, organisation, practitioner_id, designated_staff, role, added_by)
       VALUES ($1, 'individual', '新宿訪問看護ステーション', 'nurse.sato', '{}', 'editor', 'dr.tanaka'),
              ($1, 'organisation', '東京中央病院', NULL, '{msw.takahashi,dr.naika}', 'editor', 'dr.tanaka')`,
      [patientId],
    );
    await addDiagnosis(people.tanaka, { name: '慢性心不全' });
    await addDiagnosis(people.tanaka, { name: '膵臓癌', icd10: 'C25.9', isNotToldToPatient: 'on' });
    await addDiagnosis(people.takahashi, { name: '誤嚥性肺炎', isNotShared: 'on' });
  });
  after(async () => {
    await portal?.close();
  });

  it('shows a diagnosis not told to the patient to a professional of another organisation, labelled', async () => {
    const entries = await diagnosisEntries(people.sato);
    const cancer = entries.find((entry) => entry.includes('膵臓癌'));
    assert.ok(cancer, 'the visiting nurse sees the cancer');
    assert.match(cancer, /class="badge secret not-told">未告知/);
    assert.match(cancer, /【未告知】膵臓癌/);
    const english = (await diagnosisEntries(people.sato, 'en')).find((entry) => entry.includes('膵臓癌'));
    assert.match(english ?? '', /Not told to the patient/);
    // Control: an unflagged diagnosis carries no label.
    const heart = entries.find((entry) => entry.includes('慢性心不全'));
    assert.ok(heart);
    assert.doesNotMatch(heart, /未告知|未提供/);
  });

  it('shows a diagnosis not to be shared to another department of the recording organisation', async () => {
    const entries = await diagnosisEntries(naika);
    const pneumonia = entries.find((entry) => entry.includes('誤嚥性肺炎'));
    assert.ok(pneumonia, '内科 sees what 地域連携室 recorded');
    assert.match(pneumonia, /class="badge secret not-shared">未提供/);
    assert.ok((await diagnosisEntries(people.takahashi)).some((entry) => entry.includes('誤嚥性肺炎')));
  });

  it('hides it from every other organisation: record, item and history answer not found (control: the others stay)', async () => {
    const itemId = await itemIdOf(people.takahashi, '誤嚥性肺炎');
    for (const outsider of [people.sato, people.tanaka]) {
      const entries = await diagnosisEntries(outsider);
      assert.ok(!entries.some((entry) => entry.includes('誤嚥性肺炎')), `${outsider.id} does not see it`);
      assert.ok(
        entries.some((entry) => entry.includes('慢性心不全')),
        `${outsider.id} sees the others`,
      );
      const agent = await as(outsider);
      assert.equal((await agent.get(`/patients/${patientId}/items/${itemId}/history`)).status, 404);
      assert.equal((await agent.get(`/patients/${patientId}/items/${itemId}/edit`)).status, 404);
    }
    assert.equal(
      (await (await as(naika)).get(`/patients/${patientId}/items/${itemId}/history`)).status,
      200,
      'control: the same history opens for the recording organisation',
    );
  });

  it('lets another department of the recording organisation lift 未提供, and nobody outside it set it (control)', async () => {
    const heartId = await itemIdOf(people.sato, '慢性心不全');
    const refused = await (
      await as(people.sato)
    )
      .post(`/patients/${patientId}/items/${heartId}`)
      .type('form')
      .send({ kind: 'diagnosis', name: '慢性心不全', status: 'active', version: '1', isNotShared: 'on' });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /未提供の設定は、記録した機関だけが変更できます/);

    await addDiagnosis(people.takahashi, { name: '肝転移', isNotShared: 'on' });
    const metastasisId = await itemIdOf(people.takahashi, '肝転移');
    const lifted = await (
      await as(naika)
    )
      .post(`/patients/${patientId}/items/${metastasisId}`)
      .type('form')
      .send({ kind: 'diagnosis', name: '肝転移', status: 'active', version: '1' });
    assert.equal(lifted.status, 303, lifted.text);
    assert.ok((await diagnosisEntries(people.sato)).some((entry) => entry.includes('肝転移')));
  });

  it('audits every read of the record, the refused history included', async () => {
    const reads = await auditEvents(portal.pool, { patientId, actorId: 'nurse.sato' });
    assert.ok(reads.some((event) => event.type === 'patient.record.read' && event.outcome === 'success'));
    assert.ok(
      reads.some((event) => event.type === 'patient.item.history.read' && event.outcome === 'failure'),
    );
  });

  it('sends a document with the 未告知 diagnosis labelled for FHIR and without the 未提供 one', async () => {
    const tanaka = await as(people.tanaka);
    const documents = await tanaka.get(`/patients/${patientId}/documents`);
    const memberId = new RegExp(`<option value="([0-9a-f-]{36})"[^>]*>新宿訪問看護ステーション`).exec(
      documents.text,
    )?.[1];
    assert.ok(memberId, 'the nurse can be chosen as recipient');
    const generated = await tanaka
      .post(`/patients/${patientId}/documents`)
      .type('form')
      .send({ scene: 'B', recipientMemberId: memberId });
    assert.equal(generated.status, 303, generated.text);
    const fhir = await (await as(people.tanaka)).get(`${generated.headers.location!}/fhir`);
    assert.equal(fhir.status, 200);
    const json = fhir.text.replace(/&quot;/g, '"');
    assert.match(json, /"text": "膵臓癌"/);
    assert.match(json, /"code": "NOPAT"/);
    assert.match(json, /【未告知】膵臓癌/);
    assert.doesNotMatch(json, /誤嚥性肺炎/, 'a diagnosis not to be shared stays with its organisation');
    // Control: the same document's other diagnosis is there, without a label.
    assert.match(json, /"text": "慢性心不全"/);
  });
});
