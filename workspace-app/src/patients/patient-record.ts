import { consentsOf, type Consent } from './consent.js';
import { currentWhereabouts, type Whereabouts } from './whereabouts.js';
import { kanaOf } from './known-basics.js';
import type pg from 'pg';
import { latestConnectorVitals, type ConnectorVitals } from './connector-vitals.js';
import { ITEM_COLUMNS, itemFromRow, visibleToOrganisation, type ItemRow } from './item-rows.js';
import { requirePatientAccess, type TeamRole } from './patient-access.js';
import type { PatientActor } from './patient-actor.js';
import { auditedOperation, type PatientDeps } from './patient-audit.js';
import { RecordNotFoundError } from './record-not-found-error.js';
import type { ItemKind, PersonName } from './standard-items.js';
import type { StoredItem } from './stored-item.js';

type ListKind = Exclude<ItemKind, 'basics' | 'wishes' | 'physical-function' | 'visit-record'>;

/** A patient's record as one reader may see it: DATA-1 already applied. */
export interface PatientRecord {
  patientId: string;
  /** The reader's role on the care team. */
  role: TeamRole;
  basics: StoredItem<'basics'>;
  wishes?: StoredItem<'wishes'>;
  physicalFunction?: StoredItem<'physical-function'>;
  lists: { [K in ListKind]: StoredItem<K>[] };
  /** The newest visit records first. */
  visitRecords: StoredItem<'visit-record'>[];
  connectorVitals: ConnectorVitals[];
  /** Where the patient is now; null when nothing was recorded (taken to be at home). Record page only. */
  whereabouts?: Whereabouts | null;
  /** The consents to sharing in force (withdrawn ones are on the care page). */
  consents?: Consent[];
}

const VISIT_RECORDS_SHOWN = 20;

/** Current, not removed items of a patient visible to an organisation, newest change first. */
export async function visibleItems(
  db: pg.ClientBase,
  patientId: string,
  organisation: string,
  kinds?: readonly ItemKind[],
): Promise<StoredItem[]> {
  const { rows } = await db.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM patient_items i
      WHERE i.patient_id = $1 AND NOT i.is_removed AND ${visibleToOrganisation('i', 2)}
        AND ($3::text[] IS NULL OR i.kind = ANY($3))
      ORDER BY i.created_at DESC, i.id`,
    [patientId, organisation, kinds ?? null],
  );
  return rows.map(itemFromRow);
}

/** Assembles the record from visible items; shared by the record page and the hand-off documents. */
export function assembleRecord(
  patientId: string,
  role: TeamRole,
  items: readonly StoredItem[],
  connectorVitals: ConnectorVitals[],
): PatientRecord {
  const ofKind = <K extends ItemKind>(kind: K) =>
    items.filter((item) => item.kind === kind) as StoredItem<K>[];
  const basics = ofKind('basics')[0];
  if (!basics) throw new RecordNotFoundError({ ja: '患者', en: 'patient' });
  const byVisitTime = (a: StoredItem<'visit-record'>, b: StoredItem<'visit-record'>) =>
    Date.parse(b.data.visitedAt) - Date.parse(a.data.visitedAt);
  return {
    patientId,
    role,
    basics,
    wishes: ofKind('wishes')[0],
    physicalFunction: ofKind('physical-function')[0],
    lists: {
      diagnosis: ofKind('diagnosis'),
      'medical-history': ofKind('medical-history'),
      'course-note': ofKind('course-note').sort((a, b) => b.data.recordedOn.localeCompare(a.data.recordedOn)),
      medication: ofKind('medication'),
      explanation: ofKind('explanation').sort((a, b) => b.data.explainedOn.localeCompare(a.data.explainedOn)),
      allergy: ofKind('allergy'),
    },
    visitRecords: ofKind('visit-record').sort(byVisitTime).slice(0, VISIT_RECORDS_SHOWN),
    connectorVitals,
  };
}

/** Reads a patient's whole record after the access decision, inside the caller's transaction. */
export async function loadRecord(
  client: pg.ClientBase,
  actor: PatientActor,
  patientId: string,
): Promise<PatientRecord> {
  const { role } = await requirePatientAccess(client, actor, patientId, 'read');
  const items = await visibleItems(client, patientId, actor.organisation);
  const record = assembleRecord(patientId, role, items, await latestConnectorVitals(client, patientId));
  return {
    ...record,
    whereabouts: (await currentWhereabouts(client, [patientId])).get(patientId) ?? null,
    consents: (await consentsOf(client, patientId)).filter((consent) => !consent.withdrawn),
  };
}

/** A patient's record for one reader: every item they may see and the vitals connectors brought. */
export async function readPatientRecord(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
): Promise<PatientRecord> {
  return auditedOperation(deps, actor, { type: 'patient.record.read', patientId }, (client) =>
    loadRecord(client, actor, patientId),
  );
}

/** How a patient is named in lists, from their basics; kanji first. */
export function patientDisplayName(name: PersonName): string {
  return `${name.kanji.family} ${name.kanji.given}`;
}

/** Names of patients by id, for lists that the caller has already access-checked. */
export async function patientNames(
  db: pg.ClientBase,
  patientIds: readonly string[],
): Promise<Map<string, { name: string; kana: string }>> {
  if (patientIds.length === 0) return new Map();
  const { rows } = await db.query<{ patient_id: string; data: { name: PersonName } }>(
    `SELECT patient_id, data FROM patient_items
      WHERE patient_id = ANY($1::uuid[]) AND kind = 'basics' AND NOT is_removed`,
    [patientIds],
  );
  return new Map(
    rows.map((row) => [
      row.patient_id,
      {
        name: patientDisplayName(row.data.name),
        kana: kanaOf(row.data.name),
      },
    ]),
  );
}
