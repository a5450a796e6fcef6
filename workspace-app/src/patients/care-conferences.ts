import { bilingualMessage, HttpError, tokyoDate, tokyoDateTime } from '@hcw/common';
import type pg from 'pg';
import { z } from 'zod';
import { field, type CodeLabels } from '../validation/bilingual-fields.js';
import { InvalidItemError, parseItemInput } from './invalid-item-error.js';
import {
  activeMemberships,
  coversInSql,
  decidePatientAccess,
  hasCareRole,
  isUuid,
  PatientAccessDeniedError,
  requirePatientAccess,
  type TeamMembership,
} from './patient-access.js';
import type { PatientActor } from './patient-actor.js';
import { auditedOperation, type PatientDeps } from './patient-audit.js';
import { patientNames } from './patient-record.js';
import { RecordNotFoundError } from './record-not-found-error.js';
import {
  conflictingVisits,
  onTheirTeams,
  rangeOf,
  visitingPractitioner,
  type VisitRange,
} from './visit-calendar.js';

/**
 * Care conferences (カンファレンス) on the patient's calendar: the hospital's pre-discharge conference
 * (退院前カンファレンス) with the home team, and the care manager's service coordinators' meeting
 * (サービス担当者会議). The attendees come from the care team; a time at which one of them is already
 * visiting or in another conference is shown as a conflict, never refused: the organiser decides.
 */
export type ConferenceKind = 'pre-discharge' | 'service-coordination';
export type ConferenceStatus = 'planned' | 'cancelled';
export type ConferenceResponse = 'invited' | 'accepted' | 'declined';

export const conferenceKindLabels: CodeLabels<ConferenceKind> = {
  'pre-discharge': { ja: '退院前カンファレンス', en: 'Pre-discharge conference' },
  'service-coordination': { ja: 'サービス担当者会議', en: 'Service coordinators’ meeting' },
};

export interface ConferenceAttendee {
  practitionerId: string;
  name: string;
  organisation: string;
  profession: string;
  response: ConferenceResponse;
  respondedAt: string | null;
}

/** Something an attendee is already doing at the conference's time; other patients named only to their readers. */
export interface ConferenceConflict {
  practitionerId: string;
  practitionerName: string;
  kind: 'visit' | 'conference';
  /** The visit's or the other conference's id. */
  id: string;
  startsAt: string;
  endsAt: string;
  patientId: string | null;
  patientName: string | null;
}

export interface CareConference {
  id: string;
  patientId: string;
  patientName: string | null;
  kind: ConferenceKind;
  startsAt: string;
  endsAt: string;
  place: string;
  agenda: string | null;
  status: ConferenceStatus;
  organiser: { id: string; name: string; organisation: string };
  createdAt: string;
  cancelledAt: string | null;
  attendees: ConferenceAttendee[];
  /** For a planned conference still ahead: what stands in its attendees' way (warnings only). */
  conflicts: ConferenceConflict[];
}

/** A rule of conferences the request would break: answering for someone else, cancelling twice. */
export class ConferenceRuleError extends HttpError {
  constructor(ja: string, en: string) {
    super(409, ja, en);
  }
}

const say = (ja: string, en: string) => bilingualMessage({ ja, en });
const DAY_MS = 24 * 60 * 60 * 1000;

export const conferencePlanSchema = field
  .object({
    kind: field.code(conferenceKindLabels),
    startsAt: field.dateTime(),
    durationMinutes: field.integer({ min: 15, max: 480 }),
    place: field.text(200),
    agenda: field.text(2000).optional(),
    /** Practitioner ids from the care team; the organiser attends whether listed or not. */
    attendees: field.array(field.text(200), { max: 30 }).default([]),
  })
  .superRefine((plan, ctx) => {
    const start = Date.parse(plan.startsAt);
    if (start < Date.now() - 30 * DAY_MS || start > Date.now() + 366 * DAY_MS) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['startsAt'],
        message: say(
          'カンファレンスは30日前から1年先までの日時で入力してください',
          'a conference is planned between 30 days ago and a year ahead',
        ),
      });
    }
  });
export type ConferencePlanInput = z.input<typeof conferencePlanSchema>;

const answerSchema = z.enum(['accept', 'decline'], {
  errorMap: () => ({ message: say('出欠を選んでください', 'choose whether you attend') }),
});

const parsed = parseItemInput;

interface ConferenceRow {
  id: string;
  patient_id: string;
  kind: ConferenceKind;
  starts_at: Date;
  ends_at: Date;
  place: string;
  agenda: string | null;
  status: ConferenceStatus;
  organiser_id: string;
  organiser_name: string;
  organiser_organisation: string;
  created_at: Date;
  cancelled_at: Date | null;
}

interface AttendeeRow {
  conference_id: string;
  practitioner_id: string;
  name: string;
  organisation: string;
  profession: string;
  response: ConferenceResponse;
  responded_at: Date | null;
}

const CONFERENCE_COLUMNS = `c.id, c.patient_id, c.kind, c.starts_at, c.ends_at, c.place, c.agenda, c.status,
  c.organiser_id, c.organiser_name, c.organiser_organisation, c.created_at, c.cancelled_at`;

/** The conferences of these rows with their attendees, organiser first. */
async function withAttendees(
  client: pg.ClientBase,
  rows: readonly ConferenceRow[],
  names: ReadonlyMap<string, { name: string }>,
): Promise<CareConference[]> {
  if (rows.length === 0) return [];
  const { rows: attendees } = await client.query<AttendeeRow>(
    `SELECT a.conference_id, a.practitioner_id, a.name, a.organisation, a.profession, a.response, a.responded_at
       FROM care_conference_attendees a JOIN care_conferences c ON c.id = a.conference_id
      WHERE a.conference_id = ANY($1::uuid[])
      ORDER BY (a.practitioner_id = c.organiser_id) DESC, a.organisation, a.name`,
    [rows.map((row) => row.id)],
  );
  return rows.map((row) => ({
    id: row.id,
    patientId: row.patient_id,
    patientName: names.get(row.patient_id)?.name ?? null,
    kind: row.kind,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    place: row.place,
    agenda: row.agenda,
    status: row.status,
    organiser: { id: row.organiser_id, name: row.organiser_name, organisation: row.organiser_organisation },
    createdAt: row.created_at.toISOString(),
    cancelledAt: row.cancelled_at?.toISOString() ?? null,
    attendees: attendees
      .filter((a) => a.conference_id === row.id)
      .map((a) => ({
        practitionerId: a.practitioner_id,
        name: a.name,
        organisation: a.organisation,
        profession: a.profession,
        response: a.response,
        respondedAt: a.responded_at?.toISOString() ?? null,
      })),
    conflicts: [],
  }));
}

/**
 * For each attendee who has not declined: their planned visits and other planned conferences at an
 * overlapping time. Another patient is named only when the actor may read that patient, as for visits.
 */
export async function conferenceConflicts(
  client: pg.ClientBase,
  actor: PatientActor,
  conference: Pick<CareConference, 'id' | 'startsAt' | 'endsAt' | 'attendees'>,
): Promise<ConferenceConflict[]> {
  const readable = new Map<string, boolean>();
  const mayRead = async (patientId: string) => {
    if (!readable.has(patientId)) {
      const memberships: TeamMembership[] = await activeMemberships(client, patientId);
      readable.set(patientId, decidePatientAccess(actor, memberships, 'read').isAllowed);
    }
    return readable.get(patientId)!;
  };
  const conflicts: ConferenceConflict[] = [];
  for (const attendee of conference.attendees.filter((a) => a.response !== 'declined')) {
    const who = { practitionerId: attendee.practitionerId, practitionerName: attendee.name };
    const visits = await conflictingVisits(
      client,
      actor,
      attendee.practitionerId,
      conference.startsAt,
      conference.endsAt,
    );
    for (const visit of visits) {
      conflicts.push({
        ...who,
        kind: 'visit',
        id: visit.visitId,
        startsAt: visit.startsAt,
        endsAt: visit.endsAt,
        patientId: visit.patientId,
        patientName: visit.patientName,
      });
    }
    const { rows } = await client.query<{ id: string; patient_id: string; starts_at: Date; ends_at: Date }>(
      `SELECT c.id, c.patient_id, c.starts_at, c.ends_at
         FROM care_conferences c JOIN care_conference_attendees a ON a.conference_id = c.id
        WHERE a.practitioner_id = $1 AND a.response <> 'declined' AND c.status = 'planned' AND c.id <> $2
          AND tstzrange(c.starts_at, c.ends_at) && tstzrange($3, $4)
        ORDER BY c.starts_at`,
      [attendee.practitionerId, conference.id, conference.startsAt, conference.endsAt],
    );
    const names = await patientNames(
      client,
      rows.map((row) => row.patient_id),
    );
    for (const row of rows) {
      const isReadable = await mayRead(row.patient_id);
      conflicts.push({
        ...who,
        kind: 'conference',
        id: row.id,
        startsAt: row.starts_at.toISOString(),
        endsAt: row.ends_at.toISOString(),
        patientId: isReadable ? row.patient_id : null,
        patientName: isReadable ? (names.get(row.patient_id)?.name ?? null) : null,
      });
    }
  }
  return conflicts;
}

function when(conference: { startsAt: string }): string {
  return tokyoDateTime(conference.startsAt);
}

/**
 * Plans a conference for the patient: the organiser (the actor) and the chosen members of the care team
 * attend; everyone but the organiser is notified in the same transaction. Returns the conference with
 * the conflicts its time has for its attendees.
 */
export async function planConference(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  input: unknown,
): Promise<CareConference> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.conference.plan', patientId },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'write');
      const plan = parsed(conferencePlanSchema, input);
      const startsAt = new Date(plan.startsAt).toISOString();
      const endsAt = new Date(Date.parse(plan.startsAt) + plan.durationMinutes * 60_000).toISOString();
      const invited = [...new Set(plan.attendees.map((id) => id.trim()))].filter((id) => id !== actor.id);
      const people = [];
      for (const practitionerId of invited) {
        try {
          people.push(await visitingPractitioner(client, actor, patientId, practitionerId));
        } catch (error) {
          if (!(error instanceof InvalidItemError)) throw error;
          throw new InvalidItemError(error.issues.map((issue) => ({ ...issue, path: 'attendees' })));
        }
      }
      const organiser = await visitingPractitioner(client, actor, patientId, actor.id);
      const { rows } = await client.query<ConferenceRow>(
        `INSERT INTO care_conferences AS c (patient_id, kind, starts_at, ends_at, place, agenda, organiser_id,
           organiser_name, organiser_organisation, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $7)
         RETURNING ${CONFERENCE_COLUMNS}`,
        [
          patientId,
          plan.kind,
          startsAt,
          endsAt,
          plan.place,
          plan.agenda ?? null,
          actor.id,
          actor.displayName,
          actor.organisation,
        ],
      );
      const row = rows[0]!;
      context.details.conferenceId = row.id;
      context.details.kind = plan.kind;
      context.details.attendees = people.length + 1;
      for (const [person, response] of [
        [organiser, 'accepted'],
        ...people.map((p) => [p, 'invited'] as const),
      ] as const) {
        await client.query(
          `INSERT INTO care_conference_attendees (conference_id, practitioner_id, name, organisation, profession,
             response, responded_at)
           VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6 = 'invited' THEN NULL ELSE now() END)`,
          [row.id, person.id, person.name, person.organisation, person.profession, response],
        );
      }
      const [conference] = await withAttendees(client, [row], await patientNames(client, [patientId]));
      const title = `${conferenceKindLabels[plan.kind].ja}の案内: ${when(conference!)}（${actor.organisation} ${actor.displayName}）`;
      for (const person of people) {
        await deps.notify(client, {
          recipients: [person.id],
          source: 'patients',
          kind: 'care-conference',
          patientId,
          title,
          link: `/patients/${patientId}/conferences`,
          occurredAt: new Date(),
          idempotencyKey: `care-conference:${row.id}:${person.id}`,
        });
      }
      const conflicts = await conferenceConflicts(client, actor, conference!);
      context.details.conflicts = conflicts.length;
      return { ...conference!, conflicts };
    },
  );
}

async function lockedConference(
  client: pg.ClientBase,
  patientId: string,
  conferenceId: string,
): Promise<ConferenceRow> {
  const { rows } = isUuid(conferenceId)
    ? await client.query<ConferenceRow>(
        `SELECT ${CONFERENCE_COLUMNS} FROM care_conferences c WHERE c.id = $1 AND c.patient_id = $2 FOR UPDATE`,
        [conferenceId, patientId],
      )
    : { rows: [] };
  if (!rows[0]) throw new RecordNotFoundError({ ja: 'カンファレンス', en: 'conference' });
  return rows[0];
}

/** An attendee says whether they come; only for themself, and only while the conference is planned. */
export async function answerConference(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  conferenceId: string,
  answer: 'accept' | 'decline',
): Promise<ConferenceAttendee> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.conference.answer', patientId, details: { conferenceId } },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'read');
      const response = parsed(answerSchema, answer) === 'accept' ? 'accepted' : 'declined';
      context.details.response = response;
      const conference = await lockedConference(client, patientId, conferenceId);
      if (conference.status !== 'planned') {
        throw new ConferenceRuleError(
          'このカンファレンスは中止されています。',
          'This conference has been cancelled.',
        );
      }
      const { rows } = await client.query<AttendeeRow>(
        `UPDATE care_conference_attendees SET response = $3, responded_at = now()
          WHERE conference_id = $1 AND practitioner_id = $2
          RETURNING conference_id, practitioner_id, name, organisation, profession, response, responded_at`,
        [conference.id, actor.id, response],
      );
      const row = rows[0];
      if (!row) {
        throw new ConferenceRuleError(
          '出欠はカンファレンスに招かれた本人だけが答えられます。',
          'Only an invited attendee answers, for themself.',
        );
      }
      if (conference.organiser_id !== actor.id) {
        await deps.notify(client, {
          recipients: [conference.organiser_id],
          source: 'patients',
          kind: 'care-conference-answer',
          patientId,
          title: `${actor.displayName}（${actor.organisation}）: ${conferenceKindLabels[conference.kind].ja} ${tokyoDateTime(conference.starts_at)}に${response === 'accepted' ? '出席' : '欠席'}`,
          link: `/patients/${patientId}/conferences`,
          occurredAt: row.responded_at!,
          idempotencyKey: `care-conference:${conference.id}:answer:${actor.id}:${row.responded_at!.toISOString()}`,
        });
      }
      return {
        practitionerId: row.practitioner_id,
        name: row.name,
        organisation: row.organisation,
        profession: row.profession,
        response: row.response,
        respondedAt: row.responded_at?.toISOString() ?? null,
      };
    },
  );
}

/** Cancels a planned conference: its organiser or an owner of the team does; the other attendees are told. */
export async function cancelConference(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  conferenceId: string,
): Promise<void> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.conference.cancel', patientId, details: { conferenceId } },
    async (client, context) => {
      const { role } = await requirePatientAccess(client, actor, patientId, 'write');
      const conference = await lockedConference(client, patientId, conferenceId);
      if (conference.organiser_id !== actor.id && role !== 'owner') {
        throw new ConferenceRuleError(
          'カンファレンスを中止できるのは開催者かケアチームのオーナーです。',
          'Only the organiser or an owner of the care team cancels a conference.',
        );
      }
      if (conference.status !== 'planned') {
        throw new ConferenceRuleError(
          'このカンファレンスはすでに中止されています。',
          'This conference has already been cancelled.',
        );
      }
      await client.query(
        `UPDATE care_conferences SET status = 'cancelled', cancelled_at = now(), cancelled_by = $2 WHERE id = $1`,
        [conference.id, actor.id],
      );
      const { rows } = await client.query<{ practitioner_id: string }>(
        `SELECT practitioner_id FROM care_conference_attendees WHERE conference_id = $1 AND practitioner_id <> $2`,
        [conference.id, actor.id],
      );
      context.details.notified = rows.length;
      for (const { practitioner_id: recipient } of rows) {
        await deps.notify(client, {
          recipients: [recipient],
          source: 'patients',
          kind: 'care-conference-cancel',
          patientId,
          title: `${conferenceKindLabels[conference.kind].ja}（${tokyoDateTime(conference.starts_at)}）は中止になりました`,
          link: `/patients/${patientId}/conferences`,
          occurredAt: new Date(),
          idempotencyKey: `care-conference:${conference.id}:cancel:${recipient}`,
        });
      }
    },
  );
}

/** The patient's conferences in time order; those planned and still ahead carry their conflicts. */
export async function listPatientConferences(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
): Promise<CareConference[]> {
  return auditedOperation(deps, actor, { type: 'patient.conference.read', patientId }, async (client) => {
    await requirePatientAccess(client, actor, patientId, 'read');
    const { rows } = await client.query<ConferenceRow>(
      `SELECT ${CONFERENCE_COLUMNS} FROM care_conferences c WHERE c.patient_id = $1
        ORDER BY c.starts_at, c.created_at LIMIT 200`,
      [patientId],
    );
    const conferences = await withAttendees(client, rows, await patientNames(client, [patientId]));
    const now = Date.now();
    for (const conference of conferences) {
      if (conference.status === 'planned' && Date.parse(conference.endsAt) > now) {
        conference.conflicts = await conferenceConflicts(client, actor, conference);
      }
    }
    return conferences;
  });
}

/** The days a conference list covers: the calendar's range. */
export type ConferenceRange = VisitRange;

/**
 * The conferences the practitioner is asked to, across patients whose teams they are still on; each
 * patient shown is audited.
 */
export async function listMyConferences(
  deps: PatientDeps,
  actor: PatientActor,
  range: ConferenceRange = {},
): Promise<CareConference[]> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.conference.read-own', patientId: null },
    async (client, context) => {
      if (!hasCareRole(actor)) throw new PatientAccessDeniedError('no-care-role', 'read');
      const { from, to } = rangeOf(range);
      const { rows } = await client.query<ConferenceRow>(
        `SELECT ${CONFERENCE_COLUMNS} FROM care_conferences c
           JOIN care_conference_attendees a ON a.conference_id = c.id AND a.practitioner_id = $1
          WHERE c.starts_at < $4 AND c.ends_at > $3
            AND EXISTS (SELECT 1 FROM care_team_members m WHERE m.patient_id = c.patient_id AND ${coversInSql('m', 1, 2)})
          ORDER BY c.starts_at`,
        [actor.id, actor.organisation, from, to],
      );
      const visible = await onTheirTeams(client, actor, rows);
      const patientIds = [...new Set(visible.map((row) => row.patient_id))];
      context.patientIds = patientIds;
      return withAttendees(client, visible, await patientNames(client, patientIds));
    },
  );
}

/** Today's conferences (Tokyo) of the signed-in practitioner, for the start page. */
export function listTodaysConferences(deps: PatientDeps, actor: PatientActor): Promise<CareConference[]> {
  return listMyConferences(deps, actor, { from: tokyoDate(new Date()), days: 1 });
}
