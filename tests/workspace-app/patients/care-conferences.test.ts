import assert from 'node:assert/strict';
import type pg from 'pg';
import { addDays, tokyoToday } from '@hcw/common';
import {
  answerConference,
  cancelConference,
  ConferenceRuleError,
  listMyConferences,
  listPatientConferences,
  listTodaysConferences,
  planConference,
} from '#workspace-app/patients/care-conferences.js';
import { answerInvitation, inviteToCareTeam } from '#workspace-app/patients/care-team-invitations.js';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import { InvalidItemError } from '#workspace-app/patients/invalid-item-error.js';
import { PatientAccessDeniedError } from '#workspace-app/patients/patient-access.js';
import type { PatientActor } from '#workspace-app/patients/patient-actor.js';
import { scheduleVisit } from '#workspace-app/patients/visit-calendar.js';
import {
  aBasics,
  auditEvents,
  patientDatabase,
  patientDeps,
  people,
  registerPractitioners,
  withSharingConsent,
} from './patient-fixtures.js';

describe('care conferences: planned with the care team, clashes shown, answered and cancelled', function () {
  this.timeout(60000);
  let pool: pg.Pool;
  let deps: ReturnType<typeof patientDeps>;
  /** 佐藤's patient: 田中 (another clinic) is an editor, 鈴木 (the care manager) a reader. */
  let patientId: string;
  /** 木村's patient, on whose team 田中 is and 佐藤 is not. */
  let othersPatient: string;
  const day = (n: number) => addDays(tokyoToday(), n);
  const at = (n: number, time: string) => `${day(n)}T${time}:00+09:00`;

  async function join(owner: PatientActor, patient: string, who: PatientActor, role: 'editor' | 'reader') {
    const invitation = await inviteToCareTeam(deps, owner, patient, {
      kind: 'individual',
      organisation: who.organisation,
      practitionerId: who.id,
      role,
    });
    await answerInvitation(deps, who, invitation.id, 'accept');
  }

  const conference = (overrides: Record<string, unknown> = {}) => ({
    kind: 'pre-discharge',
    startsAt: at(5, '10:00'),
    durationMinutes: 60,
    place: '東京中央病院 3階 カンファレンス室',
    agenda: '退院後の訪問体制',
    attendees: [people.tanaka.id],
    ...overrides,
  });

  async function storedConferences(patient: string): Promise<number> {
    const { rows } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM care_conferences WHERE patient_id = $1',
      [patient],
    );
    return rows[0]!.n;
  }

  before(async () => {
    pool = await patientDatabase('patients_care_conferences_test');
    deps = patientDeps(pool);
    await registerPractitioners(pool, Object.values(people));
    patientId = (await createPatient(deps, people.sato, aBasics())).patientId;
    await withSharingConsent(deps, people.sato, patientId);
    await join(people.sato, patientId, people.tanaka, 'editor');
    await join(people.sato, patientId, people.suzuki, 'reader');
    othersPatient = (
      await createPatient(
        deps,
        people.kimura,
        aBasics({
          name: { kanji: { family: '石井', given: '和子' }, kana: { family: 'イシイ', given: 'カズコ' } },
        }),
      )
    ).patientId;
    await withSharingConsent(deps, people.kimura, othersPatient);
    await join(people.kimura, othersPatient, people.tanaka, 'editor');
  });
  after(async () => {
    await pool?.end();
  });

  it('plans a conference across organisations, notifies the attendees in the transaction, audited once', async () => {
    const before = deps.sent.length;
    const planned = await planConference(
      deps,
      people.sato,
      patientId,
      conference({ kind: 'service-coordination', attendees: [people.tanaka.id, people.suzuki.id] }),
    );
    assert.equal(planned.status, 'planned');
    assert.equal(planned.organiser.id, people.sato.id);
    const [organiser, ...invited] = planned.attendees;
    assert.deepEqual(
      [organiser?.practitionerId, organiser?.response],
      [people.sato.id, 'accepted'],
      'the organiser attends',
    );
    assert.deepEqual(invited.map((a) => [a.practitionerId, a.organisation, a.response]).sort(), [
      [people.suzuki.id, people.suzuki.organisation, 'invited'],
      [people.tanaka.id, people.tanaka.organisation, 'invited'],
    ]);
    const sent = deps.sent.slice(before);
    assert.deepEqual(sent.map((s) => s.notification.recipients).sort(), [
      [people.suzuki.id],
      [people.tanaka.id],
    ]);
    assert.ok(
      sent.every((s) => s.isInTransaction),
      'notified inside the transaction',
    );
    assert.ok(sent.every((s) => s.notification.link === `/patients/${patientId}/conferences`));
    assert.equal(new Set(sent.map((s) => s.notification.idempotencyKey)).size, 2);
    const events = await auditEvents(pool, { patientId, type: 'patient.conference.plan' });
    assert.equal(events.length, 1);
    assert.equal(events[0]?.outcome, 'success');
    assert.equal(events[0]?.details.conferenceId, planned.id);
    // The attendee sees it among their own conferences.
    const mine = await listMyConferences(deps, people.tanaka, { from: day(5), days: 1 });
    assert.ok(mine.some((c) => c.id === planned.id));
  });

  it('refuses an attendee who is not on the care team (400) and stores nothing', async () => {
    const before = { stored: await storedConferences(patientId), sent: deps.sent.length };
    await assert.rejects(
      planConference(deps, people.sato, patientId, conference({ attendees: [people.kimura.id] })),
      (error: unknown) => {
        assert.ok(error instanceof InvalidItemError);
        assert.equal(error.status, 400);
        assert.equal(error.issues[0]?.path, 'attendees');
        return true;
      },
    );
    assert.equal(await storedConferences(patientId), before.stored);
    assert.equal(deps.sent.length, before.sent);
    // Control: the same plan with a member of the team is stored.
    await planConference(deps, people.sato, patientId, conference({ startsAt: at(6, '10:00') }));
    assert.equal(await storedConferences(patientId), before.stored + 1);
  });

  it('shows an attendee’s overlapping visit as a conflict, but not one at another time', async () => {
    const overlapping = await scheduleVisit(deps, people.tanaka, patientId, {
      practitionerId: people.tanaka.id,
      startsAt: at(8, '10:30'),
      durationMinutes: 60,
    });
    const later = await scheduleVisit(deps, people.tanaka, patientId, {
      practitionerId: people.tanaka.id,
      startsAt: at(8, '14:00'),
      durationMinutes: 60,
    });
    const planned = await planConference(
      deps,
      people.sato,
      patientId,
      conference({ startsAt: at(8, '10:00') }),
    );
    assert.deepEqual(
      planned.conflicts.map((c) => [c.kind, c.id, c.practitionerId]),
      [['visit', overlapping.id, people.tanaka.id]],
    );
    assert.ok(!planned.conflicts.some((c) => c.id === later.id));
    assert.equal(planned.conflicts[0]?.patientName, '山口 正雄');
    // Still planned, and the list shows the same conflict.
    const listed = (await listPatientConferences(deps, people.sato, patientId)).find(
      (c) => c.id === planned.id,
    );
    assert.equal(listed?.status, 'planned');
    assert.deepEqual(
      listed?.conflicts.map((c) => c.id),
      [overlapping.id],
    );
  });

  it('does not name another patient in a conflict to someone who cannot read that patient', async () => {
    const elsewhere = await scheduleVisit(deps, people.kimura, othersPatient, {
      practitionerId: people.tanaka.id,
      startsAt: at(9, '10:00'),
      durationMinutes: 60,
    });
    const otherConference = await planConference(
      deps,
      people.kimura,
      othersPatient,
      conference({ startsAt: at(9, '11:00'), attendees: [people.tanaka.id] }),
    );
    const planned = await planConference(
      deps,
      people.sato,
      patientId,
      conference({ startsAt: at(9, '10:30'), durationMinutes: 60 }),
    );
    const forSato = planned.conflicts.filter((c) => c.practitionerId === people.tanaka.id);
    assert.deepEqual(
      forSato.map((c) => [c.kind, c.id]),
      [
        ['visit', elsewhere.id],
        ['conference', otherConference.id],
      ],
    );
    assert.ok(
      forSato.every((c) => c.patientId === null && c.patientName === null),
      'the other patient is not named to 佐藤',
    );
    assert.ok(!JSON.stringify(planned).includes('石井'));
    // Control: 田中, who is on that patient's team, sees the name.
    const forTanaka = (await listPatientConferences(deps, people.tanaka, patientId)).find(
      (c) => c.id === planned.id,
    );
    const named = forTanaka?.conflicts.filter((c) => c.practitionerId === people.tanaka.id);
    assert.equal(named?.length, 2);
    assert.ok(named?.every((c) => c.patientId === othersPatient && c.patientName === '石井 和子'));
  });

  it('lets only an attendee answer, for themself, and tells the organiser', async () => {
    const planned = await planConference(
      deps,
      people.sato,
      patientId,
      conference({ startsAt: at(11, '10:00'), attendees: [people.tanaka.id] }),
    );
    await assert.rejects(
      answerConference(deps, people.suzuki, patientId, planned.id, 'accept'),
      ConferenceRuleError,
    );
    const before = deps.sent.length;
    const answered = await answerConference(deps, people.tanaka, patientId, planned.id, 'decline');
    assert.equal(answered.response, 'declined');
    assert.deepEqual(
      deps.sent.slice(before).map((s) => s.notification.recipients),
      [[people.sato.id]],
    );
    const listed = (await listPatientConferences(deps, people.sato, patientId)).find(
      (c) => c.id === planned.id,
    );
    assert.deepEqual(
      listed?.attendees.map((a) => [a.practitionerId, a.response]),
      [
        [people.sato.id, 'accepted'],
        [people.tanaka.id, 'declined'],
      ],
    );
    const refusals = await auditEvents(pool, {
      actorId: people.suzuki.id,
      type: 'patient.conference.answer',
    });
    assert.equal(refusals.at(-1)?.outcome, 'failure');
  });

  it('cancels by the organiser or an owner only, notifying the attendees; it stays, cancelled', async () => {
    const planned = await planConference(
      deps,
      people.sato,
      patientId,
      conference({ startsAt: at(12, '10:00'), attendees: [people.tanaka.id, people.suzuki.id] }),
    );
    await assert.rejects(cancelConference(deps, people.tanaka, patientId, planned.id), ConferenceRuleError);
    const before = deps.sent.length;
    await cancelConference(deps, people.sato, patientId, planned.id);
    const sent = deps.sent.slice(before);
    assert.deepEqual(sent.map((s) => s.notification.recipients).sort(), [
      [people.suzuki.id],
      [people.tanaka.id],
    ]);
    assert.ok(sent.every((s) => s.isInTransaction && s.notification.kind === 'care-conference-cancel'));
    const listed = (await listPatientConferences(deps, people.sato, patientId)).find(
      (c) => c.id === planned.id,
    );
    assert.equal(listed?.status, 'cancelled');
    await assert.rejects(cancelConference(deps, people.sato, patientId, planned.id), ConferenceRuleError);
    await assert.rejects(
      answerConference(deps, people.tanaka, patientId, planned.id, 'accept'),
      ConferenceRuleError,
    );
    await assert.rejects(
      pool.query('DELETE FROM care_conferences WHERE id = $1', [planned.id]),
      /never removed/,
    );
  });

  it('refuses a reader of the team to plan, and stores nothing', async () => {
    const stored = await storedConferences(patientId);
    await assert.rejects(
      planConference(
        deps,
        people.suzuki,
        patientId,
        conference({ startsAt: at(13, '10:00'), attendees: [] }),
      ),
      (error: unknown) => error instanceof PatientAccessDeniedError && error.reason === 'role-does-not-allow',
    );
    assert.equal(await storedConferences(patientId), stored);
    // Control: the reader still reads the conferences.
    assert.ok((await listPatientConferences(deps, people.suzuki, patientId)).length > 0);
  });

  it('lists today’s conferences (Tokyo) of an attendee', async () => {
    const today = await planConference(
      deps,
      people.sato,
      patientId,
      conference({ startsAt: `${tokyoToday()}T23:00:00+09:00`, durationMinutes: 30 }),
    );
    const later = await planConference(
      deps,
      people.sato,
      patientId,
      conference({ startsAt: at(1, '09:00'), durationMinutes: 30 }),
    );
    const ids = (await listTodaysConferences(deps, people.tanaka)).map((c) => c.id);
    assert.ok(ids.includes(today.id));
    assert.ok(!ids.includes(later.id));
  });
});
