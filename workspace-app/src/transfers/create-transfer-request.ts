import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import { parseTransferInput } from './parse-transfer-input.js';
import { auditedTransferOperation } from './transfer-audit.js';
import { requirePatientForRequest } from './request-patient.js';
import { requireMsw } from './transfer-access.js';
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
      requireMsw(actor);
      const envelope = parseTransferInput(newTransferRequestSchema, input);
      const id = randomUUID();
      const details = parseTransferInput(transferRequestSchema, { ...envelope.request, id });
      if (envelope.patientId !== null)
        await requirePatientForRequest(deps, actor, envelope.patientId, context);
      context.details.requestId = id;
      const request: StoredRequest = {
        id,
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
