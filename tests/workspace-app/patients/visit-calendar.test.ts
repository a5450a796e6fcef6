import { tokyoDate } from '@hcw/common';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { answerInvitation, inviteToCareTeam } from '#workspace-app/patients/care-team-invitations.js';
import { leaveCareTeam } from '#workspace-app/patients/care-team.js';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import type { PatientActor } from '#workspace-app/patients/patient-actor.js';
import { addRecordItem } from '#workspace-app/patients/record-items.js';
import {
  cancelVisit,
  listPatientVisits,
  listPractitionerVisits,
  listTodaysVisits,
  scheduleVisit,
} from '#workspace-app/patients/visit-calendar.js';
import { VisitConflictError } from '#workspace-app/patients/visit-conflict-error.js';
import {
  aBasics,
  auditEvents,
  aVisitRecord,
  patientDatabase,
  patientDeps,
  withSharingConsent,
  people,
  registerPractitioners,
} from './patient-fixtures.js';

/** A time on today's Tokyo date, e.g. `at('14:00')`. */
function at(time: string, date = tokyoDate(new Date())): string {
  return `${date}T${time}:00+09:00`;
}

describe('visit calendar', function () {
  this.timeout(60000);
  let pool: pg.Pool;
  let deps: ReturnType<typeof patientDeps>;
  const tomorrow = tokyoDate(new Date(Date.now() + 24 * 60 * 60 * 1000));

  before(async () => {
    pool = await patientDatabase('patients_visit_calendar_test');
    deps = patientDeps(pool);
    await registerPractitioners(pool, Object.values(people));
  });
  after(async () => {
    await pool?.end();
  });

  async function aPatient(family = '山口', members: PatientActor[] = []): Promise<string> {
    const patientId = (
      await createPatient(
        deps,
        people.sato,
        aBasics({ name: { kanji: { family, given: '花' }, kana: { family: 'ヤマ', given: 'ハナ' } } }),
      )
    ).patientId;
    await withSharingConsent(deps, people.sato, patientId);
    for (const who of members) {
      const invitation = await inviteToCareTeam(deps, people.sato, patientId, {
        kind: 'individual',
        organisation: who.organisation,
        practitionerId: who.id,
        role: 'editor',
      });
      await answerInvitation(deps, who, invitation.id, 'accept');
    }
    return patientId;
  }

  const plan = (startsAt: string, practitionerId = 'nurse.sato', durationMinutes = 60) => ({
    practitionerId,
    startsAt,
    durationMinutes,
    purpose: '定期訪問',
  });

  it('keeps visits per patient and per practitioner with who, when and profession', async () => {
    const patientId = await aPatient('川口', [people.tanaka]);
    await scheduleVisit(deps, people.sato, patientId, plan(at('09:00', tomorrow)));
    await scheduleVisit(deps, people.sato, patientId, plan(at('13:00', tomorrow), 'dr.tanaka', 30));
    const visits = await listPatientVisits(deps, people.sato, patientId, { from: tomorrow, days: 1 });
    assert.deepEqual(
      visits.map((v) => [v.practitioner.id, v.practitioner.profession, v.startsAt]),
      [
        ['nurse.sato', '看護師', new Date(at('09:00', tomorrow)).toISOString()],
        ['dr.tanaka', '医師', new Date(at('13:00', tomorrow)).toISOString()],
      ],
    );
    const tanakas = await listPractitionerVisits(deps, people.tanaka, { from: tomorrow, days: 1 });
    assert.deepEqual(
      tanakas.map((v) => [v.patientName, v.endsAt]),
      [['川口 花', new Date(at('13:30', tomorrow)).toISOString()]],
    );
  });

  it('refuses to double-book a practitioner and shows the other visit', async () => {
    const first = await aPatient('大田');
    const second = await aPatient('品川');
    await scheduleVisit(deps, people.sato, first, plan(at('10:00', tomorrow)));
    await assert.rejects(scheduleVisit(deps, people.sato, second, plan(at('10:30', tomorrow))), (error) => {
      assert.ok(error instanceof VisitConflictError);
      assert.equal(error.status, 409);
      assert.equal(error.conflicts[0]?.patientName, '大田 花');
      assert.match(error.messageJa, /大田 花 様の訪問/);
      return true;
    });
    // Control: right after the first visit is free.
    await scheduleVisit(deps, people.sato, second, plan(at('11:00', tomorrow)));
  });

  it('does not name the other patient to someone outside that patient’s team', async () => {
    const theirs = await aPatient('目黒', [people.tanaka]);
    const ours = (await createPatient(deps, people.suzuki, aBasics())).patientId;
    await withSharingConsent(deps, people.suzuki, ours);
    const invitation = await inviteToCareTeam(deps, people.suzuki, ours, {
      kind: 'individual',
      organisation: people.tanaka.organisation,
      practitionerId: 'dr.tanaka',
      role: 'editor',
    });
    await answerInvitation(deps, people.tanaka, invitation.id, 'accept');
    await scheduleVisit(deps, people.sato, theirs, plan(at('15:00', tomorrow), 'dr.tanaka'));
    await assert.rejects(
      scheduleVisit(deps, people.suzuki, ours, plan(at('15:15', tomorrow), 'dr.tanaka')),
      (error) => {
        assert.ok(error instanceof VisitConflictError);
        assert.equal(error.conflicts[0]?.patientName, null);
        assert.equal(error.conflicts[0]?.patientId, null);
        assert.doesNotMatch(error.messageJa, /目黒/);
        return true;
      },
    );
  });

  it('lets only one of two schedulers racing for the same hour win', async () => {
    const a = await aPatient('渋谷');
    const b = await aPatient('港');
    const results = await Promise.allSettled([
      scheduleVisit(deps, people.sato, a, plan(at('16:00', tomorrow))),
      scheduleVisit(deps, people.sato, b, plan(at('16:20', tomorrow))),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.ok(lost?.reason instanceof VisitConflictError);
  });

  it('marks two practitioners visiting the same patient at once', async () => {
    const patientId = await aPatient('中央', [people.tanaka]);
    const nurse = await scheduleVisit(
      deps,
      people.sato,
      patientId,
      plan(at('08:00', tomorrow), 'nurse.sato', 30),
    );
    const doctor = await scheduleVisit(
      deps,
      people.sato,
      patientId,
      plan(at('08:15', tomorrow), 'dr.tanaka', 30),
    );
    const later = await scheduleVisit(
      deps,
      people.sato,
      patientId,
      plan(at('08:45', tomorrow), 'dr.tanaka', 15),
    );
    const visits = await listPatientVisits(deps, people.sato, patientId, { from: tomorrow, days: 1 });
    const overlaps = new Map(visits.map((v) => [v.id, v.overlapsWith]));
    assert.deepEqual(overlaps.get(nurse.id), [doctor.id]);
    assert.deepEqual(overlaps.get(doctor.id), [nurse.id]);
    assert.deepEqual(overlaps.get(later.id), []);
  });

  it('refuses a visitor who is not on the care team, and a malformed plan with the field named', async () => {
    const patientId = await aPatient('足立');
    await assert.rejects(
      scheduleVisit(deps, people.sato, patientId, plan(at('12:00', tomorrow), 'nurse.kimura')),
      (error: { status: number; issues: { path: string; message: string }[] }) => {
        assert.equal(error.status, 400);
        assert.equal(error.issues[0]?.path, 'practitionerId');
        assert.match(error.issues[0]?.message ?? '', /ケアチーム/);
        return true;
      },
    );
    await assert.rejects(
      scheduleVisit(deps, people.sato, patientId, { ...plan(at('12:00', tomorrow)), durationMinutes: 2 }),
      {
        status: 400,
      },
    );
  });

  it('lists today’s visits for the practitioner, without patients whose team they left', async () => {
    const stays = await aPatient('今日', [people.tanaka]);
    const leaves = await aPatient('退出', [people.tanaka]);
    const soon = new Date(Date.now() + 5 * 60 * 1000);
    // Today in Tokyo, a few minutes from now (or just after midnight when the test runs at 23:55).
    const start = tokyoDate(soon) === tokyoDate(new Date()) ? soon.toISOString() : new Date().toISOString();
    await scheduleVisit(deps, people.sato, stays, plan(start, 'dr.tanaka', 10));
    await scheduleVisit(
      deps,
      people.sato,
      leaves,
      plan(new Date(Date.parse(start) - 60 * 60 * 1000).toISOString(), 'dr.tanaka', 10),
    );
    await leaveCareTeam(deps, people.tanaka, leaves);
    const today = await listTodaysVisits(deps, people.tanaka);
    const names = today.map((v) => v.patientName);
    assert.ok(names.includes('今日 花'));
    assert.ok(!names.includes('退出 花'));
    const audited = await auditEvents(pool, {
      actorId: 'dr.tanaka',
      type: 'patient.calendar.read-own',
      patientId: stays,
    });
    assert.ok(audited.length > 0);
  });

  it('closes a planned visit with its visit record, and frees a cancelled slot', async () => {
    const patientId = await aPatient('杉並');
    const visit = await scheduleVisit(
      deps,
      people.sato,
      patientId,
      plan(new Date(Date.now() - 2 * 60 * 60 * 1000).toISOString(), 'nurse.sato', 30),
    );
    const record = await addRecordItem(
      deps,
      people.sato,
      patientId,
      'visit-record',
      aVisitRecord({ scheduledVisitId: visit.id }),
    );
    const [done] = await listPatientVisits(deps, people.sato, patientId, {
      from: tokyoDate(visit.startsAt),
      days: 1,
    });
    assert.equal(done?.status, 'done');
    assert.equal(done?.visitRecordId, record.id);

    const planned = await scheduleVisit(deps, people.sato, patientId, plan(at('18:00', tomorrow)));
    await cancelVisit(deps, people.sato, patientId, planned.id);
    await scheduleVisit(deps, people.sato, patientId, plan(at('18:00', tomorrow)));
  });
});
