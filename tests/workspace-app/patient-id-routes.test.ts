import { tokyoDate, tokyoToday } from '@hcw/common';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Practitioner } from '@hcw/common';
import { attachToRecord } from '#workspace-app/attachments/attachments.js';
import { aReceivedPhoto } from '../support/photos.js';
import { answerInvitation, inviteToCareTeam } from '#workspace-app/patients/care-team-invitations.js';
import { readCareTeam } from '#workspace-app/patients/care-team.js';
import { recordConsent } from '#workspace-app/patients/consent.js';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import { recordAdmission } from '#workspace-app/patients/whereabouts.js';
import {
  generateHandoffDocument,
  reviewHandoffDocument,
  sendHandoffDocument,
} from '#workspace-app/patients/handoff-documents.js';
import type { PatientDeps } from '#workspace-app/patients/patient-audit.js';
import { addRecordItem } from '#workspace-app/patients/record-items.js';
import { planConference } from '#workspace-app/patients/care-conferences.js';
import { scheduleVisit } from '#workspace-app/patients/visit-calendar.js';
import {
  aBasics,
  aDiagnosis,
  patientDeps,
  people,
  registerPractitioners,
} from './patients/patient-fixtures.js';
import {
  concretePath,
  listRoutes,
  startPortalUnderTest,
  type Agent,
  type PortalUnderTest,
} from './portal-under-test.js';
import { newRequestBody } from './transfers/workflow-fixtures.js';

/** What exists around one patient of the signed-in nurse's own team, fresh for each route. */
interface OwnPatient {
  patientId: string;
  itemId: string;
  tanakaMemberId: string;
  hospitalMemberId: string;
  pendingInvitationId: string;
  visitId: string;
  /** The day the nurse visits this patient (Tokyo date). */
  visitDay: string;
  draftId: string;
  reviewedId: string;
  sentId: string;
  consentId: string;
  /** A conference 佐藤 organises with 田中 attending. */
  conferenceId: string;
  /** A photo 佐藤 sent from her phone, filed on the record. */
  attachmentId: string;
  /** Another, still waiting unfiled among what she received. */
  uploadId: string;
}

type Ids = Omit<OwnPatient, 'patientId'>;

interface RouteCase {
  method: 'GET' | 'POST';
  /** As the router declares it; `:patientId` is what the table varies. */
  path: string;
  query?: Record<string, string>;
  /** Who acts: someone on the own patient's team with the right to do it. */
  actor: 'sato' | 'tanaka' | 'takahashi' | 'admin';
  /** Where the patient id goes when the route does not carry it in its path. */
  patientIn?: 'query' | 'form' | 'json';
  body?(ids: Ids, patientId: string): Record<string, unknown> | string;
  /** What the right patient gets: the control. */
  accepted: number;
  /** Answer to another team's patient, when it is not a refusal (see the administrator's mapping). */
  othersPatient?: number;
  json?: boolean;
}

const REQUEST_FORM =
  'sex=female&ageBand=85-94&diagnosisName=大腿骨頸部骨折&onsetDate=2025-03-20&adlBedMobility=2&adlTransfer=2&adlEating=0&adlToiletUse=2&independenceLevel=B1&dementiaLevel=I&keyPersonRelationship=長男&keyPersonName=鈴木 一&keyPersonPhone=090-0000-0000';

/** A Tokyo date `days` ahead, so that each patient's visits keep to a day of their own. */
const daysAhead = (days: number) => tokyoDate(new Date(Date.now() + days * 86_400_000));

/**
 * Every route that takes a patient id. Those with `:patientId` in their path must all be here (the test
 * below checks the router against this table); those that take it in a form, JSON or the query are listed
 * by hand: the transfer request (form, JSON and the form page) and the timeline's group mapping.
 */
const ROUTES: RouteCase[] = [
  { method: 'GET', path: '/patients/:patientId', actor: 'sato', accepted: 200 },
  {
    method: 'GET',
    path: '/patients/:patientId/items/new',
    query: { kind: 'diagnosis' },
    actor: 'sato',
    accepted: 200,
  },
  { method: 'GET', path: '/patients/:patientId/visit', actor: 'sato', accepted: 200 },
  {
    method: 'POST',
    path: '/patients/:patientId/items',
    actor: 'sato',
    body: () => ({ kind: 'diagnosis', name: '骨粗鬆症', status: 'active' }),
    accepted: 303,
  },
  { method: 'GET', path: '/patients/:patientId/items/:itemId/edit', actor: 'sato', accepted: 200 },
  {
    method: 'POST',
    path: '/patients/:patientId/items/:itemId',
    actor: 'sato',
    body: () => ({ kind: 'diagnosis', version: '1', name: '慢性心不全', status: 'resolved' }),
    accepted: 303,
  },
  {
    method: 'POST',
    path: '/patients/:patientId/items/:itemId/remove',
    actor: 'sato',
    body: () => ({ version: '1' }),
    accepted: 303,
  },
  { method: 'GET', path: '/patients/:patientId/items/:itemId/history', actor: 'sato', accepted: 200 },
  { method: 'GET', path: '/patients/:patientId/team', actor: 'sato', accepted: 200 },
  { method: 'GET', path: '/patients/:patientId/care', actor: 'sato', accepted: 200 },
  {
    method: 'POST',
    path: '/patients/:patientId/consents',
    actor: 'sato',
    body: () => ({
      sharing: 'documents',
      givenBy: 'patient',
      obtainedHow: 'written',
      obtainedOn: tokyoToday(),
    }),
    accepted: 303,
  },
  { method: 'POST', path: '/patients/:patientId/consents/:consentId/withdraw', actor: 'sato', accepted: 303 },
  {
    method: 'POST',
    path: '/patients/:patientId/admission',
    actor: 'sato',
    body: () => ({ hospital: '中野総合病院', admittedOn: tokyoToday() }),
    accepted: 303,
  },
  {
    method: 'POST',
    path: '/patients/:patientId/discharge',
    actor: 'takahashi',
    body: () => ({ to: 'home', dischargedOn: tokyoToday() }),
    accepted: 303,
  },
  {
    method: 'POST',
    path: '/patients/:patientId/team/invitations',
    actor: 'sato',
    body: () => ({
      kind: 'individual',
      organisation: people.suzuki.organisation,
      practitionerId: people.suzuki.id,
      role: 'reader',
      validDays: '7',
    }),
    accepted: 303,
  },
  {
    method: 'POST',
    path: '/patients/:patientId/team/invitations/:invitationId/revoke',
    actor: 'sato',
    accepted: 303,
  },
  { method: 'POST', path: '/patients/:patientId/team/members/:memberId/end', actor: 'sato', accepted: 303 },
  {
    method: 'POST',
    path: '/patients/:patientId/team/members/:memberId/role',
    actor: 'sato',
    body: () => ({ role: 'reader' }),
    accepted: 303,
  },
  {
    method: 'POST',
    path: '/patients/:patientId/team/members/:memberId/staff',
    actor: 'takahashi',
    body: () => ({ staff: 'msw.takahashi\nmsw.colleague' }),
    accepted: 303,
  },
  { method: 'POST', path: '/patients/:patientId/team/leave', actor: 'tanaka', accepted: 303 },
  { method: 'GET', path: '/patients/:patientId/calendar', actor: 'sato', accepted: 200 },
  {
    method: 'POST',
    path: '/patients/:patientId/visits',
    actor: 'sato',
    body: (ids) => ({
      practitionerId: 'nurse.sato',
      startsAt: `${ids.visitDay}T15:00`,
      durationMinutes: '30',
      purpose: '臨時訪問',
    }),
    accepted: 303,
  },
  {
    method: 'POST',
    path: '/patients/:patientId/visits/series',
    actor: 'sato',
    body: (ids) => ({
      practitionerId: 'nurse.sato',
      firstDate: ids.visitDay,
      time: '17:00',
      weekdays: String(new Date(`${ids.visitDay}T00:00:00Z`).getUTCDay() || 7),
      weeks: '1',
      durationMinutes: '30',
    }),
    accepted: 303,
  },
  { method: 'POST', path: '/patients/:patientId/visits/:visitId/cancel', actor: 'sato', accepted: 303 },
  { method: 'GET', path: '/patients/:patientId/conferences', actor: 'sato', accepted: 200 },
  {
    method: 'POST',
    path: '/patients/:patientId/conferences',
    actor: 'sato',
    body: (ids) => ({
      kind: 'service-coordination',
      startsAt: `${ids.visitDay}T13:00`,
      durationMinutes: '60',
      place: 'オンライン',
      attendees: 'dr.tanaka',
    }),
    accepted: 303,
  },
  {
    method: 'POST',
    path: '/patients/:patientId/conferences/:conferenceId/answer',
    actor: 'tanaka',
    body: () => ({ answer: 'accept' }),
    accepted: 303,
  },
  {
    method: 'POST',
    path: '/patients/:patientId/conferences/:conferenceId/cancel',
    actor: 'sato',
    accepted: 303,
  },
  { method: 'GET', path: '/patients/:patientId/thread', actor: 'sato', accepted: 200 },
  {
    method: 'POST',
    path: '/patients/:patientId/thread',
    actor: 'tanaka',
    body: () => ({ body: '本日の様子を共有します。', mentionProfessions: 'nurse' }),
    accepted: 303,
  },
  { method: 'GET', path: '/patients/:patientId/attachments', actor: 'sato', accepted: 200 },
  {
    method: 'POST',
    path: '/patients/:patientId/attachments',
    actor: 'sato',
    body: (ids) => ({ attachments: ids.uploadId }),
    accepted: 303,
  },
  {
    method: 'GET',
    path: '/patients/:patientId/attachments/:attachmentId/pages/:page',
    actor: 'tanaka',
    accepted: 200,
  },
  { method: 'GET', path: '/patients/:patientId/documents', actor: 'sato', accepted: 200 },
  {
    method: 'POST',
    path: '/patients/:patientId/documents',
    actor: 'sato',
    body: (ids) => ({ scene: 'B', recipientMemberId: ids.tanakaMemberId }),
    accepted: 303,
  },
  { method: 'GET', path: '/patients/:patientId/documents/:documentId', actor: 'sato', accepted: 200 },
  {
    method: 'POST',
    path: '/patients/:patientId/documents/:documentId',
    actor: 'sato',
    body: () => ({ version: '1', purpose: '在宅での疼痛管理について' }),
    accepted: 303,
  },
  {
    method: 'POST',
    path: '/patients/:patientId/documents/:documentId/review',
    actor: 'sato',
    body: () => ({ version: '1' }),
    accepted: 303,
  },
  {
    method: 'POST',
    path: '/patients/:patientId/documents/:documentId/send',
    actor: 'sato',
    body: () => ({ version: '2' }),
    accepted: 303,
  },
  {
    method: 'POST',
    path: '/patients/:patientId/documents/:documentId/receive',
    actor: 'tanaka',
    accepted: 303,
  },
  { method: 'GET', path: '/patients/:patientId/documents/:documentId/fhir', actor: 'sato', accepted: 200 },
  {
    method: 'GET',
    path: '/transfers/requests/new',
    actor: 'takahashi',
    patientIn: 'query',
    accepted: 200,
  },
  {
    method: 'POST',
    path: '/transfers/requests',
    actor: 'takahashi',
    patientIn: 'form',
    body: (_ids, patientId) => `${REQUEST_FORM}&patientId=${encodeURIComponent(patientId)}`,
    accepted: 303,
  },
  {
    method: 'POST',
    path: '/api/transfers/requests',
    actor: 'takahashi',
    patientIn: 'json',
    json: true,
    body: (_ids, patientId) => newRequestBody({ preferredDate: null }, patientId),
    accepted: 201,
  },
  {
    method: 'POST',
    path: '/timeline/patient-groups',
    actor: 'admin',
    patientIn: 'form',
    body: (_ids, patientId) => ({
      vendor: 'kanamic',
      group: `grp-${randomUUID()}`,
      patient: patientId,
      label: '患者',
    }),
    accepted: 303,
    // The administrator maps vendor groups for every patient and is on no care team; mapping shows them
    // nothing of the patient. Another team's patient is a real patient to them: only a wrong id is refused.
    othersPatient: 303,
  },
];

/** Which of a path's other ids the fixture provides. */
function pathValues(path: string, ids: Ids): Record<string, string> {
  const documentId = path.endsWith('/send')
    ? ids.reviewedId
    : path.endsWith('/receive')
      ? ids.sentId
      : ids.draftId;
  const memberId = path.endsWith('/staff') ? ids.hospitalMemberId : ids.tanakaMemberId;
  return {
    itemId: ids.itemId,
    invitationId: ids.pendingInvitationId,
    memberId,
    visitId: ids.visitId,
    documentId,
    consentId: ids.consentId,
    conferenceId: ids.conferenceId,
    attachmentId: ids.attachmentId,
    page: '1',
  };
}

describe('routes that take a patient id refuse one the person may not name', function () {
  this.timeout(300_000);
  let portal: PortalUnderTest;
  let deps: PatientDeps;
  let agents: Record<RouteCase['actor'], Agent>;
  let othersPatient: string;
  let patientsMade = 0;
  const actors: Record<RouteCase['actor'], Practitioner> = {
    sato: people.sato,
    tanaka: people.tanaka,
    takahashi: people.takahashi,
    admin: people.admin,
  };

  before(async () => {
    portal = await startPortalUnderTest('patient_id_routes_test');
    deps = patientDeps(portal.pool);
    await registerPractitioners(portal.pool, Object.values(people));
    agents = {
      sato: await portal.signInOnPortalPage(people.sato),
      tanaka: await portal.signInOnPortalPage(people.tanaka),
      takahashi: await portal.signInOnPortalPage(people.takahashi),
      admin: await portal.signInOnPortalPage(people.admin),
    };
    // Another team's patient: 木村's, on whose team none of the actors is.
    othersPatient = (await createPatient(deps, people.kimura, aBasics())).patientId;
  });
  after(async () => {
    await portal?.close();
  });

  /** The nurse's own patient, with a team (a doctor, a hospital through its MSW), an item, a visit, documents. */
  async function ownPatient(): Promise<OwnPatient> {
    const { patientId } = await createPatient(deps, people.sato, aBasics());
    const consent = { givenBy: 'patient', obtainedHow: 'written', obtainedOn: tokyoToday() };
    await recordConsent(deps, people.sato, patientId, { ...consent, sharing: ['care-team', 'documents'] });
    const [toWithdraw] = await recordConsent(deps, people.sato, patientId, {
      ...consent,
      sharing: ['documents'],
      organisations: [people.suzuki.organisation],
    });
    await recordAdmission(deps, people.sato, patientId, {
      hospital: '東京中央病院',
      admittedOn: tokyoToday(),
    });
    const item = await addRecordItem(deps, people.sato, patientId, 'diagnosis', aDiagnosis());
    const tanaka = await inviteToCareTeam(deps, people.sato, patientId, {
      kind: 'individual',
      organisation: people.tanaka.organisation,
      practitionerId: people.tanaka.id,
      role: 'editor',
    });
    await answerInvitation(deps, people.tanaka, tanaka.id, 'accept');
    const hospital = await inviteToCareTeam(deps, people.sato, patientId, {
      kind: 'organisation',
      organisation: '東京中央病院',
      role: 'editor',
    });
    await answerInvitation(deps, people.takahashi, hospital.id, 'accept');
    const pending = await inviteToCareTeam(deps, people.sato, patientId, {
      kind: 'individual',
      organisation: people.kimura.organisation,
      practitionerId: people.kimura.id,
      role: 'reader',
    });
    const team = await readCareTeam(deps, people.sato, patientId);
    const memberOf = (id: string) => team.members.find((m) => m.people.some((p) => p.id === id))!.id;
    patientsMade += 1;
    const visitDay = daysAhead(patientsMade);
    const visit = await scheduleVisit(deps, people.sato, patientId, {
      practitionerId: 'nurse.sato',
      startsAt: `${visitDay}T09:00:00+09:00`,
      durationMinutes: 60,
      purpose: '定期訪問',
    });
    const recipient = { scene: 'B', recipientMemberId: memberOf(people.tanaka.id) };
    const draft = await generateHandoffDocument(deps, people.sato, patientId, recipient);
    const toReview = await generateHandoffDocument(deps, people.sato, patientId, recipient);
    const reviewed = await reviewHandoffDocument(deps, people.sato, patientId, toReview.id, toReview.version);
    const toSend = await generateHandoffDocument(deps, people.sato, patientId, recipient);
    const ready = await reviewHandoffDocument(deps, people.sato, patientId, toSend.id, toSend.version);
    await sendHandoffDocument(deps, people.sato, patientId, toSend.id, ready.version);
    const conference = await planConference(deps, people.sato, patientId, {
      kind: 'pre-discharge',
      startsAt: `${visitDay}T11:00:00+09:00`,
      durationMinutes: 60,
      place: '東京中央病院 カンファレンス室',
      attendees: [people.tanaka.id],
    });
    const attachmentId = await aReceivedPhoto(portal.pool, people.sato);
    const uploadId = await aReceivedPhoto(portal.pool, people.sato);
    await attachToRecord(deps, people.sato, patientId, [attachmentId]);
    return {
      patientId,
      attachmentId,
      uploadId,
      itemId: item.id,
      tanakaMemberId: memberOf(people.tanaka.id),
      hospitalMemberId: memberOf(people.takahashi.id),
      pendingInvitationId: pending.id,
      visitId: visit.id,
      visitDay,
      draftId: draft.id,
      reviewedId: reviewed.id,
      sentId: toSend.id,
      consentId: toWithdraw!.id,
      conferenceId: conference.id,
    };
  }

  function send(route: RouteCase, patientId: string, ids: Ids, lang: 'ja' | 'en') {
    const agent = agents[route.actor];
    const path = concretePath(route.path, { ...pathValues(route.path, ids), patientId });
    const query = new URLSearchParams({ ...route.query, lang });
    if (route.patientIn === 'query') query.set('patientId', patientId);
    const url = `${path}?${query.toString()}`;
    if (route.method === 'GET') return agent.get(url);
    const body = route.body?.(ids, patientId) ?? {};
    return route.json ? agent.post(url).send(body as object) : agent.post(url).type('form').send(body);
  }

  /** The audit rows written by an actor after `afterId`. */
  async function auditAfter(actorId: string, afterId: number) {
    const { rows } = await portal.pool.query<{
      id: number;
      outcome: string;
      patient_id: string | null;
      details: Record<string, unknown>;
    }>(
      `SELECT id, outcome, patient_id, details FROM audit_events WHERE actor_id = $1 AND id > $2 ORDER BY id`,
      [actorId, afterId],
    );
    return rows;
  }

  async function lastAuditId(): Promise<number> {
    return (
      await portal.pool.query<{ id: number }>('SELECT coalesce(max(id), 0)::int AS id FROM audit_events')
    ).rows[0]!.id;
  }

  it('has a row for every route of the router whose path names a patient', () => {
    const declared = listRoutes(portal.app)
      .filter((route) => route.path.includes(':patientId'))
      .map((route) => `${route.method} ${route.path}`)
      .sort();
    const tabled = ROUTES.filter((route) => route.path.includes(':patientId'))
      .map((route) => `${route.method} ${route.path}`)
      .sort();
    assert.deepEqual(tabled, declared);
  });

  for (const route of ROUTES) {
    it(`${route.method} ${route.path}${route.patientIn ? ` (patient in the ${route.patientIn})` : ''}`, async () => {
      const own = await ownPatient();
      const { patientId: ownId, ...ids } = own;
      const actor = actors[route.actor];
      // The administrator's mapping answers "no such patient" (404); everywhere else the answer is the
      // same 403 whichever way the id is wrong, so ids cannot be probed.
      const refused = route.actor === 'admin' ? 404 : 403;
      const wrong: Array<[string, string, number]> = [
        ['an id no patient has', randomUUID(), refused],
        ['another team’s patient', othersPatient, route.othersPatient ?? refused],
        ['a malformed id', 'patient-0001', refused],
      ];
      for (const [what, patientId, status] of wrong) {
        for (const lang of ['ja', 'en'] as const) {
          const since = await lastAuditId();
          const response = await send(route, patientId, ids, lang);
          assert.equal(response.status, status, `${what} (${lang}): ${response.text.slice(0, 300)}`);
          if (status < 400) continue;
          const expected = {
            ja:
              route.actor === 'admin'
                ? /この患者IDの患者は共有患者記録にいません/
                : /この患者(IDの患者)?は見つからないか/,
            en:
              route.actor === 'admin'
                ? /The shared record has no patient with this ID/
                : /This patient was not found|No patient with this ID is on a care team you belong to/,
          }[lang];
          assert.match(response.text, expected, `${what} (${lang}) is answered in that language`);
          assert.doesNotMatch(response.text, /山口|ヤマグチ/, 'nothing of any patient is shown');
          const audit = await auditAfter(actor.id, since);
          assert.ok(audit.length > 0, `${what}: the refusal is audited`);
          for (const row of audit) {
            assert.equal(row.outcome, 'failure', `${what}: audited as a refusal`);
            assert.equal(row.patient_id, null, `${what}: not filed under the id given`);
          }
        }
      }
      // Nothing anywhere was filed under the other team's patient or an unknown id by this actor.
      const filed = await portal.pool.query(
        `SELECT count(*)::int AS n FROM audit_events WHERE actor_id = $1 AND patient_id = $2`,
        [actor.id, othersPatient],
      );
      if (route.othersPatient === undefined) assert.equal(filed.rows[0].n, 0);

      // Control: the same request for the person's own patient is carried out.
      const since = await lastAuditId();
      const response = await send(route, ownId, ids, 'ja');
      assert.equal(
        response.status,
        route.accepted,
        (response.text ?? `${response.type} picture`).slice(0, 300),
      );
      const audit = await auditAfter(actor.id, since);
      assert.ok(
        audit.some((row) => row.outcome === 'success'),
        'the accepted request is audited as a success',
      );
    });
  }

  it('files a transfer request’s refusal under nobody and keeps the id asked for in the details', async () => {
    const since = await lastAuditId();
    await agents.takahashi
      .post('/api/transfers/requests')
      .send(newRequestBody({ preferredDate: null }, othersPatient))
      .expect(403);
    const [row] = await auditAfter(people.takahashi.id, since);
    assert.equal(row?.outcome, 'failure');
    assert.equal(row?.patient_id, null);
    assert.equal(row?.details.denial, 'not-on-care-team');
    assert.equal(row?.details.requestedPatientId, othersPatient);
    const stored = await portal.pool.query(
      'SELECT count(*)::int AS n FROM transfer_requests WHERE patient_id = $1',
      [othersPatient],
    );
    assert.equal(stored.rows[0].n, 0, 'no request was stored for the other patient');
  });
});
