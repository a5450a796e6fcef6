import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import { hospitalStore, rankableHospitalOf } from './hospital-store.js';
import { openRequest } from './open-request.js';
import { parseTransferInput } from './parse-transfer-input.js';
import { rankHospitals } from './rank-hospitals.js';
import { requireRequester } from './transfer-access.js';
import { auditedTransferOperation } from './transfer-audit.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { TransferConflictError, TransferNotFoundError } from './transfer-errors.js';
import { notifyHospital, patientSummary } from './transfer-notifications.js';
import { transferStore, type StoredInquiry, type StoredRequest } from './transfer-store.js';

export const sendInquiriesSchema = field.object({
  hospitalIds: field.array(field.id(), { min: 1, max: 20 }),
  /** A word to every hospital asked, e.g. what the MSW most needs to know. */
  message: field.text(2000).nullable().default(null),
});
export type SendInquiries = z.input<typeof sendInquiriesSchema>;

export function requireOpenRequest(request: StoredRequest): void {
  if (request.status === 'confirmed') {
    throw new TransferConflictError('request-confirmed', {
      ja: 'この転院依頼はすでに転院先が決定しています。',
      en: 'This transfer request already has a confirmed hospital.',
    });
  }
  if (request.status === 'cancelled') {
    throw new TransferConflictError('request-cancelled', {
      ja: 'この転院依頼は取り下げられています。',
      en: 'This transfer request has been cancelled.',
    });
  }
}

/**
 * Asks several hospitals at once whether they can take the patient. Each inquiry proposes the ward
 * the ranking found best at that hospital; the hospital may offer another when it answers.
 */
export async function sendInquiries(
  deps: TransferDeps,
  actor: TransferActor,
  requestId: string,
  input: unknown,
): Promise<StoredInquiry[]> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.inquiries.send' },
    async (client, context) => {
      const { request, inquiries, viewer } = await openRequest(deps, client, actor, requestId, context, {
        lock: true,
      });
      requireRequester(viewer);
      const { hospitalIds, message } = parseTransferInput(sendInquiriesSchema, input);
      const wanted = [...new Set(hospitalIds)];
      context.details.hospitals = wanted.join(',').slice(0, 2000);
      requireOpenRequest(request);

      const asked = inquiries.filter((inquiry) => wanted.includes(inquiry.hospitalId));
      if (asked.length > 0) {
        const names = asked.map((inquiry) => inquiry.hospitalName);
        throw new TransferConflictError('already-asked', {
          ja: `すでに問い合わせ済みです: ${names.join('、')}`,
          en: `Already asked: ${names.join(', ')}`,
        });
      }
      const hospitals = await hospitalStore.load(client, { hospitalIds: wanted });
      const unknown = wanted.filter((id) => !hospitals.some((hospital) => hospital.id === id));
      if (unknown.length > 0) {
        throw new TransferNotFoundError({
          ja: `病院が見つかりません: ${unknown.join('、')}`,
          en: `No such hospital: ${unknown.join(', ')}`,
        });
      }

      const now = deps.clock();
      const ranking = rankHospitals(request.details, hospitals.map(rankableHospitalOf), {
        now,
        staleAfterHours: deps.staleAfterHours,
      });
      const proposedWard = new Map(
        [...ranking.matches, ...ranking.excluded].map((match) => [match.hospitalId, match.ward.id]),
      );
      const sent: string[] = [];
      for (const hospital of hospitals) {
        const id = randomUUID();
        const wardId = proposedWard.get(hospital.id) ?? hospital.wards[0]?.id;
        if (!wardId) throw new Error(`hospital ${hospital.id} has no wards`);
        await transferStore.insertInquiry(client, {
          id,
          requestId,
          hospitalId: hospital.id,
          wardId,
          sentAt: now,
          sentBy: actor.id,
        });
        sent.push(id);
      }
      const stored = (await transferStore.inquiriesOfRequest(client, requestId)).filter((inquiry) =>
        sent.includes(inquiry.id),
      );
      for (const inquiry of stored) {
        const eventId = await transferStore.addEvent(client, {
          inquiryId: inquiry.id,
          kind: 'sent',
          statusAfter: 'sent',
          side: 'requester',
          authorId: actor.id,
          authorName: actor.displayName,
          authorOrganisation: actor.organisation,
          body: message,
          details: {},
          occurredAt: now.toISOString(),
        });
        await notifyHospital(deps.notify, client, {
          eventId,
          kind: 'transfer-inquiry',
          request,
          inquiry,
          title: {
            ja: `転院の問い合わせ: ${patientSummary(request, inquiry.hospitalOrganisation).ja}（${request.requestingOrganisation}）`,
            en: `Transfer inquiry: ${patientSummary(request, inquiry.hospitalOrganisation).en} (${request.requestingOrganisation})`,
          },
          occurredAt: now,
        });
      }
      context.details.inquiries = stored.length;
      return stored;
    },
  );
}
