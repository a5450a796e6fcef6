import { tokyoDateTime } from '@hcw/common';
import type pg from 'pg';
import type { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import { freeBedsSchema, wardSchema } from './capacity-profile.js';
import {
  hospitalStore,
  totalFreeBeds,
  wardProfileOf,
  type StoredHospital,
  type StoredWard,
} from './hospital-store.js';
import { parseTransferInput } from './parse-transfer-input.js';
import { requireBedManager } from './transfer-access.js';
import { auditedTransferOperation } from './transfer-audit.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import {
  TransferAccessDeniedError,
  TransferConflictError,
  TransferNotFoundError,
} from './transfer-errors.js';
import { transferStore, type BedHold } from './transfer-store.js';

export const freeBedUpdateSchema = field.object({
  freeBeds: freeBedsSchema,
  freeIsolationRooms: field.integer({ min: 0, max: 9999 }),
  /** The version of the figures the bed manager was looking at. */
  version: field.integer({ min: 1 }),
});
export type FreeBedUpdate = z.input<typeof freeBedUpdateSchema>;

export async function hospitalOfBedManager(
  client: pg.PoolClient,
  actor: TransferActor,
): Promise<StoredHospital> {
  requireBedManager(actor);
  const hospital = await hospitalStore.ofOrganisation(client, actor.organisation);
  if (!hospital) {
    throw new TransferAccessDeniedError('no-hospital-for-organisation', {
      ja: 'あなたの所属は受入検索に登録された病院ではありません。',
      en: 'Your organisation is not a hospital registered in the transfer search.',
    });
  }
  return hospital;
}

/**
 * A bed manager sets a ward's free beds, or confirms them unchanged, which also counts as an update.
 * The figures must fit the ward (never more free beds than beds), and must be based on the figures
 * as they are now: if someone else, or a confirmed transfer, changed them since the form was shown,
 * the update is refused rather than silently undoing the other change.
 */
export async function updateFreeBeds(
  deps: TransferDeps,
  actor: TransferActor,
  wardId: string,
  input: unknown,
): Promise<StoredWard> {
  return auditedTransferOperation(deps, actor, { type: 'transfer.beds.update' }, async (client, context) => {
    context.details.wardId = wardId.slice(0, 100);
    const hospital = await hospitalOfBedManager(client, actor);
    context.details.hospitalId = hospital.id;
    const ward = await hospitalStore.ward(client, hospital.id, wardId, { lock: true });
    if (!ward) throw new TransferNotFoundError({ ja: '病棟が見つかりません。', en: 'No such ward.' });
    const update = parseTransferInput(freeBedUpdateSchema, input);
    if (update.version !== ward.version) {
      throw new TransferConflictError('stale-figures', {
        ja: `${ward.name}の空床数は、表示したあとに更新されています（${tokyoDateTime(ward.freeBedsUpdatedAt)}の確認以降）。最新の数を確かめてから、もう一度更新してください。`,
        en: `${ward.name}'s free beds changed after you opened the form. Check the latest figures and update again.`,
      });
    }
    parseTransferInput(wardSchema, {
      ...wardProfileOf(ward),
      freeBeds: update.freeBeds,
      isolationRooms: { total: ward.isolationRooms.total, free: update.freeIsolationRooms },
    });
    const now = deps.clock();
    await hospitalStore.writeFigures(client, ward, update, { at: now, by: actor.id });
    context.details.freeBefore = totalFreeBeds(ward.freeBeds);
    context.details.freeAfter = totalFreeBeds(update.freeBeds);
    const updated = await hospitalStore.ward(client, hospital.id, wardId);
    if (!updated) throw new Error('an updated ward vanished');
    return updated;
  });
}

export interface BedBoard {
  hospital: StoredHospital;
  holds: BedHold[];
}

/** The one screen of a bed manager: their hospital's wards, free beds, and beds held for transfers. */
export async function readBedBoard(deps: TransferDeps, actor: TransferActor): Promise<BedBoard> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.beds.read', isReadOnly: true },
    async (client, context) => {
      const hospital = await hospitalOfBedManager(client, actor);
      context.details.hospitalId = hospital.id;
      const holds = await transferStore.holdsOfHospital(client, hospital.id);
      return { hospital, holds };
    },
  );
}
