import { ForbiddenError } from '@hcw/common';
import assert from 'node:assert/strict';
import type pg from 'pg';
import {
  answerInvitation,
  inviteToCareTeam,
  listMyInvitations,
  revokeInvitation,
} from '#workspace-app/patients/care-team-invitations.js';
import {
  changeMemberRole,
  endMembership,
  leaveCareTeam,
  readCareTeam,
  setDesignatedStaff,
} from '#workspace-app/patients/care-team.js';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import { InvitationClosedError } from '#workspace-app/patients/invitation-closed-error.js';
import { listPatients } from '#workspace-app/patients/list-patients.js';
import { PatientAccessDeniedError } from '#workspace-app/patients/patient-access.js';
import type { PatientActor } from '#workspace-app/patients/patient-actor.js';
import { readPatientRecord } from '#workspace-app/patients/patient-record.js';
import { addRecordItem } from '#workspace-app/patients/record-items.js';
import { TeamRuleError } from '#workspace-app/patients/team-rule-error.js';
import {
  aBasics,
  anActor,
  auditEvents,
  patientDatabase,
  patientDeps,
  withSharingConsent,
  people,
  registerPractitioners,
} from './patient-fixtures.js';

describe('care teams and access to the record', function () {
  this.timeout(60000);
  let pool: pg.Pool;
  let deps: ReturnType<typeof patientDeps>;

  before(async () => {
    pool = await patientDatabase('patients_care_team_test');
    deps = patientDeps(pool);
    await registerPractitioners(pool, Object.values(people));
  });
  after(async () => {
    await pool?.end();
  });

  async function aPatient(owner: PatientActor = people.sato): Promise<string> {
    const { patientId } = await createPatient(deps, owner, aBasics());
    await withSharingConsent(deps, owner, patientId);
    return patientId;
  }

  async function invited(
    patientId: string,
    invitation: Record<string, unknown>,
    by: PatientActor = people.sato,
  ): Promise<string> {
    return (await inviteToCareTeam(deps, by, patientId, { role: 'editor', ...invitation })).id;
  }

  async function withIndividual(patientId: string, who: PatientActor, role = 'editor'): Promise<void> {
    const id = await invited(patientId, {
      kind: 'individual',
      organisation: who.organisation,
      practitionerId: who.id,
      role,
    });
    await answerInvitation(deps, who, id, 'accept');
  }

  describe('the access decision', () => {
    it('lets a member read and refuses a non-member with a 403, audited under the actor and not filed under the patient', async () => {
      const patientId = await aPatient();
      await readPatientRecord(deps, people.sato, patientId);
      await assert.rejects(readPatientRecord(deps, people.kimura, patientId), (error) => {
        assert.ok(error instanceof PatientAccessDeniedError);
        assert.ok(error instanceof ForbiddenError);
        assert.equal(error.status, 403);
        assert.equal(error.reason, 'not-a-member');
        return true;
      });
      assert.deepEqual(await auditEvents(pool, { patientId, actorId: 'nurse.kimura' }), []);
      const refused = await auditEvents(pool, { actorId: 'nurse.kimura', type: 'patient.record.read' });
      assert.equal(refused.at(-1)?.outcome, 'failure');
      assert.equal(refused.at(-1)?.patient_id, null);
      assert.equal(refused.at(-1)?.details.refusal, 'forbidden');
      assert.equal(refused.at(-1)?.details.denial, 'not-a-member');
      assert.equal(refused.at(-1)?.details.requestedPatientId, patientId);
    });

    it('refuses sign-in roles without care duties, whatever the team says', async () => {
      const patientId = await aPatient();
      await assert.rejects(readPatientRecord(deps, people.admin, patientId), {
        status: 403,
        reason: 'no-care-role',
      });
    });

    it('refuses an unknown patient exactly like someone else’s; only the auditor learns which it was', async () => {
      const othersPatient = await aPatient();
      const refusal = (patientId: string) =>
        readPatientRecord(deps, people.kimura, patientId).then(
          () => assert.fail('refused'),
          (error: PatientAccessDeniedError) => error,
        );
      const others = await refusal(othersPatient);
      const unknown = await refusal('00000000-0000-4000-8000-000000000000');
      const malformed = await refusal('not-an-id');
      for (const error of [unknown, malformed]) {
        assert.deepEqual(
          [error.status, error.messageJa, error.messageEn],
          [403, others.messageJa, others.messageEn],
        );
      }
      assert.deepEqual(
        [others.reason, unknown.reason, malformed.reason],
        ['not-a-member', 'no-such-patient', 'malformed-patient-id'],
      );
    });

    it('lets a reader read but not write', async () => {
      const patientId = await aPatient();
      await withIndividual(patientId, people.suzuki, 'reader');
      await readPatientRecord(deps, people.suzuki, patientId);
      await assert.rejects(
        addRecordItem(deps, people.suzuki, patientId, 'course-note', {
          recordedOn: '2024-04-01',
          scene: 'E',
          text: 'x',
        }),
        { status: 403, reason: 'role-does-not-allow' },
      );
    });

    it('does not carry a membership to another organisation', async () => {
      const patientId = await aPatient();
      const moved = { ...people.sato, organisation: '杉並訪問看護ステーション' };
      await assert.rejects(readPatientRecord(deps, moved, patientId), { status: 403 });
    });
  });

  describe('organisation members', () => {
    it('give access to the designated staff only, a department included, and to no look-alike organisation', async () => {
      const patientId = await aPatient();
      const invitationId = await invited(patientId, { kind: 'organisation', organisation: '東京中央病院' });
      const waiting = (await listMyInvitations(deps, people.takahashi)).filter(
        (i) => i.patientId === patientId,
      );
      assert.deepEqual(
        waiting.map((i) => [i.id, i.patientName]),
        [[invitationId, '山口 正雄']],
      );
      await answerInvitation(deps, people.takahashi, invitationId, 'accept');
      await readPatientRecord(deps, people.takahashi, patientId);

      const colleague = anActor({
        id: 'ns.ogawa',
        organisation: '東京中央病院 看護部',
        roles: ['practitioner'],
      });
      await assert.rejects(readPatientRecord(deps, colleague, patientId), { status: 403 });

      const team = await readCareTeam(deps, people.takahashi, patientId);
      const hospital = team.members.find((m) => m.kind === 'organisation');
      assert.ok(hospital);
      await setDesignatedStaff(deps, people.takahashi, patientId, hospital.id, ['msw.takahashi', 'ns.ogawa']);
      await readPatientRecord(deps, colleague, patientId);

      const lookAlike = anActor({ id: 'ns.ogawa', organisation: '東京中央病院分院' });
      await assert.rejects(readPatientRecord(deps, lookAlike, patientId), { status: 403 });
    });

    it('lets only the organisation’s own staff choose its designated staff', async () => {
      const patientId = await aPatient();
      await answerInvitation(
        deps,
        people.takahashi,
        await invited(patientId, { kind: 'organisation', organisation: '東京中央病院' }),
        'accept',
      );
      const team = await readCareTeam(deps, people.sato, patientId);
      const hospital = team.members.find((m) => m.kind === 'organisation')!;
      await assert.rejects(setDesignatedStaff(deps, people.sato, patientId, hospital.id, ['nurse.sato']), {
        status: 403,
      });
    });

    it('ends access at once for staff taken off the list', async () => {
      const patientId = await aPatient();
      await answerInvitation(
        deps,
        people.takahashi,
        await invited(patientId, { kind: 'organisation', organisation: '東京中央病院' }),
        'accept',
      );
      const hospital = (await readCareTeam(deps, people.sato, patientId)).members.find(
        (m) => m.kind === 'organisation',
      )!;
      const colleague = anActor({ id: 'ns.ogawa', organisation: '東京中央病院 看護部' });
      await setDesignatedStaff(deps, people.takahashi, patientId, hospital.id, ['msw.takahashi', 'ns.ogawa']);
      await readPatientRecord(deps, colleague, patientId);
      await setDesignatedStaff(deps, people.takahashi, patientId, hospital.id, ['msw.takahashi']);
      await assert.rejects(readPatientRecord(deps, colleague, patientId), { status: 403 });
    });
  });

  describe('leaving', () => {
    it('ends access with the next request, and the patient leaves the practitioner’s list', async () => {
      const patientId = await aPatient();
      await withIndividual(patientId, people.tanaka);
      assert.ok((await listPatients(deps, people.tanaka)).some((p) => p.patientId === patientId));
      await leaveCareTeam(deps, people.tanaka, patientId);
      await assert.rejects(readPatientRecord(deps, people.tanaka, patientId), { status: 403 });
      assert.ok(!(await listPatients(deps, people.tanaka)).some((p) => p.patientId === patientId));
    });

    it('does not let the last owner leave, and lets them after handing over', async () => {
      const patientId = await aPatient();
      await withIndividual(patientId, people.tanaka);
      await assert.rejects(leaveCareTeam(deps, people.sato, patientId), TeamRuleError);
      const tanaka = (await readCareTeam(deps, people.sato, patientId)).members.find((m) =>
        m.people.some((p) => p.id === 'dr.tanaka'),
      )!;
      await changeMemberRole(deps, people.sato, patientId, tanaka.id, 'owner');
      await leaveCareTeam(deps, people.sato, patientId);
      await assert.rejects(readPatientRecord(deps, people.sato, patientId), { status: 403 });
    });

    it('lets an owner end another member, and nobody else', async () => {
      const patientId = await aPatient();
      await withIndividual(patientId, people.tanaka);
      await withIndividual(patientId, people.suzuki);
      const suzuki = (await readCareTeam(deps, people.sato, patientId)).members.find((m) =>
        m.people.some((p) => p.id === 'cm.suzuki'),
      )!;
      await assert.rejects(endMembership(deps, people.tanaka, patientId, suzuki.id), { status: 403 });
      await endMembership(deps, people.sato, patientId, suzuki.id);
      await assert.rejects(readPatientRecord(deps, people.suzuki, patientId), { status: 403 });
    });
  });

  describe('invitations', () => {
    it('are answered only by whom they address', async () => {
      const patientId = await aPatient();
      const id = await invited(patientId, {
        kind: 'individual',
        organisation: people.tanaka.organisation,
        practitionerId: 'dr.tanaka',
      });
      await assert.rejects(answerInvitation(deps, people.tanakaColleague, id, 'accept'), { status: 403 });
      await assert.rejects(answerInvitation(deps, people.kimura, id, 'accept'), { status: 403 });
      await answerInvitation(deps, people.tanaka, id, 'accept');
      await readPatientRecord(deps, people.tanaka, patientId);
    });

    it('can be declined, and then not accepted', async () => {
      const patientId = await aPatient();
      const id = await invited(patientId, { kind: 'organisation', organisation: '東京中央病院' });
      await answerInvitation(deps, people.takahashi, id, 'decline');
      await assert.rejects(answerInvitation(deps, people.takahashi, id, 'accept'), (error) => {
        assert.ok(error instanceof InvitationClosedError);
        assert.equal(error.invitationStatus, 'declined');
        return true;
      });
      await assert.rejects(readPatientRecord(deps, people.takahashi, patientId), { status: 403 });
    });

    it('cannot be accepted once expired, and count as expired on the team page', async () => {
      const patientId = await aPatient();
      const id = await invited(patientId, {
        kind: 'organisation',
        organisation: '東京中央病院',
        validDays: 1,
      });
      // Two days pass.
      await pool.query(
        "UPDATE care_team_invitations SET sent_at = sent_at - interval '2 days', expires_at = expires_at - interval '2 days' WHERE id = $1",
        [id],
      );
      await assert.rejects(answerInvitation(deps, people.takahashi, id, 'accept'), {
        invitationStatus: 'expired',
      });
      const team = await readCareTeam(deps, people.sato, patientId);
      assert.equal(team.invitations.find((i) => i.id === id)?.status, 'expired');
      assert.deepEqual(
        await listMyInvitations(deps, people.takahashi).then((all) => all.filter((i) => i.id === id)),
        [],
      );
    });

    it('can be withdrawn by an owner before they are answered', async () => {
      const patientId = await aPatient();
      const id = await invited(patientId, { kind: 'organisation', organisation: '東京中央病院' });
      await revokeInvitation(deps, people.sato, patientId, id);
      await assert.rejects(answerInvitation(deps, people.takahashi, id, 'accept'), {
        invitationStatus: 'revoked',
      });
    });

    it('are sent by owners only, and not twice to the same member', async () => {
      const patientId = await aPatient();
      await withIndividual(patientId, people.tanaka);
      await assert.rejects(
        inviteToCareTeam(deps, people.tanaka, patientId, {
          kind: 'organisation',
          organisation: '東京中央病院',
          role: 'reader',
        }),
        { status: 403 },
      );
      await assert.rejects(
        invited(patientId, {
          kind: 'individual',
          organisation: people.tanaka.organisation,
          practitionerId: 'dr.tanaka',
        }),
        TeamRuleError,
      );
    });

    it('tell the invited practitioner in their timeline, inside the transaction', async () => {
      const patientId = await aPatient();
      deps.sent.length = 0;
      await invited(patientId, {
        kind: 'individual',
        organisation: people.suzuki.organisation,
        practitionerId: 'cm.suzuki',
      });
      assert.equal(deps.sent.length, 1);
      assert.deepEqual(deps.sent[0]?.notification.recipients, ['cm.suzuki']);
      assert.equal(deps.sent[0]?.isInTransaction, true);
    });

    it('refuse a malformed invitation with the field named', async () => {
      const patientId = await aPatient();
      await assert.rejects(
        inviteToCareTeam(deps, people.sato, patientId, {
          kind: 'individual',
          organisation: '中野在宅クリニック',
          role: 'editor',
        }),
        (error: { status: number; issues: { path: string }[] }) => {
          assert.equal(error.status, 400);
          assert.equal(error.issues[0]?.path, 'practitionerId');
          return true;
        },
      );
    });
  });
});
