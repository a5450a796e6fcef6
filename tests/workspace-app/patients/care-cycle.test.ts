import assert from 'node:assert/strict';
import type pg from 'pg';
import { tokyoToday } from '@hcw/common';
import { answerInvitation, inviteToCareTeam } from '#workspace-app/patients/care-team-invitations.js';
import { readCareTeam } from '#workspace-app/patients/care-team.js';
import { listConsents, recordConsent, withdrawConsent } from '#workspace-app/patients/consent.js';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import {
  generateHandoffDocument,
  reviewHandoffDocument,
  sendHandoffDocument,
} from '#workspace-app/patients/handoff-documents.js';
import { InvalidItemError } from '#workspace-app/patients/invalid-item-error.js';
import { PatientAccessDeniedError } from '#workspace-app/patients/patient-access.js';
import type { PatientActor } from '#workspace-app/patients/patient-actor.js';
import { readPatientRecord } from '#workspace-app/patients/patient-record.js';
import { TeamRuleError } from '#workspace-app/patients/team-rule-error.js';
import {
  admissionInformationDeadlines,
  admissionInformationMet,
  readWhereabouts,
  recordAdmission,
  recordDischarge,
} from '#workspace-app/patients/whereabouts.js';
import {
  aBasics,
  auditEvents,
  patientDatabase,
  patientDeps,
  people,
  registerPractitioners,
} from './patient-fixtures.js';

const hospital = '東京中央病院';

function consentOf(sharing: string[], more: Record<string, unknown> = {}): Record<string, unknown> {
  return { sharing, givenBy: 'patient', obtainedHow: 'written', obtainedOn: tokyoToday(), ...more };
}

describe('the care cycle: consent to sharing, and where the patient is', function () {
  this.timeout(60000);
  let pool: pg.Pool;
  let deps: ReturnType<typeof patientDeps>;

  before(async () => {
    pool = await patientDatabase('patients_care_cycle_test');
    deps = patientDeps(pool);
    await registerPractitioners(pool, Object.values(people));
  });
  after(async () => {
    await pool?.end();
  });

  async function aPatient(owner: PatientActor = people.sato): Promise<string> {
    return (await createPatient(deps, owner, aBasics())).patientId;
  }

  async function withHospital(patientId: string): Promise<string> {
    const invitation = await inviteToCareTeam(deps, people.sato, patientId, {
      kind: 'organisation',
      organisation: hospital,
      role: 'editor',
    });
    await answerInvitation(deps, people.takahashi, invitation.id, 'accept');
    const team = await readCareTeam(deps, people.sato, patientId);
    return team.members.find((m) => m.organisation === hospital)!.id;
  }

  describe('consent', () => {
    it('refuses to take a new organisation into the team without a consent that covers it, and takes it in with one', async () => {
      const patientId = await aPatient();
      await assert.rejects(
        inviteToCareTeam(deps, people.sato, patientId, {
          kind: 'organisation',
          organisation: hospital,
          role: 'editor',
        }),
        (error: unknown) =>
          error instanceof TeamRuleError && error.status === 409 && /consent/.test(error.messageEn),
      );
      // A consent naming another organisation does not cover this one.
      await recordConsent(
        deps,
        people.sato,
        patientId,
        consentOf(['care-team'], { organisations: ['杉並訪問看護ステーション'] }),
      );
      await assert.rejects(
        inviteToCareTeam(deps, people.sato, patientId, {
          kind: 'organisation',
          organisation: hospital,
          role: 'editor',
        }),
        TeamRuleError,
      );
      // Control: naming the hospital (its departments included) lets the invitation go.
      await recordConsent(
        deps,
        people.sato,
        patientId,
        consentOf(['care-team'], { organisations: [hospital] }),
      );
      await withHospital(patientId);
      const events = await auditEvents(pool, { patientId, type: 'patient.consent.record' });
      assert.equal(events.length, 2);
      assert.ok(events.every((e) => e.outcome === 'success' && e.actor_id === 'nurse.sato'));
    });

    it('records who gave it, how and when, and checks a representative is named', async () => {
      const patientId = await aPatient();
      await assert.rejects(
        recordConsent(deps, people.sato, patientId, consentOf(['documents'], { givenBy: 'representative' })),
        (error: unknown) =>
          error instanceof InvalidItemError && error.issues.some((i) => i.path === 'representativeName'),
      );
      await assert.rejects(recordConsent(deps, people.sato, patientId, consentOf([])), InvalidItemError);
      const [recorded] = await recordConsent(
        deps,
        people.sato,
        patientId,
        consentOf(['documents'], {
          givenBy: 'representative',
          representativeName: '山口 陽子',
          representativeRelationship: '長女',
          obtainedHow: 'verbal',
        }),
      );
      assert.equal(recorded!.representative?.name, '山口 陽子');
      assert.equal(recorded!.obtainedHow, 'verbal');
      assert.equal(recorded!.recordedBy.organisation, people.sato.organisation);
      // Only owners record consent; a non-member is refused as for any patient data.
      await assert.rejects(
        recordConsent(deps, people.kimura, patientId, consentOf(['documents'])),
        PatientAccessDeniedError,
      );
    });

    it('refuses to send a document to an organisation without consent to send documents', async () => {
      const patientId = await aPatient();
      await recordConsent(deps, people.sato, patientId, consentOf(['care-team']));
      const member = await withHospital(patientId);
      const send = async () => {
        const draft = await generateHandoffDocument(deps, people.sato, patientId, {
          scene: 'A',
          recipientMemberId: member,
        });
        const reviewed = await reviewHandoffDocument(deps, people.sato, patientId, draft.id, draft.version);
        return sendHandoffDocument(deps, people.sato, patientId, draft.id, reviewed.version);
      };
      await assert.rejects(
        send(),
        (error: unknown) => error instanceof TeamRuleError && /documents/.test(error.messageEn),
      );
      // Control: with the consent to send documents, the same document goes out.
      await recordConsent(deps, people.sato, patientId, consentOf(['documents']));
      assert.equal((await send()).status, 'sent');
    });

    it('stops sharing at once when withdrawn: the hospital leaves the team, its open invitations are revoked, documents are refused', async () => {
      const patientId = await aPatient();
      const [teamConsent, documentConsent] = await recordConsent(
        deps,
        people.sato,
        patientId,
        consentOf(['care-team', 'documents']),
      );
      const member = await withHospital(patientId);
      await readPatientRecord(deps, people.takahashi, patientId);
      const open = await inviteToCareTeam(deps, people.sato, patientId, {
        kind: 'individual',
        organisation: people.kimura.organisation,
        practitionerId: people.kimura.id,
        role: 'reader',
      });
      const withdrawn = await withdrawConsent(deps, people.sato, patientId, teamConsent!.id, {
        reason: '本人の申し出',
      });
      assert.equal(withdrawn.endedMemberships, 1);
      assert.equal(withdrawn.revokedInvitations, 1);
      await assert.rejects(readPatientRecord(deps, people.takahashi, patientId), PatientAccessDeniedError);
      await assert.rejects(answerInvitation(deps, people.kimura, open.id, 'accept'));
      // The nurse who recorded it keeps the record; the consent stays on it, marked withdrawn.
      const consents = await listConsents(deps, people.sato, patientId);
      assert.ok(consents.find((c) => c.id === teamConsent!.id)?.withdrawn);
      assert.equal(consents.find((c) => c.id === documentConsent!.id)?.withdrawn, null);
      await assert.rejects(withdrawConsent(deps, people.sato, patientId, teamConsent!.id), TeamRuleError);
      assert.ok(member);
      const [event] = await auditEvents(pool, { patientId, type: 'patient.consent.withdraw' });
      assert.equal(event?.details.endedMemberships, 1);
    });

    it('keeps an organisation another consent in force still covers (control)', async () => {
      const patientId = await aPatient();
      const [all] = await recordConsent(deps, people.sato, patientId, consentOf(['care-team']));
      await recordConsent(
        deps,
        people.sato,
        patientId,
        consentOf(['care-team'], { organisations: [hospital] }),
      );
      await withHospital(patientId);
      const withdrawn = await withdrawConsent(deps, people.sato, patientId, all!.id);
      assert.equal(withdrawn.endedMemberships, 0);
      await readPatientRecord(deps, people.takahashi, patientId);
    });
  });

  describe('where the patient is', () => {
    it('sets the admission-information deadlines by the 2024 care-fee rules', () => {
      assert.deepEqual(admissionInformationDeadlines('2026-12-07', false), {
        admittedOn: '2026-12-07',
        additionI: '2026-12-07',
        additionII: '2026-12-09',
      });
      // Admitted after the office closed: the next day still counts for (I).
      assert.equal(admissionInformationDeadlines('2026-12-31', true).additionI, '2027-01-01');
      const deadlines = admissionInformationDeadlines('2026-12-07', false);
      assert.equal(admissionInformationMet(deadlines, '2026-12-06'), 'I');
      assert.equal(admissionInformationMet(deadlines, '2026-12-08'), 'II');
      assert.equal(admissionInformationMet(deadlines, '2026-12-10'), 'late');
    });

    it('records an admission, tells the team with the deadline, and sees the information sent in time', async () => {
      const patientId = await aPatient();
      await recordConsent(deps, people.sato, patientId, consentOf(['care-team', 'documents']));
      const suzukiInvitation = await inviteToCareTeam(deps, people.sato, patientId, {
        kind: 'individual',
        organisation: people.suzuki.organisation,
        practitionerId: people.suzuki.id,
        role: 'editor',
      });
      await answerInvitation(deps, people.suzuki, suzukiInvitation.id, 'accept');
      const today = tokyoToday();
      const before = (await readWhereabouts(deps, people.sato, patientId)).current;
      assert.equal(before, null);
      deps.sent.length = 0;
      const admitted = await recordAdmission(deps, people.sato, patientId, { hospital, admittedOn: today });
      assert.equal(admitted.current?.place, 'hospital');
      assert.equal(admitted.current?.organisation, hospital);
      assert.equal(admitted.admission?.additionI, today);
      assert.equal(admitted.admission?.met, null);
      const notice = deps.sent.find((s) => s.notification.kind === 'patient-admitted');
      assert.ok(notice?.isInTransaction);
      assert.deepEqual(notice?.notification.recipients, ['cm.suzuki']);
      assert.match(notice!.notification.title, new RegExp(`加算Ⅰ ${today}`));

      // A scene A document sent to another organisation of the team does not inform the hospital.
      const clinic = (await readCareTeam(deps, people.sato, patientId)).members.find(
        (m) => m.organisation === people.sato.organisation,
      )!.id;
      const elsewhere = await generateHandoffDocument(deps, people.suzuki, patientId, {
        scene: 'A',
        recipientMemberId: clinic,
      });
      const checked = await reviewHandoffDocument(
        deps,
        people.suzuki,
        patientId,
        elsewhere.id,
        elsewhere.version,
      );
      await sendHandoffDocument(deps, people.suzuki, patientId, elsewhere.id, checked.version);
      assert.equal((await readWhereabouts(deps, people.sato, patientId)).admission?.informationSentOn, null);

      // The care manager sends the 入院時情報提供書 to the hospital the same day: (I) is met.
      const member = await withHospital(patientId);
      const draft = await generateHandoffDocument(deps, people.suzuki, patientId, {
        scene: 'A',
        recipientMemberId: member,
      });
      const reviewed = await reviewHandoffDocument(deps, people.suzuki, patientId, draft.id, draft.version);
      await sendHandoffDocument(deps, people.suzuki, patientId, draft.id, reviewed.version);
      const seen = await readWhereabouts(deps, people.takahashi, patientId);
      assert.equal(seen.admission?.informationSentOn, today);
      assert.equal(seen.admission?.met, 'I');

      const home = await recordDischarge(deps, people.takahashi, patientId, {
        to: 'home',
        dischargedOn: today,
      });
      assert.equal(home.current?.place, 'home');
      assert.equal(home.admission, null);
      assert.equal(home.history.length, 2);
      const types = (await auditEvents(pool, { patientId })).map((e) => e.type);
      assert.ok(types.includes('patient.admission.record') && types.includes('patient.discharge.record'));
    });

    it('refuses a discharge of a patient at home, a discharge before the admission, and a future date', async () => {
      const patientId = await aPatient();
      await assert.rejects(
        recordDischarge(deps, people.sato, patientId, { to: 'home', dischargedOn: tokyoToday() }),
        TeamRuleError,
      );
      await recordAdmission(deps, people.sato, patientId, { hospital, admittedOn: tokyoToday() });
      await assert.rejects(
        recordDischarge(deps, people.sato, patientId, { to: 'home', dischargedOn: '2020-01-01' }),
        TeamRuleError,
      );
      await assert.rejects(
        recordAdmission(deps, people.sato, patientId, { hospital: '別の病院', admittedOn: '2999-01-01' }),
        InvalidItemError,
      );
      await assert.rejects(
        recordDischarge(deps, people.sato, patientId, { to: 'facility', dischargedOn: tokyoToday() }),
        (error: unknown) =>
          error instanceof InvalidItemError && error.issues.some((i) => i.path === 'organisation'),
      );
      await assert.rejects(
        recordAdmission(deps, people.kimura, patientId, { hospital, admittedOn: tokyoToday() }),
        PatientAccessDeniedError,
      );
    });
  });
});
