import type { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import { closeReasonLabels } from './inquiry-codes.js';
import { openInquiry } from './open-inquiry.js';
import { parseTransferInput } from './parse-transfer-input.js';
import { TransferAccessDeniedError, TransferConflictError } from './transfer-errors.js';
import { auditedTransferOperation } from './transfer-audit.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { notifyHospital, notifyRequester, patientSummary } from './transfer-notifications.js';
import { transferStore, type InquiryEvent } from './transfer-store.js';

export const inquiryMessageSchema = field.object({ text: field.text(2000) });
export type InquiryMessage = z.input<typeof inquiryMessageSchema>;

/**
 * A message in an inquiry's thread, from the requesting MSW or the asked hospital: the answers to
 * "needs more information", the arrangements after a confirmation. Closed inquiries take no more.
 */
export async function postInquiryMessage(
  deps: TransferDeps,
  actor: TransferActor,
  inquiryId: string,
  input: unknown,
): Promise<InquiryEvent> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.inquiry.message' },
    async (client, context) => {
      const { inquiry, request, inquiries, viewer } = await openInquiry(
        deps,
        client,
        actor,
        inquiryId,
        context,
        { lock: true },
      );
      if (viewer.kind === 'care-team') {
        throw new TransferAccessDeniedError('not-involved', {
          ja: 'ケアチームのメンバーは問い合わせを閲覧だけできます。',
          en: 'Care team members can read inquiries but not write in them.',
        });
      }
      const { text } = parseTransferInput(inquiryMessageSchema, input);
      if (inquiry.status === 'closed') {
        const reason = inquiry.closeReason ? closeReasonLabels[inquiry.closeReason] : { ja: '', en: '' };
        throw new TransferConflictError('inquiry-closed', {
          ja: `この問い合わせは終了しているため、メッセージを送れません（${reason.ja}）。`,
          en: `This inquiry is closed; no more messages can be sent (${reason.en}).`,
        });
      }
      const now = deps.clock();
      const side = viewer.kind === 'requester' ? 'requester' : 'hospital';
      const event: Omit<InquiryEvent, 'id'> = {
        inquiryId: inquiry.id,
        kind: 'message',
        statusAfter: inquiry.status,
        side,
        authorId: actor.id,
        authorName: actor.displayName,
        authorOrganisation: actor.organisation,
        body: text,
        details: {},
        occurredAt: now.toISOString(),
      };
      const eventId = await transferStore.addEvent(client, event);
      await transferStore.updateInquiry(client, inquiry.id, { status: inquiry.status, updatedAt: now });
      const notice = {
        eventId,
        kind: 'transfer-message' as const,
        request,
        inquiry,
        occurredAt: now,
      };
      if (side === 'requester') {
        await notifyHospital(deps.notify, client, {
          ...notice,
          title: {
            ja: `${request.requestingOrganisation}からメッセージ（${patientSummary(request, inquiry.hospitalOrganisation).ja}）`,
            en: `Message from ${request.requestingOrganisation} (${patientSummary(request, inquiry.hospitalOrganisation).en})`,
          },
        });
      } else {
        await notifyRequester(
          deps.notify,
          client,
          {
            ...notice,
            title: {
              ja: `${inquiry.hospitalName}からメッセージ（${patientSummary(request, request.requestingOrganisation).ja}）`,
              en: `Message from ${inquiry.hospitalName} (${patientSummary(request, request.requestingOrganisation).en})`,
            },
          },
          inquiries,
        );
      }
      return { id: eventId, ...event };
    },
  );
}
