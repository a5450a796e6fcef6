import { tokyoDateTime, tokyoToday } from '@hcw/common';
import { figuresOf, takeBed } from './bed-for-patient.js';
import { roomTypeLabels } from './care-codes.js';
import { closeInquiry } from './close-inquiry.js';
import { hospitalStore } from './hospital-store.js';
import { confirmableStatuses } from './inquiry-codes.js';
import { openInquiryForRequester } from './open-inquiry.js';
import { auditedTransferOperation } from './transfer-audit.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { TransferConflictError } from './transfer-errors.js';
import { notifyHospital, patientSummary } from './transfer-notifications.js';
import { transferStore, type StoredInquiry } from './transfer-store.js';
import { requireOpenRequest } from './send-inquiries.js';

function requireOffer(inquiry: StoredInquiry, now: Date): void {
  if (inquiry.status === 'closed') {
    throw new TransferConflictError('inquiry-closed', {
      ja: 'この問い合わせは終了しているため、転院先に決定できません。',
      en: 'This inquiry is closed and cannot be confirmed.',
    });
  }
  if (inquiry.status === 'declined') {
    throw new TransferConflictError('inquiry-declined', {
      ja: 'この病院は受入不可と回答しているため、転院先に決定できません。',
      en: 'This hospital declined; it cannot be confirmed.',
    });
  }
  if (!confirmableStatuses.includes(inquiry.status)) {
    throw new TransferConflictError('no-offer', {
      ja: 'この病院からはまだ受入可の回答がありません。',
      en: 'This hospital has not offered a bed yet.',
    });
  }
  if (inquiry.holdUntil === null || Date.parse(inquiry.holdUntil) <= now.getTime()) {
    const deadline = inquiry.holdUntil ? tokyoDateTime(inquiry.holdUntil) : '';
    throw new TransferConflictError('offer-expired', {
      ja: `受入回答の確保期限（${deadline}）を過ぎているため決定できません。病院に再度確認してください。`,
      en: `The hospital's offer expired (${deadline}); ask the hospital again before confirming.`,
    });
  }
}

/**
 * The MSW chooses one hospital. In one transaction: the bed is taken out of the ward's free figures
 * and held for this transfer, the inquiry is confirmed, every other inquiry of the request closes
 * with a reason its hospital sees, and the request is settled. The request, its inquiries and the
 * ward are locked, in that order, so that of two confirmations for the same last bed exactly one
 * finds it free; the other is refused and nothing of it is stored.
 */
export async function confirmInquiry(
  deps: TransferDeps,
  actor: TransferActor,
  inquiryId: string,
): Promise<StoredInquiry> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.inquiry.confirm' },
    async (client, context) => {
      const { request, inquiries, inquiry } = await openInquiryForRequester(
        deps,
        client,
        actor,
        inquiryId,
        context,
      );
      if (request.status === 'confirmed' && inquiry.status === 'confirmed') {
        throw new TransferConflictError('already-confirmed', {
          ja: 'この病院はすでに転院先に決定しています。',
          en: 'This hospital is already confirmed.',
        });
      }
      requireOpenRequest(request);
      const now = deps.clock();
      requireOffer(inquiry, now);
      const roomType = inquiry.roomType;
      if (roomType === null) throw new Error(`offered inquiry ${inquiry.id} has no room type`);

      const ward = await hospitalStore.ward(client, inquiry.hospitalId, inquiry.wardId, { lock: true });
      if (!ward) throw new Error(`inquiry ${inquiry.id} names a missing ward`);
      // An offer for a later day promised a bed the hospital expects to free by then: it is held for that
      // day and leaves today's free figures as they are.
      const isForLaterDay = inquiry.admissionDate !== null && inquiry.admissionDate > tokyoToday(now);
      const taken = isForLaterDay
        ? { figures: null, bedSex: request.details.patient.sex }
        : takeBed(figuresOf(ward), request.details.patient.sex, roomType, inquiry.isIsolationRoom);
      if (!taken) {
        const room = inquiry.isIsolationRoom
          ? { ja: '隔離室', en: 'isolation room' }
          : roomTypeLabels[roomType];
        throw new TransferConflictError('no-bed-left', {
          ja: `${inquiry.hospitalName} ${ward.name}の${room.ja}の空床は、すでに他の転院で埋まりました。病院に確認してください。`,
          en: `The free ${room.en} bed at ${inquiry.hospitalName} ${ward.name} has just been taken by another transfer. Please ask the hospital.`,
        });
      }
      if (taken.figures) await hospitalStore.writeFigures(client, ward, taken.figures, null);
      await transferStore.insertHold(client, {
        inquiryId: inquiry.id,
        hospitalId: inquiry.hospitalId,
        wardId: inquiry.wardId,
        bedSex: taken.bedSex,
        roomType,
        isIsolationRoom: inquiry.isIsolationRoom,
        heldAt: now,
        heldBy: actor.id,
      });
      await transferStore.updateInquiry(client, inquiry.id, { status: 'confirmed', updatedAt: now });
      await transferStore.closeRequest(client, request.id, 'confirmed', { at: now, by: actor.id });
      const eventId = await transferStore.addEvent(client, {
        inquiryId: inquiry.id,
        kind: 'confirmed',
        statusAfter: 'confirmed',
        side: 'requester',
        authorId: actor.id,
        authorName: actor.displayName,
        authorOrganisation: actor.organisation,
        body: null,
        details: {
          wardId: inquiry.wardId,
          roomType,
          bedSex: taken.bedSex,
          isIsolationRoom: inquiry.isIsolationRoom,
        },
        occurredAt: now.toISOString(),
      });
      await notifyHospital(deps.notify, client, {
        eventId,
        kind: 'transfer-confirmed',
        request,
        inquiry,
        title: {
          ja: `転院先に決定: ${ward.name}に1床を確保しました（${patientSummary(request, inquiry.hospitalOrganisation).ja}）`,
          en: `Transfer confirmed: one bed held in ${ward.name} (${patientSummary(request, inquiry.hospitalOrganisation).en})`,
        },
        occurredAt: now,
      });
      for (const other of inquiries) {
        if (other.id === inquiry.id || other.status === 'closed') continue;
        await closeInquiry(deps, client, actor, {
          request,
          inquiry: other,
          reason: 'another-hospital-confirmed',
          note: null,
          now,
        });
      }
      context.details.hospitalId = inquiry.hospitalId;
      context.details.wardId = inquiry.wardId;
      if (request.patientId && deps.careTeam.welcomeAcceptingHospital) {
        context.details.careTeam = await deps.careTeam.welcomeAcceptingHospital(client, {
          patientId: request.patientId,
          organisation: inquiry.hospitalOrganisation,
          transferRequestId: request.id,
          by: actor,
        });
      }
      const confirmed = await transferStore.inquiry(client, inquiry.id);
      if (!confirmed) throw new Error('a confirmed inquiry vanished');
      return confirmed;
    },
  );
}
