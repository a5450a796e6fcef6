import type { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import {
  dementiaAcceptanceSchema,
  infectionAcceptanceSchema,
  patientsAcceptedSchema,
  wardSchema,
  type Ward,
} from './capacity-profile.js';
import { procedureLabels } from './care-codes.js';
import { hospitalStore, wardProfileOf, type StoredWard } from './hospital-store.js';
import { parseTransferInput } from './parse-transfer-input.js';
import { auditedTransferOperation } from './transfer-audit.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { TransferConflictError, TransferNotFoundError } from './transfer-errors.js';
import { hospitalOfBedManager } from './update-free-beds.js';

const yenPerDay = () => field.integer({ min: 0, max: 10_000_000 });

/**
 * Everything a bed manager keeps about what a ward takes on, beside its free beds: procedures,
 * infections and isolation rooms, dementia, room charges, stay, typical wait, and which patients it
 * takes by ADL, independence and age. The ward's name, type and beds stay as the hospital registered them.
 */
export const wardProfileUpdateSchema = field.object({
  /** The version of the ward the bed manager was looking at. */
  version: field.integer({ min: 1 }),
  proceduresAccepted: field.codeSet(procedureLabels),
  infectionsAccepted: field.array(infectionAcceptanceSchema),
  isolationRoomsTotal: field.integer({ min: 0, max: 9999 }),
  dementia: dementiaAcceptanceSchema,
  extraRoomChargeYenPerDay: field.object({ individual: yenPerDay(), shared: yenPerDay() }),
  maxStayDays: field.integer({ min: 1, max: 3650 }).nullable(),
  typicalWaitDays: field.integer({ min: 0, max: 365 }),
  patientsAccepted: patientsAcceptedSchema.optional(),
});
export type WardProfileUpdate = z.input<typeof wardProfileUpdateSchema>;

/**
 * Replaces a ward's profile, checked as a whole against the ward's rules (isolation rooms within its
 * beds and above those in use, a stay within the fee's cap, isolation for infections that need it), and
 * only if nobody changed the ward since the form was shown. Searches see it at once: the profile's
 * version is read with the free beds.
 */
export async function updateWardProfile(
  deps: TransferDeps,
  actor: TransferActor,
  wardId: string,
  input: unknown,
): Promise<StoredWard> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.ward.profile.update' },
    async (client, context) => {
      context.details.wardId = wardId.slice(0, 100);
      const hospital = await hospitalOfBedManager(client, actor);
      context.details.hospitalId = hospital.id;
      const ward = await hospitalStore.ward(client, hospital.id, wardId, { lock: true });
      if (!ward) throw new TransferNotFoundError({ ja: '病棟が見つかりません。', en: 'No such ward.' });
      const update = parseTransferInput(wardProfileUpdateSchema, input);
      const stale = () =>
        new TransferConflictError('stale-profile', {
          ja: `${ward.name}は、表示したあとに更新されています。最新の内容を確かめてから、もう一度保存してください。`,
          en: `${ward.name} changed after you opened the form. Check the latest profile and save again.`,
        });
      if (update.version !== ward.version) throw stale();
      const { version: _version, isolationRoomsTotal, patientsAccepted, ...care } = update;
      const profile: Ward = parseTransferInput(wardSchema, {
        ...wardProfileOf(ward),
        ...care,
        isolationRooms: { total: isolationRoomsTotal, free: ward.isolationRooms.free },
        ...(patientsAccepted && Object.values(patientsAccepted).some((value) => value !== undefined)
          ? { patientsAccepted }
          : { patientsAccepted: undefined }),
      });
      if (!(await hospitalStore.writeProfile(client, ward, update.version, profile))) throw stale();
      context.details.proceduresAccepted = profile.proceduresAccepted.length;
      const updated = await hospitalStore.ward(client, hospital.id, wardId);
      if (!updated) throw new Error('an updated ward vanished');
      return updated;
    },
  );
}
