import { mayReadFlaggedInSql } from './disclosure.js';
import type { ItemKind } from './standard-items.js';
import type { ChangeAuthor, ItemChange, ItemVersion, StoredItem } from './stored-item.js';

/**
 * DATA-1 in SQL: a diagnosis not to be shared (未提供) is visible only inside the organisation that
 * recorded it, its departments included. Every read of record items goes through this condition, so no
 * caller can forget it. `$n` is the reader's organisation. A 未告知 diagnosis passes: the care team's
 * professionals see it, labelled.
 */
export function visibleToOrganisation(alias: string, parameter: number): string {
  return mayReadFlaggedInSql(alias, parameter);
}

export const ITEM_COLUMNS = `i.id, i.patient_id, i.kind, i.version, i.data, i.author_organisation, i.is_not_told, i.is_not_shared,
  i.is_removed, i.created_at, i.changed_at, i.changed_by, i.changed_by_name, i.changed_by_organisation,
  i.changed_by_profession`;

export interface ItemRow {
  id: string;
  patient_id: string;
  kind: string;
  version: number;
  data: unknown;
  author_organisation: string;
  is_not_told: boolean;
  is_not_shared: boolean;
  is_removed: boolean;
  created_at: Date;
  changed_at: Date;
  changed_by: string;
  changed_by_name: string;
  changed_by_organisation: string;
  changed_by_profession: string;
}

interface AuthorColumns {
  changed_by: string;
  changed_by_name: string;
  changed_by_organisation: string;
  changed_by_profession: string;
}

function authorOf(row: AuthorColumns): ChangeAuthor {
  return {
    id: row.changed_by,
    name: row.changed_by_name,
    organisation: row.changed_by_organisation,
    profession: row.changed_by_profession,
  };
}

/** Rows were validated by their schema when written; the database is trusted to give them back. */
export function itemFromRow(row: ItemRow): StoredItem {
  return {
    id: row.id,
    patientId: row.patient_id,
    kind: row.kind as ItemKind,
    version: row.version,
    data: row.data as StoredItem['data'],
    authorOrganisation: row.author_organisation,
    isNotToldToPatient: row.is_not_told,
    isNotShared: row.is_not_shared,
    isRemoved: row.is_removed,
    createdAt: row.created_at.toISOString(),
    changedAt: row.changed_at.toISOString(),
    changedBy: authorOf(row),
  };
}

export interface VersionRow extends AuthorColumns {
  item_id: string;
  kind: string;
  version: number;
  change: ItemChange;
  data: unknown;
  author_organisation: string;
  is_not_told: boolean;
  is_not_shared: boolean;
  changed_at: Date;
}

export function versionFromRow(row: VersionRow): ItemVersion {
  return {
    itemId: row.item_id,
    kind: row.kind as ItemKind,
    version: row.version,
    change: row.change,
    data: row.data as ItemVersion['data'],
    isNotToldToPatient: row.is_not_told,
    isNotShared: row.is_not_shared,
    changedAt: row.changed_at.toISOString(),
    changedBy: authorOf(row),
  };
}
