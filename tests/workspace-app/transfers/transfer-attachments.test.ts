import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { attachToRecord } from '#workspace-app/attachments/attachments.js';
import { recordConsent, withdrawConsent } from '#workspace-app/patients/consent.js';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import type { StoredInquiry, StoredRequest } from '#workspace-app/transfers/transfer-store.js';
import { aJpeg, aReceivedPhoto } from '../../support/photos.js';
import { aBasics, patientDeps, people } from '../patients/patient-fixtures.js';
import { startPortalUnderTest, type Agent, type PortalUnderTest } from '../portal-under-test.js';
import {
  anMsw,
  askHospitals,
  aStoredHospital,
  auditRows,
  bedManagerOf,
  createRequest,
  newRequestBody,
  storeHospitals,
} from './workflow-fixtures.js';

/**
 * Photos and documents sent with a transfer request: the MSW attaches them from the patient's record, the
 * hospitals asked see them as pictures inside the portal only while the patient's consent to send documents
 * covers them, and every look is audited under the patient.
 */
describe('photos and documents with a transfer request', function () {
  this.timeout(60000);
  let portal: PortalUnderTest;
  let msw: Agent;
  let covered: Agent;
  let uncovered: Agent;
  let patientId: string;
  let photoId: string;
  let photo: Buffer;
  let request: StoredRequest;
  let inquiries: Record<string, StoredInquiry>;

  const pagePath = (id: string) => `/transfers/requests/${request.id}/attachments/${id}/pages/1`;

  before(async () => {
    portal = await startPortalUnderTest('transfer_attachments_test');
    await storeHospitals(portal.pool, [aStoredHospital('h-att-a'), aStoredHospital('h-att-b')]);
    const deps = patientDeps(portal.pool);
    const tanaka = people.tanaka;
    patientId = (await createPatient(deps, tanaka, aBasics())).patientId;
    // The MSW's hospital is on the patient's care team, as a request naming the patient requires.
    await portal.pool.query(
      `INSERT INTO care_team_members (patient_id, kind, organisation, practitioner_id, designated_staff, role, added_by)
       VALUES ($1, 'organisation', '東京中央病院', NULL, '{msw.takahashi}', 'editor', 'dr.tanaka')`,
      [patientId],
    );
    // Documents may go to hospital A only.
    await recordConsent(deps, tanaka, patientId, {
      sharing: ['documents'],
      organisations: ['org-h-att-a'],
      givenBy: 'patient',
      obtainedHow: 'written',
      obtainedOn: '2026-11-30',
    });
    // A wound photo the doctor sent from his phone and filed on the record.
    photo = aJpeg('Wound, sacrum');
    photoId = await aReceivedPhoto(portal.pool, tanaka, photo);
    await attachToRecord(deps, tanaka, patientId, [photoId]);

    msw = await portal.signInOnPortalPage(anMsw());
    covered = await portal.signInOnPortalPage(bedManagerOf('h-att-a'));
    uncovered = await portal.signInOnPortalPage(bedManagerOf('h-att-b'));
    request = await createRequest(msw, newRequestBody({}, patientId));
    const asked = await askHospitals(msw, request.id, ['h-att-a', 'h-att-b']);
    inquiries = Object.fromEntries(asked.map((inquiry) => [inquiry.hospitalId, inquiry]));
  });
  after(async () => {
    await portal?.close();
  });

  it('offers the MSW the record’s photos and documents, and attaches the chosen ones', async () => {
    const before = await msw.get(`/transfers/requests/${request.id}`);
    assert.equal(before.status, 200);
    assert.match(before.text, new RegExp(`class="unfiled" data-attachment-id="${photoId}"`));
    assert.match(before.text, /添付された写真・文書はありません/);
    const sent = await msw
      .post(`/transfers/requests/${request.id}/attachments`)
      .type('form')
      .send({ attachments: photoId });
    assert.equal(sent.status, 303, sent.text);
    const after = await msw.get(`/transfers/requests/${request.id}`);
    assert.match(after.text, /写真・文書を 1 件添付しました/);
    assert.match(after.text, new RegExp(`<figure class="attachment" data-attachment-id="${photoId}"`));
    assert.ok(after.text.includes(`src="${pagePath(photoId)}"`));
    assert.doesNotMatch(after.text, /class="unfiled"/, 'nothing left to add');
    const attached = await auditRows(portal.pool, 'transfer.request.attach');
    assert.equal(attached.filter((row) => row.outcome === 'success').length, 1);
    assert.equal(attached[0]!.patient_id, patientId);
  });

  it('shows them to the hospital the consent covers, as a picture in the page and never in the JSON', async () => {
    const page = await covered.get(`/transfers/inquiries/${inquiries['h-att-a']!.id}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(`src="${pagePath(photoId)}"`));
    assert.doesNotMatch(page.text, /class="unfiled"/, 'a hospital attaches nothing');
    const picture = await covered.get(pagePath(photoId)).buffer(true);
    assert.equal(picture.status, 200);
    assert.equal(picture.headers['content-type'], 'image/jpeg');
    assert.match(String(picture.headers['cache-control']), /no-store/);
    assert.equal(picture.headers['content-disposition'], 'inline');
    assert.deepEqual(picture.body, photo);
    const json = await covered.get(`/api/transfers/inquiries/${inquiries['h-att-a']!.id}`);
    assert.equal(json.status, 200);
    assert.equal('attachments' in (json.body as object), false);
    const views = await auditRows(portal.pool, 'transfer.attachment.view');
    assert.ok(
      views.some(
        (row) =>
          row.actor_id === 'beds.h-att-a' &&
          row.patient_id === patientId &&
          row.details.attachmentId === photoId,
      ),
    );
  });

  it('withholds them from a hospital the consent does not cover, saying so', async () => {
    const page = await uncovered.get(`/transfers/inquiries/${inquiries['h-att-b']!.id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /1 件添付されていますが、患者さんの文書提供の同意がこの病院に及ばない/);
    assert.equal(page.text.includes(pagePath(photoId)), false);
    assert.equal((await uncovered.get(pagePath(photoId))).status, 404);
  });

  it('lets only the requester attach, and only the record’s own photos and documents', async () => {
    const byHospital = await covered
      .post(`/transfers/requests/${request.id}/attachments`)
      .type('form')
      .send({ attachments: photoId });
    assert.equal(byHospital.status, 403);
    const unknown = await msw
      .post(`/transfers/requests/${request.id}/attachments`)
      .type('form')
      .send({ attachments: randomUUID() });
    assert.equal(unknown.status, 404);
    const { rows } = await portal.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM transfer_request_attachments WHERE request_id = $1',
      [request.id],
    );
    assert.equal(rows[0]!.n, 1);
  });

  it('hides them from the covered hospital as soon as the consent is withdrawn', async () => {
    const deps = patientDeps(portal.pool);
    const { rows } = await portal.pool.query<{ id: string }>(
      'SELECT id FROM patient_consents WHERE patient_id = $1',
      [patientId],
    );
    await withdrawConsent(deps, people.tanaka, patientId, rows[0]!.id, { reason: '本人の希望' });
    const page = await covered.get(`/transfers/inquiries/${inquiries['h-att-a']!.id}`);
    assert.match(page.text, /同意がこの病院に及ばない/);
    assert.equal((await covered.get(pagePath(photoId))).status, 404);
    // The requester and the care team still see it.
    assert.equal((await msw.get(pagePath(photoId))).status, 200);
  });
});
