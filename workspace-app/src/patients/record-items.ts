import { BadRequestError } from '@hcw/common';
import type pg from 'pg';
import { isSameOrganisation, type DisclosureFlags } from './disclosure.js';
import { EditConflictError } from './edit-conflict-error.js';
import { InvalidItemError } from './invalid-item-error.js';
import {
  ITEM_COLUMNS,
  itemFromRow,
  versionFromRow,
  visibleToOrganisation,
  type ItemRow,
  type VersionRow,
} from './item-rows.js';
import { isUuid, requirePatientAccess } from './patient-access.js';
import type { PatientActor } from './patient-actor.js';
import { auditedOperation, type PatientDeps } from './patient-audit.js';
import { RecordNotFoundError } from './record-not-found-error.js';
import { itemKindLabels, parseItem, singletonKinds, type ItemData, type ItemKind } from './standard-items.js';
import type { ItemChange, ItemVersion, StoredItem } from './stored-item.js';
import { completeScheduledVisit } from './visit-calendar.js';

const notFound = () => new RecordNotFoundError({ ja: '記録', en: 'record item' });

/** The one place an item's current row and its version row are written, always together. */
async function writeVersion(client: pg.PoolClient, row: ItemRow, change: ItemChange): Promise<void> {
  await client.query(
    `INSERT INTO patient_item_versions (item_id, version, change, data, author_organisation, is_not_told,
       is_not_shared, changed_at, changed_by, changed_by_name, changed_by_organisation, changed_by_profession)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      row.id,
      row.version,
      change,
      JSON.stringify(row.data),
      row.author_organisation,
      row.is_not_told,
      row.is_not_shared,
      row.changed_at,
      row.changed_by,
      row.changed_by_name,
      row.changed_by_organisation,
      row.changed_by_profession,
    ],
  );
}

/** DATA-1's flags as the columns keep them; only diagnoses carry them. */
function flagsOf(kind: ItemKind, data: unknown): DisclosureFlags {
  if (kind !== 'diagnosis') return { isNotToldToPatient: false, isNotShared: false };
  const diagnosis = data as ItemData<'diagnosis'>;
  return { isNotToldToPatient: diagnosis.isNotToldToPatient, isNotShared: diagnosis.isNotShared };
}

/** The current row of an item as this reader may see it (DATA-1 applied), removed ones included. */
async function visibleItem(
  client: pg.ClientBase,
  actor: PatientActor,
  patientId: string,
  itemId: string,
): Promise<ItemRow | undefined> {
  if (!isUuid(itemId)) return undefined;
  const { rows } = await client.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM patient_items i
      WHERE i.id = $1 AND i.patient_id = $2 AND ${visibleToOrganisation('i', 3)}`,
    [itemId, patientId, actor.organisation],
  );
  return rows[0];
}

/**
 * Inserts a new item inside the caller's transaction, after the caller has checked access. A second
 * one-of-a-kind item (basics, wishes, physical function) racing the first meets the unique index and
 * is reported as a conflict carrying the winner.
 */
export async function insertItem<K extends ItemKind>(
  client: pg.PoolClient,
  actor: PatientActor,
  patientId: string,
  kind: K,
  data: ItemData<K>,
): Promise<StoredItem<K>> {
  await client.query('SAVEPOINT insert_item');
  let row: ItemRow | undefined;
  try {
    const inserted = await client.query<ItemRow>(
      `INSERT INTO patient_items AS i (patient_id, kind, version, data, author_organisation, is_not_told,
         is_not_shared, created_at, changed_at, changed_by, changed_by_name, changed_by_organisation,
         changed_by_profession)
       VALUES ($1, $2, 1, $3, $4, $5, $6, now(), now(), $7, $8, $4, $9)
       RETURNING ${ITEM_COLUMNS}`,
      [
        patientId,
        kind,
        JSON.stringify(data),
        actor.organisation,
        flagsOf(kind, data).isNotToldToPatient,
        flagsOf(kind, data).isNotShared,
        actor.id,
        actor.displayName,
        actor.profession,
      ],
    );
    row = inserted.rows[0];
  } catch (error) {
    if ((error as { code?: string }).code !== '23505') throw error;
    await client.query('ROLLBACK TO SAVEPOINT insert_item');
    const { rows } = await client.query<ItemRow>(
      `SELECT ${ITEM_COLUMNS} FROM patient_items i WHERE i.patient_id = $1 AND i.kind = $2 AND NOT i.is_removed`,
      [patientId, kind],
    );
    const winner = rows[0];
    if (!winner) throw error;
    throw new EditConflictError(0, itemFromRow(winner));
  }
  if (!row) throw new Error('insert returned no row');
  await writeVersion(client, row, 'created');
  return itemFromRow(row) as StoredItem<K>;
}

/** Adds an item of a kind to a patient's record (version 1). */
export async function addRecordItem<K extends ItemKind>(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  kind: K,
  input: unknown,
): Promise<StoredItem<K>> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.item.create', patientId, details: { kind } },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'write');
      const data = parseItem(kind, input);
      const item = await insertItem(client, actor, patientId, kind, data);
      context.details.itemId = item.id;
      // A record written for a planned visit closes that visit in the same transaction.
      const visitId =
        kind === 'visit-record' ? (data as ItemData<'visit-record'>).scheduledVisitId : undefined;
      if (visitId) await completeScheduledVisit(client, patientId, visitId, item.id);
      return item;
    },
  );
}

/**
 * Replaces an item's content if nobody changed it since the writer read `expectedVersion`. The
 * version check and the write are one UPDATE, so of two writers racing from the same version exactly
 * one wins; the other gets EditConflictError with the winner's change and nothing of its own is stored.
 */
export async function changeRecordItem(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  itemId: string,
  expectedVersion: number,
  input: unknown,
): Promise<StoredItem> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.item.update', patientId, details: { itemId, expectedVersion } },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'write');
      const before = await visibleItem(client, actor, patientId, itemId);
      if (!before || before.is_removed) throw notFound();
      const kind = before.kind as ItemKind;
      context.details.kind = kind;
      const data = parseItem(kind, input);
      const flags = flagsOf(kind, data);
      // Only the organisation that recorded a diagnosis (its departments included) decides whether it may
      // be shared (DATA-1). Whether the patient has been told is a fact any professional of the team may
      // record once they have told them.
      if (
        flags.isNotShared !== before.is_not_shared &&
        !isSameOrganisation(before.author_organisation, actor.organisation)
      ) {
        throw new InvalidItemError([
          {
            path: 'isNotShared',
            message:
              '未提供の設定は、記録した機関だけが変更できます / only the organisation that recorded the diagnosis may change whether it is shared',
          },
        ]);
      }
      const { rows } = await client.query<ItemRow>(
        `UPDATE patient_items i SET data = $3, is_not_told = $4, is_not_shared = $5, version = i.version + 1,
           changed_at = now(), changed_by = $6, changed_by_name = $7, changed_by_organisation = $8,
           changed_by_profession = $9
         WHERE i.id = $1 AND i.version = $2 AND NOT i.is_removed
         RETURNING ${ITEM_COLUMNS}`,
        [
          itemId,
          expectedVersion,
          JSON.stringify(data),
          flags.isNotToldToPatient,
          flags.isNotShared,
          actor.id,
          actor.displayName,
          actor.organisation,
          actor.profession,
        ],
      );
      const row = rows[0];
      if (!row) throw await conflictOrMissing(client, actor, patientId, itemId, expectedVersion);
      await writeVersion(client, row, 'updated');
      context.details.version = row.version;
      return itemFromRow(row);
    },
  );
}

/** After a refused UPDATE: who changed the item in between, as this reader may see it. */
async function conflictOrMissing(
  client: pg.PoolClient,
  actor: PatientActor,
  patientId: string,
  itemId: string,
  expectedVersion: number,
): Promise<Error> {
  const current = await visibleItem(client, actor, patientId, itemId);
  if (!current) return notFound();
  return new EditConflictError(expectedVersion, itemFromRow(current));
}

/** Marks an item removed (a new version); its history stays readable. */
export async function removeRecordItem(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  itemId: string,
  expectedVersion: number,
): Promise<StoredItem> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.item.remove', patientId, details: { itemId, expectedVersion } },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'write');
      const before = await visibleItem(client, actor, patientId, itemId);
      if (!before || before.is_removed) throw notFound();
      const kind = before.kind as ItemKind;
      context.details.kind = kind;
      if (singletonKinds.includes(kind)) {
        const label = itemKindLabels[kind];
        throw new BadRequestError(
          `${label.ja}は削除できません。内容を書き換えてください。`,
          `The ${label.en} cannot be removed; change it instead.`,
        );
      }
      const { rows } = await client.query<ItemRow>(
        `UPDATE patient_items i SET is_removed = true, version = i.version + 1, changed_at = now(),
           changed_by = $3, changed_by_name = $4, changed_by_organisation = $5, changed_by_profession = $6
         WHERE i.id = $1 AND i.version = $2 AND NOT i.is_removed
         RETURNING ${ITEM_COLUMNS}`,
        [itemId, expectedVersion, actor.id, actor.displayName, actor.organisation, actor.profession],
      );
      const row = rows[0];
      if (!row) throw await conflictOrMissing(client, actor, patientId, itemId, expectedVersion);
      await writeVersion(client, row, 'removed');
      return itemFromRow(row);
    },
  );
}

/** One item's current version, as the reader may see it. */
export async function readRecordItem(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  itemId: string,
): Promise<StoredItem> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.item.read', patientId, details: { itemId } },
    async (client) => {
      await requirePatientAccess(client, actor, patientId, 'read');
      const row = await visibleItem(client, actor, patientId, itemId);
      if (!row) throw notFound();
      return itemFromRow(row);
    },
  );
}

/**
 * Every version of an item, newest first. Versions written while a diagnosis was not to be shared
 * (未提供) stay hidden from other organisations even after it was shared.
 */
export async function readItemHistory(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  itemId: string,
): Promise<{ item: StoredItem; versions: ItemVersion[] }> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.item.history.read', patientId, details: { itemId } },
    async (client) => {
      await requirePatientAccess(client, actor, patientId, 'read');
      const row = await visibleItem(client, actor, patientId, itemId);
      if (!row) throw notFound();
      const { rows } = await client.query<VersionRow>(
        `SELECT v.item_id, i.kind, v.version, v.change, v.data, v.author_organisation, v.is_not_told,
                v.is_not_shared, v.changed_at, v.changed_by,
                v.changed_by_name, v.changed_by_organisation, v.changed_by_profession
           FROM patient_item_versions v JOIN patient_items i ON i.id = v.item_id
          WHERE v.item_id = $1 AND ${visibleToOrganisation('v', 2)}
          ORDER BY v.version DESC`,
        [itemId, actor.organisation],
      );
      return { item: itemFromRow(row), versions: rows.map(versionFromRow) };
    },
  );
}
