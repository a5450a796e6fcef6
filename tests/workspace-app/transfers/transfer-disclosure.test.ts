import assert from 'node:assert/strict';
import type { Practitioner } from '@hcw/common';
import type { StoredInquiry, StoredRequest } from '#workspace-app/transfers/transfer-store.js';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import { addRecordItem } from '#workspace-app/patients/record-items.js';
import { aBasics, aDiagnosis, patientDeps, people } from '../patients/patient-fixtures.js';
import { startPortalUnderTest, type Agent, type PortalUnderTest } from '../portal-under-test.js';
import {
  anMsw,
  askHospitals,
  aStoredHospital,
  auditRows,
  bedManagerOf,
  createRequest,
  errorOf,
  newRequestBody,
  storeHospitals,
  timelineOf,
} from './workflow-fixtures.js';

/**
 * DATA-1 for transfer requests, through the whole portal: a main diagnosis not to be shared (未提供)
 * never reaches a hospital asked (pages, JSON, notices, FHIR), one not told to the patient (未告知)
 * reaches it labelled, and FHIR exports carry the matching HL7 security labels.
 */
describe('disclosure flags on transfer requests, through HTTP (DATA-1)', function () {
  this.timeout(60000);
  let portal: PortalUnderTest;
  let msw: Agent;
  let beds: Agent;
  const bedManager: Practitioner = bedManagerOf('h-disc');
  const requests: Record<
    'notShared' | 'notTold' | 'plain',
    { request: StoredRequest; inquiry: StoredInquiry }
  > = {} as never;

  async function requestWith(diagnosis: Record<string, unknown>) {
    const body = newRequestBody(
      { mainDiagnosis: { name: '膵臓癌', icd10: 'C25.9', onsetDate: '2025-01-20', ...diagnosis } },
      null,
    );
    const request = await createRequest(msw, body);
    const [inquiry] = await askHospitals(msw, request.id, ['h-disc']);
    assert.ok(inquiry);
    return { request, inquiry };
  }

  before(async () => {
    portal = await startPortalUnderTest('transfers_disclosure_http_test');
    await storeHospitals(portal.pool, [aStoredHospital('h-disc')]);
    msw = await portal.signInOnPortalPage(anMsw());
    beds = await portal.signInOnPortalPage(bedManager);
    requests.notShared = await requestWith({ isNotShared: true });
    requests.notTold = await requestWith({ isNotToldToPatient: true });
    requests.plain = await requestWith({ name: '脳梗塞', icd10: 'I63.9' });
  });
  after(async () => {
    await portal?.close();
  });

  const fhirOf = async (agent: Agent, requestId: string) => {
    const response = await agent.get(`/api/transfers/requests/${requestId}/fhir`);
    assert.equal(response.status, 200, response.text);
    return response.text;
  };

  it('keeps a diagnosis not to be shared from the hospital asked: page, JSON, list, notice and FHIR', async () => {
    const { request, inquiry } = requests.notShared;
    const page = await beds.get(`/transfers/inquiries/${inquiry.id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /未提供の病名のため表示しません/);
    const json = await beds.get(`/api/transfers/inquiries/${inquiry.id}`);
    const listed = (
      (await beds.get('/api/transfers')).body as {
        inquiries: { inquiry: StoredInquiry; request: StoredRequest }[];
      }
    ).inquiries.find((entry) => entry.inquiry.id === inquiry.id);
    assert.ok(listed, 'the inquiry is listed for the hospital');
    const fhir = await fhirOf(beds, request.id);
    const notices = (await timelineOf(portal.pool, bedManager.id))
      .filter((row) => row.portal_link.includes(inquiry.id))
      .map((row) => row.title);
    assert.equal(notices.length, 1, 'the hospital was told of the inquiry');
    for (const [what, text] of [
      ['page', page.text],
      ['JSON', json.text],
      ['list', JSON.stringify(listed)],
      ['FHIR', fhir],
      ['notices', notices.join('\n')],
    ] as const) {
      assert.doesNotMatch(text, /膵臓癌|C25\.9/, `${what} of the hospital asked`);
    }
    assert.match(JSON.stringify(json.body), /2025-01-20/, 'the onset date stays, for admission rules');
  });

  it('shows it to the requesting MSW, with restricted and originator-controlled labels in FHIR (control)', async () => {
    const { request } = requests.notShared;
    const page = await msw.get(`/transfers/requests/${request.id}`);
    assert.match(page.text, /膵臓癌（C25\.9）/);
    const fhir = JSON.parse(await fhirOf(msw, request.id)) as {
      entry: { resource: { meta?: { security: { code: string }[] }; reasonCode?: { text: string }[] } }[];
    };
    const serviceRequest = fhir.entry[0]!.resource;
    assert.equal(serviceRequest.reasonCode?.[0]?.text, '膵臓癌');
    assert.deepEqual(
      serviceRequest.meta?.security.map((label) => label.code),
      ['R', 'ORCON'],
    );
  });

  it('shows a diagnosis not told to the patient to the hospital asked, labelled, with NOPAT in FHIR', async () => {
    const { request, inquiry } = requests.notTold;
    const page = await beds.get(`/transfers/inquiries/${inquiry.id}`);
    assert.match(page.text, /class="badge not-told">未告知<\/span> 膵臓癌/);
    const notices = (await timelineOf(portal.pool, bedManager.id)).map((row) => row.title);
    assert.ok(
      notices.some((title) => title.includes('【未告知】膵臓癌')),
      notices.join('\n'),
    );
    const fhir = JSON.parse(await fhirOf(beds, request.id)) as {
      entry: { resource: { resourceType: string; meta?: { security: { code: string }[] } } }[];
    };
    for (const { resource } of fhir.entry) {
      assert.deepEqual(
        resource.meta?.security.map((label) => label.code),
        ['NOPAT'],
        resource.resourceType,
      );
    }
  });

  it('labels nothing and withholds nothing when neither flag is set (control)', async () => {
    const { request, inquiry } = requests.plain;
    const page = await beds.get(`/transfers/inquiries/${inquiry.id}`);
    assert.match(page.text, /脳梗塞（I63\.9）/);
    assert.doesNotMatch(page.text, /badge not-told|未提供の病名/);
    const fhir = JSON.parse(await fhirOf(beds, request.id)) as { entry: { resource: { meta?: unknown } }[] };
    assert.ok(fhir.entry.every(({ resource }) => resource.meta === undefined));
  });

  it('refuses a flag that is not true or false with a message in both languages', async () => {
    const body = newRequestBody({}, null);
    const response = await msw.post('/api/transfers/requests').send({
      ...body,
      request: { ...body.request, mainDiagnosis: { ...body.request.mainDiagnosis, isNotShared: 'yes' } },
    });
    assert.equal(response.status, 400);
    const message = errorOf(response);
    assert.ok(message.ja.length > 0 && message.en.length > 0);
    assert.match(JSON.stringify(response.body), /isNotShared/);
  });

  it('offers both flags on the request form, in Japanese first and in English', async () => {
    const ja = await msw.get('/transfers/requests/new');
    assert.match(ja.text, /name="diagnosisNotTold"/);
    assert.match(ja.text, /未提供（共有しない）/);
    const en = await msw.get('/transfers/requests/new?lang=en');
    assert.match(en.text, /Not to be shared/);
  });

  it('fills a new request from the shared record, the main diagnosis with its flags and the procedures from the one list', async () => {
    const deps = patientDeps(portal.pool);
    const tanaka = people.tanaka;
    const patientId = (await createPatient(deps, tanaka, aBasics({ birthDate: '1938-05-12' }))).patientId;
    await portal.pool.query(
      `INSERT INTO care_team_members (patient_id, kind, organisation, practitioner_id, designated_staff, role, added_by)
       VALUES ($1, 'organisation', '東京中央病院', NULL, '{msw.takahashi}', 'editor', 'dr.tanaka')`,
      [patientId],
    );
    await addRecordItem(
      deps,
      tanaka,
      patientId,
      'diagnosis',
      aDiagnosis({ name: '膵臓癌', icd10: 'C25.9', isNotToldToPatient: true }),
    );
    await addRecordItem(deps, tanaka, patientId, 'physical-function', {
      disabilities: [],
      communication: { hearing: 'none', vision: 'none', speech: 'none' },
      infections: [],
      oral: { dentures: 'none', swallowing: 'normal', hygiene: 'good' },
      bowelControl: { urination: 'continent', defecation: 'continent' },
      procedures: ['oxygen-therapy', 'tube-feeding'],
    });
    const form = await msw.get(`/transfers/requests/new?patientId=${patientId}`);
    assert.equal(form.status, 200, form.text);
    assert.match(
      form.text,
      /name="diagnosisName"[^>]*value="膵臓癌"|value="膵臓癌"[^>]*name="diagnosisName"/,
    );
    assert.match(form.text, /name="diagnosisNotTold" value="1" checked/);
    assert.doesNotMatch(form.text, /name="diagnosisNotShared" value="1" checked/);
    assert.match(form.text, /name="proceduresNeeded" value="oxygen-therapy" checked/);
    assert.match(form.text, /name="proceduresNeeded" value="tube-feeding" checked/);
    assert.doesNotMatch(form.text, /name="proceduresNeeded" value="ventilator" checked/);
    const reads = await auditRows(portal.pool, 'patient.record.read');
    assert.ok(reads.some((row) => row.actor_id === 'msw.takahashi' && row.patient_id === patientId));

    // Control: a main diagnosis the clinic keeps to itself (未提供) is not offered to the hospital's MSW.
    const other = (await createPatient(deps, tanaka, aBasics())).patientId;
    await portal.pool.query(
      `INSERT INTO care_team_members (patient_id, kind, organisation, practitioner_id, designated_staff, role, added_by)
       VALUES ($1, 'organisation', '東京中央病院', NULL, '{msw.takahashi}', 'editor', 'dr.tanaka')`,
      [other],
    );
    await addRecordItem(deps, tanaka, other, 'diagnosis', aDiagnosis({ name: '膵臓癌', isNotShared: true }));
    const withheld = await msw.get(`/transfers/requests/new?patientId=${other}`);
    assert.equal(withheld.status, 200);
    assert.doesNotMatch(withheld.text, /膵臓癌/);
  });

  it('audits the hospital’s reads under the patient', async () => {
    const reads = await auditRows(portal.pool, 'transfer.inquiry.read');
    assert.ok(reads.some((row) => row.actor_id === bedManager.id && row.outcome === 'success'));
    const exports = await auditRows(portal.pool, 'transfer.request.fhir');
    assert.ok(exports.some((row) => row.actor_id === bedManager.id));
  });
});
