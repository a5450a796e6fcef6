import type { ItemData, ItemKind } from './standard-items.js';

/** Who made a change, as the record keeps it. */
export interface ChangeAuthor {
  id: string;
  name: string;
  organisation: string;
  profession: string;
}

/** The current version of one item of a patient's record. */
export interface StoredItem<K extends ItemKind = ItemKind> {
  id: string;
  patientId: string;
  kind: K;
  version: number;
  data: ItemData<K>;
  /** The organisation that first recorded the item; for diagnoses, the one DATA-1 speaks of. */
  authorOrganisation: string;
  /** DATA-1, diagnoses only: 未告知 */
  isNotToldToPatient: boolean;
  /** DATA-1, diagnoses only: 未提供 */
  isNotShared: boolean;
  isRemoved: boolean;
  createdAt: string;
  changedAt: string;
  changedBy: ChangeAuthor;
}

export type ItemChange = 'created' | 'updated' | 'removed';

/** One version in an item's history; versions are never changed once written. */
export interface ItemVersion<K extends ItemKind = ItemKind> {
  itemId: string;
  kind: K;
  version: number;
  change: ItemChange;
  data: ItemData<K>;
  isNotToldToPatient: boolean;
  isNotShared: boolean;
  changedAt: string;
  changedBy: ChangeAuthor;
}
