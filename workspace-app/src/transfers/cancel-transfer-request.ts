import type { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import { closeInquiry } from './close-inquiry.js';
import { openRequest } from './open-request.js';
import { parseTransferInput } from './parse-transfer-input.js';
import { requireRequester } from './transfer-access.js';
import { auditedTransferOperation } from './transfer-audit.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { TransferConflictError } from './transfer-errors.js';
import { notifyHospital, patientSummary } from './transfer-notifications.js';
import { transferStore, type StoredRequest } from './transfer-store.js';

export const cancelRequestSchema = field.object({ note: field.text(2000).nullable().default(null) });
export type CancelRequest = z.input<typeof cancelRequestSchema>;

/**
 * The MSW cancels the whole request (the patient's plan changed). Every inquiry still open closes; a
 * bed held for a confirmed transfer is released, and its hospital is told to count its free beds
 * again, since the figures may have moved since the bed was taken.
 */
export async function cancelTransferRequest(
  deps: TransferDeps,
  actor: TransferActor,
  requestId: string,
  input: unknown,
): Promise<StoredRequest> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.request.cancel' },
    async (client, context) => {
      const { request, inquiries, viewer } = await openRequest(deps, client, actor, requestId, context, {
        lock: true,
      });
      requireRequester(viewer);
      const { note } = parseTransferInput(cancelRequestSchema, input);
      if (request.status === 'cancelled') {
        throw new TransferConflictError('request-cancelled', {
          ja: 'この転院依頼はすでに取り下げられています。',
          en: 'This transfer request is already cancelled.',
        });
      }
      const now = deps.clock();
      for (const inquiry of inquiries) {
        if (inquiry.status === 'closed') continue;
        if (inquiry.status === 'confirmed' && (await transferStore.releaseHold(client, inquiry.id, now))) {
          const eventId = await transferStore.addEvent(client, {
            inquiryId: inquiry.id,
            kind: 'released',
            statusAfter: 'confirmed',
            side: 'requester',
            authorId: actor.id,
            authorName: actor.displayName,
            authorOrganisation: actor.organisation,
            body: note,
            details: { wardId: inquiry.wardId },
            occurredAt: now.toISOString(),
          });
          await notifyHospital(deps.notify, client, {
            eventId,
            kind: 'transfer-closed',
            request,
            inquiry,
            title: {
              ja: `転院の取り下げ: ${inquiry.wardName}に確保していた1床が解放されました。空床数を確認してください（${patientSummary(request, inquiry.hospitalOrganisation).ja}）`,
              en: `Transfer cancelled: the bed held in ${inquiry.wardName} is released; please check your free beds (${patientSummary(request, inquiry.hospitalOrganisation).en})`,
            },
            occurredAt: now,
          });
        }
        await closeInquiry(deps, client, actor, { request, inquiry, reason: 'request-cancelled', note, now });
      }
      await transferStore.closeRequest(client, request.id, 'cancelled', { at: now, by: actor.id });
      const cancelled = await transferStore.request(client, request.id);
      if (!cancelled) throw new Error('a cancelled request vanished');
      return cancelled;
    },
  );
}
