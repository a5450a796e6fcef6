import type pg from 'pg';
import { closeReasonLabels, type CloseReason } from './inquiry-codes.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { notifyHospital, patientSummary } from './transfer-notifications.js';
import { transferStore, type StoredInquiry, type StoredRequest } from './transfer-store.js';

/**
 * Closes one inquiry with a reason the hospital sees, and tells its bed managers, inside the caller's
 * transaction. The caller holds the request's and the inquiry's locks.
 */
export async function closeInquiry(
  deps: TransferDeps,
  client: pg.PoolClient,
  actor: TransferActor,
  closing: {
    request: StoredRequest;
    inquiry: StoredInquiry;
    reason: CloseReason;
    note: string | null;
    now: Date;
  },
): Promise<void> {
  const { request, inquiry, reason, note, now } = closing;
  await transferStore.updateInquiry(client, inquiry.id, {
    status: 'closed',
    closeReason: reason,
    closedAt: now,
    holdUntil: null,
    updatedAt: now,
  });
  const eventId = await transferStore.addEvent(client, {
    inquiryId: inquiry.id,
    kind: 'closed',
    statusAfter: 'closed',
    side: 'requester',
    authorId: actor.id,
    authorName: actor.displayName,
    authorOrganisation: actor.organisation,
    body: note,
    details: { reason, statusBefore: inquiry.status },
    occurredAt: now.toISOString(),
  });
  const label = closeReasonLabels[reason];
  await notifyHospital(deps.notify, client, {
    eventId,
    kind: 'transfer-closed',
    request,
    inquiry,
    title: {
      ja: `転院の問い合わせ終了: ${label.ja}（${patientSummary(request, inquiry.hospitalOrganisation).ja}）`,
      en: `Transfer inquiry ${label.en} (${patientSummary(request, inquiry.hospitalOrganisation).en})`,
    },
    occurredAt: now,
  });
}
