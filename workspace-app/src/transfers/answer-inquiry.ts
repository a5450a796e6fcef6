import { addDays, bilingualMessage, tokyoToday } from '@hcw/common';
import { z } from 'zod';
import { bilingualErrorMap, field } from '../validation/bilingual-fields.js';
import { figuresOf, needsIsolationRoom, takeBed } from './bed-for-patient.js';
import { patientSexLabels, roomTypeLabels } from './care-codes.js';
import { hospitalStore } from './hospital-store.js';
import {
  answerableStatuses,
  closeReasonLabels,
  declineReasonLabels,
  inquiryStatusLabels,
  type InquiryStatus,
} from './inquiry-codes.js';
import { openInquiry } from './open-inquiry.js';
import { parseTransferInput } from './parse-transfer-input.js';
import { requireAskedHospital } from './transfer-access.js';
import { auditedTransferOperation } from './transfer-audit.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { TransferConflictError, TransferInputError } from './transfer-errors.js';
import { notifyRequester, patientSummary } from './transfer-notifications.js';
import { transferStore, type InquiryChange, type StoredInquiry } from './transfer-store.js';
import { requireOpenRequest } from './send-inquiries.js';

const note = () => field.text(2000).nullable().default(null);

/** An offer: which ward and room, until when it stands, and from when the patient can come. */
const offerShape = {
  wardId: field.id(),
  roomType: field.code(roomTypeLabels),
  /** The MSW must confirm before this moment, or the offer lapses. */
  holdUntil: field.dateTime(),
  admissionDate: field.date().nullable().default(null),
  note: note(),
};

export const inquiryAnswerSchema = z
  .discriminatedUnion(
    'answer',
    [
      field.object({ answer: z.literal('accept'), ...offerShape }),
      field.object({ answer: z.literal('conditional'), ...offerShape, conditions: field.text(2000) }),
      field.object({ answer: z.literal('decline'), reason: field.code(declineReasonLabels), note: note() }),
      field.object({ answer: z.literal('needs-information'), question: field.text(2000) }),
    ],
    { errorMap: bilingualErrorMap },
  )
  .superRefine((answer, ctx) => {
    if (answer.answer === 'decline' && answer.reason === 'other' && answer.note === null) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['note'],
        message: bilingualMessage({
          ja: '「その他」の場合は理由を書いてください',
          en: 'write the reason when it is "other"',
        }),
      });
    }
  });
export type InquiryAnswer = z.input<typeof inquiryAnswerSchema>;

/** The longest a hospital may keep an offer open. */
const longestHoldDays = 14;
/**
 * How far ahead a hospital may accept for a bed it expects to free (a discharge already planned): within
 * these days an acceptance needs no bed free today. Further ahead the MSW cannot plan on it.
 */
export const futureAdmissionDays = 14;
const millisecondsPerDay = 86_400_000;

export function requireAnswerable(inquiry: StoredInquiry): void {
  if (inquiry.status === 'closed') {
    const reason = inquiry.closeReason ? closeReasonLabels[inquiry.closeReason] : { ja: '', en: '' };
    throw new TransferConflictError('inquiry-closed', {
      ja: `この問い合わせはすでに終了しているため回答できません（${reason.ja}）。`,
      en: `This inquiry is closed and can no longer be answered (${reason.en}).`,
    });
  }
  if (!answerableStatuses.includes(inquiry.status)) {
    throw new TransferConflictError('inquiry-decided', {
      ja: 'この問い合わせは転院先に決定済みのため、回答を変更できません。',
      en: 'This inquiry has been confirmed; its answer can no longer change.',
    });
  }
}

/**
 * A hospital's answer to an inquiry: accept, accept with conditions, decline with a reason, or ask
 * for more information. An answer may be revised until the MSW confirms or the inquiry closes.
 */
export async function answerInquiry(
  deps: TransferDeps,
  actor: TransferActor,
  inquiryId: string,
  input: unknown,
): Promise<StoredInquiry> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.inquiry.answer' },
    async (client, context) => {
      const { inquiry, request, inquiries, viewer } = await openInquiry(
        deps,
        client,
        actor,
        inquiryId,
        context,
        { lock: true },
      );
      requireAskedHospital(viewer, inquiry);
      const answer = parseTransferInput(inquiryAnswerSchema, input);
      context.details.answer = answer.answer;
      requireAnswerable(inquiry);
      requireOpenRequest(request);

      const now = deps.clock();
      let change: InquiryChange;
      let body: string | null;
      let status: InquiryStatus;
      if (answer.answer === 'accept' || answer.answer === 'conditional') {
        const ward = await hospitalStore.ward(client, inquiry.hospitalId, answer.wardId);
        if (!ward) {
          throw new TransferInputError([
            { path: 'wardId', ja: 'この病院の病棟ではありません', en: 'not a ward of this hospital' },
          ]);
        }
        const holdUntil = new Date(answer.holdUntil);
        if (holdUntil.getTime() <= now.getTime()) {
          throw new TransferInputError([
            {
              path: 'holdUntil',
              ja: '確保期限は現在より後にしてください',
              en: 'the hold must end in the future',
            },
          ]);
        }
        if (holdUntil.getTime() > now.getTime() + longestHoldDays * millisecondsPerDay) {
          throw new TransferInputError([
            {
              path: 'holdUntil',
              ja: `確保期限は${longestHoldDays}日以内にしてください`,
              en: `the hold may last at most ${longestHoldDays} days`,
            },
          ]);
        }
        const today = tokyoToday(now);
        if (answer.admissionDate !== null && answer.admissionDate < today) {
          throw new TransferInputError([
            { path: 'admissionDate', ja: '入院日が過去の日付です', en: 'the admission date has passed' },
          ]);
        }
        const latestAdmission = addDays(today, futureAdmissionDays);
        if (answer.admissionDate !== null && answer.admissionDate > latestAdmission) {
          throw new TransferInputError([
            {
              path: 'admissionDate',
              ja: `入院日は${futureAdmissionDays}日以内（${latestAdmission}まで）にしてください`,
              en: `the admission date must be within ${futureAdmissionDays} days (by ${latestAdmission})`,
            },
          ]);
        }
        const isIsolationRoom = needsIsolationRoom(request.details, ward);
        const roomType = isIsolationRoom ? 'individual' : answer.roomType;
        const sex = patientSexLabels[request.details.patient.sex];
        // A bed for a later day is one the hospital expects to free by then: today's figures say nothing of it.
        const isForLaterDay = answer.admissionDate !== null && answer.admissionDate > today;
        if (
          !isForLaterDay &&
          !takeBed(figuresOf(ward), request.details.patient.sex, roomType, isIsolationRoom)
        ) {
          const room = isIsolationRoom ? { ja: '隔離室', en: 'isolation room' } : roomTypeLabels[roomType];
          throw new TransferConflictError('no-free-bed', {
            ja: `${ward.name}には今日、${sex.ja}の患者さんが入れる${room.ja}の空床がありません。先に空床数を更新するか、空く見込みの日を入院日にして受け入れてください。`,
            en: `${ward.name} has no free ${room.en} bed for a ${sex.en} patient today. Update the free beds first, or accept with the admission date when a bed will be free.`,
          });
        }
        status = answer.answer === 'accept' ? 'accepted' : 'conditional';
        body = answer.answer === 'conditional' ? answer.conditions : answer.note;
        change = {
          status,
          wardId: ward.id,
          roomType,
          isIsolationRoom,
          conditions: answer.answer === 'conditional' ? answer.conditions : null,
          declineReason: null,
          holdUntil,
          admissionDate: answer.admissionDate,
          answeredAt: now,
          answeredBy: actor.id,
          updatedAt: now,
        };
        if (answer.answer === 'conditional' && answer.note) body = `${answer.conditions}\n${answer.note}`;
      } else if (answer.answer === 'decline') {
        status = 'declined';
        body = answer.note;
        change = {
          status,
          declineReason: answer.reason,
          conditions: null,
          holdUntil: null,
          answeredAt: now,
          answeredBy: actor.id,
          updatedAt: now,
        };
      } else {
        status = 'needs-information';
        body = answer.question;
        change = { status, holdUntil: null, answeredAt: now, answeredBy: actor.id, updatedAt: now };
      }
      await transferStore.updateInquiry(client, inquiry.id, change);
      const updated = await transferStore.inquiry(client, inquiry.id);
      if (!updated) throw new Error('an answered inquiry vanished');
      const eventId = await transferStore.addEvent(client, {
        inquiryId: inquiry.id,
        kind: 'answered',
        statusAfter: status,
        side: 'hospital',
        authorId: actor.id,
        authorName: actor.displayName,
        authorOrganisation: actor.organisation,
        body,
        details: {
          answer: answer.answer,
          wardId: updated.wardId,
          roomType: updated.roomType,
          holdUntil: updated.holdUntil,
          admissionDate: updated.admissionDate,
          declineReason: updated.declineReason,
        },
        occurredAt: now.toISOString(),
      });
      const label = inquiryStatusLabels[status];
      const summary = patientSummary(request, request.requestingOrganisation);
      await notifyRequester(
        deps.notify,
        client,
        {
          eventId,
          kind: 'transfer-answer',
          request,
          inquiry: updated,
          title: {
            ja: `${updated.hospitalName}から回答: ${label.ja}（${summary.ja}）`,
            en: `${updated.hospitalName} answered: ${label.en} (${summary.en})`,
          },
          occurredAt: now,
        },
        inquiries,
      );
      return updated;
    },
  );
}
