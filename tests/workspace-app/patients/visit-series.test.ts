import assert from 'node:assert/strict';
import type pg from 'pg';
import { addDays, tokyoToday } from '@hcw/common';
import { answerInvitation, inviteToCareTeam } from '#workspace-app/patients/care-team-invitations.js';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import { InvalidItemError } from '#workspace-app/patients/invalid-item-error.js';
import { listPatientVisits, scheduleVisit } from '#workspace-app/patients/visit-calendar.js';
import { VisitConflictError } from '#workspace-app/patients/visit-conflict-error.js';
import { scheduleVisitSeries, seriesDates } from '#workspace-app/patients/visit-series.js';
import {
  aBasics,
  auditEvents,
  patientDatabase,
  patientDeps,
  people,
  registerPractitioners,
  withSharingConsent,
} from './patient-fixtures.js';

const isoWeekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay() || 7;

describe('recurring visits: a weekly pattern put in the calendar, all or none', function () {
  this.timeout(60000);
  let pool: pg.Pool;
  let deps: ReturnType<typeof patientDeps>;
  let patientId: string;
  /** A Monday a few weeks ahead, so the series never meets today's clock. */
  const monday = (() => {
    let day = addDays(tokyoToday(), 21);
    while (isoWeekday(day) !== 1) day = addDays(day, 1);
    return day;
  })();

  before(async () => {
    pool = await patientDatabase('patients_visit_series_test');
    deps = patientDeps(pool);
    await registerPractitioners(pool, Object.values(people));
    patientId = (await createPatient(deps, people.sato, aBasics())).patientId;
    await withSharingConsent(deps, people.sato, patientId);
    const invitation = await inviteToCareTeam(deps, people.sato, patientId, {
      kind: 'individual',
      organisation: people.tanaka.organisation,
      practitionerId: people.tanaka.id,
      role: 'editor',
    });
    await answerInvitation(deps, people.tanaka, invitation.id, 'accept');
  });
  after(async () => {
    await pool?.end();
  });

  it('falls on its weekdays over its weeks and skips the dates it is told to', () => {
    const thursday = addDays(monday, 3);
    assert.deepEqual(
      seriesDates({ firstDate: monday, weekdays: [1, 4], weeks: 2, exceptDates: [thursday] }),
      [monday, addDays(monday, 7), addDays(monday, 10)],
    );
  });

  it('puts every visit of the series in the calendar with one series id, audited once', async () => {
    const series = await scheduleVisitSeries(deps, people.sato, patientId, {
      practitionerId: people.sato.id,
      firstDate: monday,
      time: '10:00',
      weekdays: [1, 4],
      weeks: 4,
      durationMinutes: 60,
      purpose: '定期訪問（看護）',
    });
    assert.equal(series.visitIds.length, 8);
    const visits = await listPatientVisits(deps, people.sato, patientId, { from: monday, days: 28 });
    assert.equal(visits.filter((v) => v.purpose === '定期訪問（看護）').length, 8);
    assert.ok(
      visits.every((v) => v.startsAt.endsWith('T01:00:00.000Z')),
      '10:00 in Tokyo',
    );
    const [event] = await auditEvents(pool, { patientId, type: 'patient.visit.schedule-series' });
    assert.equal(event?.details.visits, 8);
  });

  it('refuses the whole series when one date clashes, naming the date, and stores none of it', async () => {
    const clashDay = addDays(monday, 9); // the second Wednesday
    await scheduleVisit(deps, people.tanaka, patientId, {
      practitionerId: people.tanaka.id,
      startsAt: `${clashDay}T14:30:00+09:00`,
      durationMinutes: 60,
    });
    const weekly = {
      practitionerId: people.tanaka.id,
      firstDate: monday,
      time: '14:00',
      weekdays: [3],
      weeks: 3,
      durationMinutes: 60,
      purpose: '定期往診',
    };
    await assert.rejects(scheduleVisitSeries(deps, people.sato, patientId, weekly), (error: unknown) => {
      assert.ok(error instanceof VisitConflictError);
      assert.deepEqual(error.clashingDates, [clashDay]);
      assert.match(error.messageJa, new RegExp(`重なる日: ${clashDay}`));
      return true;
    });
    const stored = await listPatientVisits(deps, people.sato, patientId, { from: monday, days: 28 });
    assert.equal(stored.filter((v) => v.purpose === '定期往診').length, 0);
    // Control: skipping that date, the rest of the series goes in.
    const series = await scheduleVisitSeries(deps, people.sato, patientId, {
      ...weekly,
      exceptDates: [clashDay],
    });
    assert.deepEqual(series.dates, [addDays(monday, 2), addDays(monday, 16)]);
  });

  it('refuses a visitor outside the care team, a pattern on no date and a start in the past', async () => {
    const base = { firstDate: monday, time: '09:00', weekdays: [2], weeks: 1, durationMinutes: 30 };
    await assert.rejects(
      scheduleVisitSeries(deps, people.sato, patientId, { ...base, practitionerId: people.kimura.id }),
      InvalidItemError,
    );
    await assert.rejects(
      scheduleVisitSeries(deps, people.sato, patientId, {
        ...base,
        practitionerId: people.sato.id,
        exceptDates: [addDays(monday, 1)],
      }),
      InvalidItemError,
    );
    await assert.rejects(
      scheduleVisitSeries(deps, people.sato, patientId, {
        ...base,
        practitionerId: people.sato.id,
        firstDate: '2020-01-06',
      }),
      InvalidItemError,
    );
  });
});
