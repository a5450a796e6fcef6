import { bilingualMessage, tokyoDate, tokyoDayRange } from '@hcw/common';
import type pg from 'pg';
import { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import { InvalidItemError, parseItemInput } from './invalid-item-error.js';
import {
  activeMemberships,
  coversInSql,
  decidePatientAccess,
  hasCareRole,
  isUuid,
  membershipCovers,
  PatientAccessDeniedError,
  requirePatientAccess,
} from './patient-access.js';
import type { PatientActor } from './patient-actor.js';
import { auditedOperation, type PatientDeps } from './patient-audit.js';
import { patientNames } from './patient-record.js';
import { RecordNotFoundError } from './record-not-found-error.js';
import { VisitConflictError, type ConflictingVisit } from './visit-conflict-error.js';

export type VisitStatus = 'planned' | 'done' | 'cancelled';

/** One entry of the visit calendar (訪問予定): who visits whom, when, as which profession. */
export interface ScheduledVisit {
  id: string;
  patientId: string;
  patientName: string | null;
  practitioner: { id: string; name: string; organisation: string; profession: string };
  startsAt: string;
  endsAt: string;
  purpose: string | null;
  status: VisitStatus;
  visitRecordId: string | null;
  /** Other visits to the same patient at an overlapping time (two professions arriving together). */
  overlapsWith: string[];
}

interface VisitRow {
  id: string;
  patient_id: string;
  practitioner_id: string;
  practitioner_name: string;
  practitioner_organisation: string;
  profession: string;
  starts_at: Date;
  ends_at: Date;
  purpose: string | null;
  status: VisitStatus;
  visit_record_id: string | null;
}

const VISIT_COLUMNS = `v.id, v.patient_id, v.practitioner_id, v.practitioner_name, v.practitioner_organisation,
  v.profession, v.starts_at, v.ends_at, v.purpose, v.status, v.visit_record_id`;

function visitFromRow(row: VisitRow, patientName: string | null): ScheduledVisit {
  return {
    id: row.id,
    patientId: row.patient_id,
    patientName,
    practitioner: {
      id: row.practitioner_id,
      name: row.practitioner_name,
      organisation: row.practitioner_organisation,
      profession: row.profession,
    },
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    purpose: row.purpose,
    status: row.status,
    visitRecordId: row.visit_record_id,
    overlapsWith: [],
  };
}

/** Marks, on each visit, the other active visits to the same patient that overlap it. */
export function markOverlaps(visits: ScheduledVisit[]): ScheduledVisit[] {
  const active = visits.filter((visit) => visit.status !== 'cancelled');
  return visits.map((visit) => ({
    ...visit,
    overlapsWith:
      visit.status === 'cancelled'
        ? []
        : active
            .filter(
              (other) =>
                other.id !== visit.id &&
                other.patientId === visit.patientId &&
                Date.parse(other.startsAt) < Date.parse(visit.endsAt) &&
                Date.parse(visit.startsAt) < Date.parse(other.endsAt),
            )
            .map((other) => other.id),
  }));
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const visitPlanSchema = field
  .object({
    practitionerId: field.text(200),
    startsAt: field.dateTime(),
    durationMinutes: field.integer({ min: 10, max: 480 }),
    purpose: field.text(200).optional(),
  })
  .superRefine((plan, ctx) => {
    const start = Date.parse(plan.startsAt);
    if (start < Date.now() - 30 * DAY_MS || start > Date.now() + 366 * DAY_MS) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['startsAt'],
        message: bilingualMessage({
          ja: '訪問予定は30日前から1年先までの日時で入力してください',
          en: 'a visit is planned between 30 days ago and a year ahead',
        }),
      });
    }
  });
export type VisitPlanInput = z.input<typeof visitPlanSchema>;

interface PractitionerRow {
  id: string;
  display_name: string;
  organisation: string;
  profession: string;
  roles: string[];
}

/** The visiting practitioner must be on the care team: nobody is sent to a home whose record they cannot read. */
export async function visitingPractitioner(
  client: pg.ClientBase,
  actor: PatientActor,
  patientId: string,
  practitionerId: string,
): Promise<{ id: string; name: string; organisation: string; profession: string }> {
  const person =
    practitionerId === actor.id
      ? {
          id: actor.id,
          name: actor.displayName,
          organisation: actor.organisation,
          profession: actor.profession,
          roles: actor.roles,
        }
      : await client
          .query<PractitionerRow>(
            'SELECT id, display_name, organisation, profession, roles FROM practitioners WHERE id = $1',
            [practitionerId],
          )
          .then(({ rows }) =>
            rows[0]
              ? {
                  id: rows[0].id,
                  name: rows[0].display_name,
                  organisation: rows[0].organisation,
                  profession: rows[0].profession,
                  roles: rows[0].roles,
                }
              : undefined,
          );
  const memberships = await activeMemberships(client, patientId);
  if (!person || !decidePatientAccess(person, memberships, 'read').isAllowed) {
    throw new InvalidItemError([
      {
        path: 'practitionerId',
        message: bilingualMessage({
          ja: 'この患者のケアチームのメンバーを選んでください',
          en: 'choose a member of this patient’s care team',
        }),
      },
    ]);
  }
  return {
    id: person.id,
    name: person.name,
    organisation: person.organisation,
    profession: person.profession,
  };
}

/** The visits that stand in the way of a new one, named only where the scheduler may read the patient. */
export async function conflictingVisits(
  client: pg.ClientBase,
  actor: PatientActor,
  practitionerId: string,
  startsAt: string,
  endsAt: string,
): Promise<ConflictingVisit[]> {
  const { rows } = await client.query<VisitRow>(
    `SELECT ${VISIT_COLUMNS} FROM scheduled_visits v
      WHERE v.practitioner_id = $1 AND v.status <> 'cancelled' AND tstzrange(v.starts_at, v.ends_at) && tstzrange($2, $3)
      ORDER BY v.starts_at`,
    [practitionerId, startsAt, endsAt],
  );
  const names = await patientNames(
    client,
    rows.map((row) => row.patient_id),
  );
  const conflicts: ConflictingVisit[] = [];
  for (const row of rows) {
    const readable = decidePatientAccess(
      actor,
      await activeMemberships(client, row.patient_id),
      'read',
    ).isAllowed;
    conflicts.push({
      visitId: row.id,
      startsAt: row.starts_at.toISOString(),
      endsAt: row.ends_at.toISOString(),
      patientId: readable ? row.patient_id : null,
      patientName: readable ? (names.get(row.patient_id)?.name ?? null) : null,
    });
  }
  return conflicts;
}

/**
 * Puts a visit in the calendar. A practitioner already visiting someone at that time is refused with the
 * other visit (VisitConflictError); the database's exclusion constraint makes that hold even when two
 * schedulers race.
 */
export async function scheduleVisit(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  input: unknown,
): Promise<ScheduledVisit> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.visit.schedule', patientId },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'write');
      const plan = parseItemInput(visitPlanSchema, input);
      const person = await visitingPractitioner(client, actor, patientId, plan.practitionerId);
      const startsAt = new Date(plan.startsAt).toISOString();
      const endsAt = new Date(Date.parse(plan.startsAt) + plan.durationMinutes * 60 * 1000).toISOString();
      context.details.practitionerId = person.id;
      await client.query('SAVEPOINT schedule_visit');
      try {
        const { rows } = await client.query<VisitRow>(
          `INSERT INTO scheduled_visits AS v (patient_id, practitioner_id, practitioner_name, practitioner_organisation,
           profession, starts_at, ends_at, purpose, created_by, changed_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
         RETURNING ${VISIT_COLUMNS}`,
          [
            patientId,
            person.id,
            person.name,
            person.organisation,
            person.profession,
            startsAt,
            endsAt,
            plan.purpose ?? null,
            actor.id,
          ],
        );
        context.details.visitId = rows[0]!.id;
        return visitFromRow(rows[0]!, null);
      } catch (error) {
        if ((error as { code?: string }).code !== '23P01') throw error;
        await client.query('ROLLBACK TO SAVEPOINT schedule_visit');
        context.details.conflict = true;
        throw new VisitConflictError(
          person.name,
          await conflictingVisits(client, actor, person.id, startsAt, endsAt),
        );
      }
    },
  );
}

/** Takes a planned visit out of the calendar; it stays visible as cancelled. */
export async function cancelVisit(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  visitId: string,
): Promise<void> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.visit.cancel', patientId, details: { visitId } },
    async (client) => {
      await requirePatientAccess(client, actor, patientId, 'write');
      const updated = isUuid(visitId)
        ? await client.query(
            `UPDATE scheduled_visits SET status = 'cancelled', changed_at = now(), changed_by = $3
              WHERE id = $1 AND patient_id = $2 AND status = 'planned'`,
            [visitId, patientId, actor.id],
          )
        : { rowCount: 0 };
      if (!updated.rowCount) throw new RecordNotFoundError({ ja: '予定中の訪問', en: 'planned visit' });
    },
  );
}

/**
 * Marks a planned visit done by the record written for it, inside the record's transaction. A visit of
 * another patient, or one already done or cancelled, is refused.
 */
export async function completeScheduledVisit(
  client: pg.ClientBase,
  patientId: string,
  visitId: string,
  visitRecordId: string,
): Promise<void> {
  const updated = await client.query(
    `UPDATE scheduled_visits SET status = 'done', visit_record_id = $3, changed_at = now()
      WHERE id = $1 AND patient_id = $2 AND status = 'planned'`,
    [visitId, patientId, visitRecordId],
  );
  if (!updated.rowCount) {
    throw new InvalidItemError([
      {
        path: 'scheduledVisitId',
        message: bilingualMessage({
          ja: 'この患者の予定中の訪問ではありません',
          en: 'not a planned visit of this patient',
        }),
      },
    ]);
  }
}

export interface VisitRange {
  /** A Tokyo date, YYYY-MM-DD; today when absent. */
  from?: string;
  days?: number;
}

/** The Tokyo days a calendar shows: from a date (today when absent or malformed), 1 to 31 days (7 by default). */
export function rangeOf(range: VisitRange): { from: string; to: string; firstDay: string; days: number } {
  const firstDay = range.from && /^\d{4}-\d{2}-\d{2}$/.test(range.from) ? range.from : tokyoDate(new Date());
  const days = Math.min(Math.max(range.days ?? 7, 1), 31);
  return { ...tokyoDayRange(firstDay, days), firstDay, days };
}

/** A patient's calendar, overlapping visits of different practitioners marked. */
export async function listPatientVisits(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  range: VisitRange = {},
): Promise<ScheduledVisit[]> {
  return auditedOperation(deps, actor, { type: 'patient.calendar.read', patientId }, async (client) => {
    await requirePatientAccess(client, actor, patientId, 'read');
    const { from, to } = rangeOf(range);
    const { rows } = await client.query<VisitRow>(
      `SELECT ${VISIT_COLUMNS} FROM scheduled_visits v
        WHERE v.patient_id = $1 AND v.starts_at < $3 AND v.ends_at > $2
        ORDER BY v.starts_at, v.practitioner_name`,
      [patientId, from, to],
    );
    const name = (await patientNames(client, [patientId])).get(patientId)?.name ?? null;
    return markOverlaps(rows.map((row) => visitFromRow(row, name)));
  });
}

/**
 * The rows whose patient's team the practitioner is on now: the SQL filter is checked again with
 * `membershipCovers`, the one rule for who a membership covers.
 */
export async function onTheirTeams<Row extends { patient_id: string }>(
  client: pg.ClientBase,
  actor: PatientActor,
  rows: readonly Row[],
): Promise<Row[]> {
  const visible: Row[] = [];
  for (const row of rows) {
    const memberships = await activeMemberships(client, row.patient_id);
    if (memberships.some((m) => membershipCovers(m, actor))) visible.push(row);
  }
  return visible;
}

/**
 * A practitioner's own visits across patients, for the patients whose teams they are still on; each
 * patient shown is audited.
 */
export async function listPractitionerVisits(
  deps: PatientDeps,
  actor: PatientActor,
  range: VisitRange = {},
): Promise<ScheduledVisit[]> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.calendar.read-own', patientId: null },
    async (client, context) => {
      if (!hasCareRole(actor)) throw new PatientAccessDeniedError('no-care-role', 'read');
      const { from, to } = rangeOf(range);
      const { rows } = await client.query<VisitRow>(
        `SELECT ${VISIT_COLUMNS} FROM scheduled_visits v
          WHERE v.practitioner_id = $1 AND v.starts_at < $4 AND v.ends_at > $3
            AND EXISTS (SELECT 1 FROM care_team_members m WHERE m.patient_id = v.patient_id AND ${coversInSql('m', 1, 2)})
          ORDER BY v.starts_at`,
        [actor.id, actor.organisation, from, to],
      );
      const visible = await onTheirTeams(client, actor, rows);
      const names = await patientNames(
        client,
        visible.map((row) => row.patient_id),
      );
      context.patientIds = visible.map((row) => row.patient_id);
      return visible.map((row) => visitFromRow(row, names.get(row.patient_id)?.name ?? null));
    },
  );
}

/** Today's visits (Tokyo) of the signed-in practitioner, for the start page. */
export function listTodaysVisits(deps: PatientDeps, actor: PatientActor): Promise<ScheduledVisit[]> {
  return listPractitionerVisits(deps, actor, { from: tokyoDate(new Date()), days: 1 });
}
