import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import { parseTransferInput } from './parse-transfer-input.js';
import { auditedTransferOperation } from './transfer-audit.js';
import { requirePatientForRequest } from './request-patient.js';
import { requireRequestMaker } from './transfer-access.js';
import { TransferInputError } from './transfer-errors.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { transferRequestSchema } from './transfer-request.js';
import { transferStore, type StoredRequest } from './transfer-store.js';

/** What an MSW sends: the patient's needs (transfer-request.ts without its id) and the shared record's patient. */
export const newTransferRequestSchema = field.object({
  /**
   * The patient in the shared record, whose care team may then follow the request; null if none. Only a
   * patient whose care team the MSW is on (request-patient.ts).
   */
  patientId: field.text(200).nullable().default(null),
  /** A transfer from a hospital (the default), or a back-up bed for a patient at home. */
  purpose: z.enum(['transfer', 'backup-bed']).default('transfer'),
  request: z.record(z.unknown()),
});
export type NewTransferRequest = z.input<typeof newTransferRequestSchema>;

/**
 * Creates a transfer request for the MSW's organisation. The id is the server's, never the caller's; the
 * patient, if named, must be one whose care team the MSW is on.
 */
export async function createTransferRequest(
  deps: TransferDeps,
  actor: TransferActor,
  input: unknown,
): Promise<StoredRequest> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.request.create' },
    async (client, context) => {
      const envelope = parseTransferInput(newTransferRequestSchema, input);
      requireRequestMaker(actor, envelope.purpose);
      if (envelope.purpose === 'backup-bed' && envelope.patientId === null) {
        throw new TransferInputError([
          {
            path: 'patientId',
            ja: '後方支援病床の依頼には、共有記録の患者IDが必要です。',
            en: 'A back-up bed request names the patient of the shared record.',
          },
        ]);
      }
      context.details.purpose = envelope.purpose;
      const id = randomUUID();
      const details = parseTransferInput(transferRequestSchema, { ...envelope.request, id });
      if (envelope.patientId !== null)
        await requirePatientForRequest(deps, actor, envelope.patientId, context);
      context.details.requestId = id;
      const request: StoredRequest = {
        id,
        purpose: envelope.purpose,
        patientId: envelope.patientId,
        requestingOrganisation: actor.organisation,
        createdBy: actor.id,
        createdByName: actor.displayName,
        createdAt: deps.clock().toISOString(),
        status: 'open',
        details,
        closedAt: null,
        closedBy: null,
      };
      await transferStore.insertRequest(client, request);
      return request;
    },
  );
}
