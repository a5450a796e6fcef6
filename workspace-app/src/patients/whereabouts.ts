import { addDays, bilingualMessage } from '@hcw/common';
import type pg from 'pg';
import { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import { parseItemInput } from './invalid-item-error.js';
import { activeMemberships, recipientsOf, requirePatientAccess } from './patient-access.js';
import type { PatientActor } from './patient-actor.js';
import { auditedOperation, type OperationContext, type PatientDeps } from './patient-audit.js';
import { patientNames } from './patient-record.js';
import { TeamRuleError } from './team-rule-error.js';

/** Where the patient is now (療養の場), changed by admissions and discharges and kept with every change. */
export type Place = 'home' | 'hospital' | 'facility' | 'deceased';

export interface Whereabouts {
  place: Place;
  /** The hospital or facility, for those two places. */
  organisation: string | null;
  since: string;
  admittedAfterHours: boolean;
  recordedAt: string;
  recordedBy: string;
  recordedByOrganisation: string;
}

/**
 * When the care manager's 入院時情報提供 must reach the hospital for the care fee's admission information
 * addition (入院時情報連携加算), as set by the 2024 revision of the care-fee rules (令和6年度介護報酬改定;
 * 指定居宅介護支援に要する費用の額の算定に関する基準, 平成12年厚生省告示第20号, 別表 ト):
 * - (Ⅰ) 250単位: on the day of admission (information given before admission counts); when the patient was
 *   admitted after the office's hours or on a day it is closed, the next day counts as well;
 * - (Ⅱ) 200単位: on the day after admission or the day after that.
 * Both are dates in Tokyo; the information is in time when sent on or before the date.
 */
export interface AdmissionInformationDeadlines {
  admittedOn: string;
  additionI: string;
  additionII: string;
}

export function admissionInformationDeadlines(
  admittedOn: string,
  admittedAfterHours: boolean,
): AdmissionInformationDeadlines {
  return {
    admittedOn,
    additionI: admittedAfterHours ? addDays(admittedOn, 1) : admittedOn,
    additionII: addDays(admittedOn, 2),
  };
}

/** Which addition an information sent on `sentOn` meets, if any. */
export function admissionInformationMet(
  deadlines: AdmissionInformationDeadlines,
  sentOn: string,
): 'I' | 'II' | 'late' {
  if (sentOn <= deadlines.additionI) return 'I';
  if (sentOn <= deadlines.additionII) return 'II';
  return 'late';
}

const say = (ja: string, en: string) => bilingualMessage({ ja, en });

export const admissionSchema = field.object({
  hospital: field.text(200),
  admittedOn: field.pastDate({ ja: '入院日', en: 'the admission date' }),
  admittedAfterHours: field.boolean().default(false),
});

export const dischargeSchema = field
  .object({
    to: z.enum(['home', 'facility', 'hospital', 'deceased'], {
      errorMap: () => ({ message: say('退院先を選んでください', 'choose where the patient goes') }),
    }),
    organisation: field.text(200).optional(),
    dischargedOn: field.pastDate({ ja: '退院日', en: 'the discharge date' }),
  })
  .superRefine((discharge, ctx) => {
    if ((discharge.to === 'facility' || discharge.to === 'hospital') && !discharge.organisation) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['organisation'],
        message: say('転院先・入所先の名称を入力してください', 'name the hospital or facility'),
      });
    }
  });

interface WhereaboutsRow {
  place: Place;
  organisation: string | null;
  since: string;
  admitted_after_hours: boolean;
  recorded_at: Date;
  recorded_by: string;
  recorded_by_organisation: string;
}

function fromRow(row: WhereaboutsRow): Whereabouts {
  return {
    place: row.place,
    organisation: row.organisation,
    since: row.since,
    admittedAfterHours: row.admitted_after_hours,
    recordedAt: row.recorded_at.toISOString(),
    recordedBy: row.recorded_by,
    recordedByOrganisation: row.recorded_by_organisation,
  };
}

const COLUMNS = `place, organisation, to_char(since, 'YYYY-MM-DD') AS since, admitted_after_hours, recorded_at,
  recorded_by, recorded_by_organisation`;

/** The patient's whereabouts, newest first; a patient with none recorded is taken to be at home. */
export async function whereaboutsHistory(
  db: pg.ClientBase | pg.Pool,
  patientId: string,
): Promise<Whereabouts[]> {
  const { rows } = await db.query<WhereaboutsRow>(
    `SELECT ${COLUMNS} FROM patient_whereabouts WHERE patient_id = $1 ORDER BY recorded_at DESC, id`,
    [patientId],
  );
  return rows.map(fromRow);
}

/** Current whereabouts of several patients at once, for the patient list (callers checked access). */
export async function currentWhereabouts(
  db: pg.ClientBase | pg.Pool,
  patientIds: readonly string[],
): Promise<Map<string, Whereabouts>> {
  if (patientIds.length === 0) return new Map();
  const { rows } = await db.query<WhereaboutsRow & { patient_id: string }>(
    `SELECT DISTINCT ON (patient_id) patient_id, ${COLUMNS} FROM patient_whereabouts
      WHERE patient_id = ANY($1::uuid[]) ORDER BY patient_id, recorded_at DESC, id`,
    [patientIds],
  );
  return new Map(rows.map((row) => [row.patient_id, fromRow(row)]));
}

export interface PatientWhereabouts {
  current: Whereabouts | null;
  history: Whereabouts[];
  /** While the patient is in hospital: the admission-information deadlines and whether they were met. */
  admission:
    | (AdmissionInformationDeadlines & { informationSentOn: string | null; met: 'I' | 'II' | 'late' | null })
    | null;
}

/**
 * When the first 入院時情報提供書 (scene A) went out to the admitting hospital for this stay, counting one sent in
 * the week before: the addition is for informing the hospital, so a scene A sent elsewhere does not count.
 */
async function admissionInformationSentOn(
  db: pg.ClientBase,
  patientId: string,
  hospital: string,
  admittedOn: string,
): Promise<string | null> {
  const { rows } = await db.query<{ sent_on: string | null }>(
    `SELECT to_char(min(sent_at) AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD') AS sent_on FROM handoff_documents
      WHERE patient_id = $1 AND scene = 'A' AND status = 'sent' AND recipient_organisation = $2
        AND sent_at >= ($3::date - 7)::timestamp AT TIME ZONE 'Asia/Tokyo'`,
    [patientId, hospital, admittedOn],
  );
  return rows[0]?.sent_on ?? null;
}

async function readWith(client: pg.ClientBase, patientId: string): Promise<PatientWhereabouts> {
  const history = await whereaboutsHistory(client, patientId);
  const current = history[0] ?? null;
  if (current?.place !== 'hospital') return { current, history, admission: null };
  const deadlines = admissionInformationDeadlines(current.since, current.admittedAfterHours);
  const informationSentOn = await admissionInformationSentOn(
    client,
    patientId,
    current.organisation ?? '',
    current.since,
  );
  return {
    current,
    history,
    admission: {
      ...deadlines,
      informationSentOn,
      met: informationSentOn ? admissionInformationMet(deadlines, informationSentOn) : null,
    },
  };
}

export async function readWhereabouts(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
): Promise<PatientWhereabouts> {
  return auditedOperation(deps, actor, { type: 'patient.whereabouts.read', patientId }, async (client) => {
    await requirePatientAccess(client, actor, patientId, 'read');
    return readWith(client, patientId);
  });
}

const parse = parseItemInput;

/** Tells everyone on the team but the actor, inside the change's transaction, so the notice exists with it. */
async function tellTheTeam(
  deps: PatientDeps,
  client: pg.PoolClient,
  actor: PatientActor,
  patientId: string,
  notice: { kind: string; changeId: string; title: (patientName: string) => string },
): Promise<void> {
  const people = (await activeMemberships(client, patientId)).flatMap(recipientsOf);
  const recipients = [...new Set(people)].filter((id) => id !== actor.id);
  if (recipients.length === 0) return;
  const name = (await patientNames(client, [patientId])).get(patientId)?.name ?? '';
  await deps.notify(client, {
    recipients,
    source: 'patients',
    kind: notice.kind,
    patientId,
    title: notice.title(name),
    link: `/patients/${patientId}`,
    occurredAt: new Date(),
    idempotencyKey: `${notice.kind}:${notice.changeId}`,
  });
}

/**
 * One change of where the patient is, audited: the writer's access, then the patient's row locked so two
 * changes of one patient queue, then the change given the current whereabouts; answers the new state.
 */
function changeWhereabouts(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  type: 'patient.admission.record' | 'patient.discharge.record',
  change: (
    client: pg.PoolClient,
    current: Whereabouts | undefined,
    context: OperationContext,
  ) => Promise<void>,
): Promise<PatientWhereabouts> {
  return auditedOperation(deps, actor, { type, patientId }, async (client, context) => {
    await requirePatientAccess(client, actor, patientId, 'write');
    await client.query('SELECT 1 FROM patients WHERE id = $1 FOR UPDATE', [patientId]);
    await change(client, (await whereaboutsHistory(client, patientId))[0], context);
    return readWith(client, patientId);
  });
}

async function insertWhereabouts(
  client: pg.ClientBase,
  patientId: string,
  actor: PatientActor,
  where: { place: Place; organisation: string | null; since: string; admittedAfterHours?: boolean },
): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO patient_whereabouts (patient_id, place, organisation, since, admitted_after_hours, recorded_by,
       recorded_by_organisation) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [
      patientId,
      where.place,
      where.organisation,
      where.since,
      where.admittedAfterHours ?? false,
      actor.id,
      actor.organisation,
    ],
  );
  return rows[0]!.id;
}

/**
 * A member of the team records that the patient was admitted. The whole team is told in the same
 * transaction; the care manager's notice carries the admission-information deadlines.
 */
export async function recordAdmission(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  input: unknown,
): Promise<PatientWhereabouts> {
  return changeWhereabouts(
    deps,
    actor,
    patientId,
    'patient.admission.record',
    async (client, current, context) => {
      const admission = parse(admissionSchema, input);
      if (current?.place === 'deceased') {
        throw new TeamRuleError('死亡が記録されている患者です。', 'This patient is recorded as deceased.');
      }
      if (current?.place === 'hospital' && current.organisation === admission.hospital) {
        throw new TeamRuleError(
          `すでに${admission.hospital}に入院中として記録されています。`,
          `The patient is already recorded as in ${admission.hospital}.`,
        );
      }
      const changeId = await insertWhereabouts(client, patientId, actor, {
        place: 'hospital',
        organisation: admission.hospital,
        since: admission.admittedOn,
        admittedAfterHours: admission.admittedAfterHours,
      });
      context.details.hospital = admission.hospital;
      context.details.admittedOn = admission.admittedOn;
      const deadlines = admissionInformationDeadlines(admission.admittedOn, admission.admittedAfterHours);
      await tellTheTeam(deps, client, actor, patientId, {
        kind: 'patient-admitted',
        changeId,
        title: (name) =>
          `入院: ${name} 様が${admission.hospital}に入院しました（${admission.admittedOn}）。入院時情報提供の期限: 加算Ⅰ ${deadlines.additionI}、加算Ⅱ ${deadlines.additionII}`,
      });
    },
  );
}

/** The patient leaves hospital: home, to a facility, to another hospital, or deceased. The team is told. */
export async function recordDischarge(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  input: unknown,
): Promise<PatientWhereabouts> {
  return changeWhereabouts(
    deps,
    actor,
    patientId,
    'patient.discharge.record',
    async (client, current, context) => {
      const discharge = parse(dischargeSchema, input);
      if (current?.place !== 'hospital' && current?.place !== 'facility') {
        throw new TeamRuleError(
          '入院・入所中として記録されていないため、退院を記録できません。',
          'The patient is not recorded as in a hospital or facility, so a discharge cannot be recorded.',
        );
      }
      if (discharge.dischargedOn < current.since) {
        throw new TeamRuleError(
          '退院日が入院日より前です。',
          'The discharge date is before the admission date.',
        );
      }
      const place: Place = discharge.to;
      const changeId = await insertWhereabouts(client, patientId, actor, {
        place,
        organisation: place === 'hospital' || place === 'facility' ? (discharge.organisation ?? null) : null,
        since: discharge.dischargedOn,
      });
      context.details.to = discharge.to;
      context.details.dischargedOn = discharge.dischargedOn;
      const where =
        place === 'home' ? '自宅' : place === 'deceased' ? '（死亡退院）' : (discharge.organisation ?? '');
      await tellTheTeam(deps, client, actor, patientId, {
        kind: 'patient-discharged',
        changeId,
        title: (name) =>
          `退院: ${name} 様が${current.organisation ?? ''}を退院しました（${discharge.dischargedOn}、退院先 ${where}）`,
      });
    },
  );
}
