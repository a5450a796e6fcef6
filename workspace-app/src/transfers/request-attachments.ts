import type pg from 'pg';
import {
  attachmentPicture,
  attachmentsOfPatient,
  type Attachment,
  type AttachmentPicture,
} from '../attachments/attachments.js';
import { consentCovers, consentsOf } from '../patients/consent.js';
import { isUuid } from '../patients/patient-access.js';
import { openRequest } from './open-request.js';
import { requireRequester, type RequestViewer } from './transfer-access.js';
import { auditedTransferOperation } from './transfer-audit.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { TransferConflictError, TransferNotFoundError } from './transfer-errors.js';
import type { StoredRequest } from './transfer-store.js';

/**
 * Photos and documents sent with a transfer request. The requester picks them from the patient's record (they
 * are on the care team, which a request naming a patient requires); the care team sees them; a hospital asked
 * sees them only while a consent of the patient to send documents (`documents`) covers its organisation, decided
 * each time it looks, so a withdrawn consent hides them at once. They are shown as pictures, never as files.
 */
export interface RequestAttachments {
  /** What this viewer may see. */
  shown: Attachment[];
  /** How many are attached but withheld from this viewer (an asked hospital without the patient's consent). */
  withheld: number;
  /** For the requester: the patient's attachments not yet sent with the request. */
  addable: Attachment[];
}

const NONE: RequestAttachments = { shown: [], withheld: 0, addable: [] };

async function attachedIds(client: pg.ClientBase, requestId: string): Promise<Set<string>> {
  const { rows } = await client.query<{ attachment_id: string }>(
    'SELECT attachment_id FROM transfer_request_attachments WHERE request_id = $1',
    [requestId],
  );
  return new Set(rows.map((row) => row.attachment_id));
}

export async function requestAttachmentsFor(
  client: pg.ClientBase,
  request: StoredRequest,
  viewer: RequestViewer,
  readerOrganisation: string,
): Promise<RequestAttachments> {
  // Only a patient of the shared record has attachments (a request may name a patient the record does not hold).
  if (request.patientId === null || !isUuid(request.patientId)) return NONE;
  const attached = await attachedIds(client, request.id);
  const ofPatient = await attachmentsOfPatient(client, request.patientId);
  const onRequest = ofPatient.filter((attachment) => attached.has(attachment.id));
  if (viewer.kind === 'asked-hospital') {
    const consents = await consentsOf(client, request.patientId);
    const covered = consents.some((consent) => consentCovers(consent, 'documents', readerOrganisation));
    return covered ? { ...NONE, shown: onRequest } : { ...NONE, withheld: onRequest.length };
  }
  return {
    shown: onRequest,
    withheld: 0,
    addable:
      viewer.kind === 'requester' && request.status !== 'cancelled'
        ? ofPatient.filter((attachment) => !attached.has(attachment.id))
        : [],
  };
}

/** Sends photos and documents of the patient's record with the request: the requester only. */
export async function attachToTransferRequest(
  deps: TransferDeps,
  actor: TransferActor,
  requestId: string,
  attachmentIds: readonly string[],
): Promise<number> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.request.attach' },
    async (client, context) => {
      const { request, viewer } = await openRequest(deps, client, actor, requestId, context, { lock: true });
      requireRequester(viewer);
      if (request.patientId === null) {
        throw new TransferConflictError('no-patient-record', {
          ja: 'この依頼は共有記録の患者を指していないため、記録の写真・文書を添付できません。',
          en: 'This request names no patient of the shared record, so no record photo or document can be attached.',
        });
      }
      if (request.status === 'cancelled') {
        throw new TransferConflictError('request-cancelled', {
          ja: '取り消した依頼には添付できません。',
          en: 'A cancelled request takes no attachments.',
        });
      }
      const ids = [...new Set(attachmentIds)];
      if (ids.length === 0) {
        throw new TransferConflictError('nothing-chosen', {
          ja: '添付する写真・文書を選んでください。',
          en: 'Choose the photos or documents to attach.',
        });
      }
      const patientOnes = new Set((await attachmentsOfPatient(client, request.patientId)).map((a) => a.id));
      if (!ids.every((id) => patientOnes.has(id))) {
        throw new TransferNotFoundError({
          ja: 'この患者の記録の写真・文書が見つかりません。',
          en: 'No such photo or document in this patient’s record.',
        });
      }
      const { rowCount } = await client.query(
        `INSERT INTO transfer_request_attachments (request_id, attachment_id, added_by)
       SELECT $1, unnest($2::uuid[]), $3 ON CONFLICT DO NOTHING`,
        [request.id, ids, actor.id],
      );
      Object.assign(context.details, { attachmentIds: ids.join(','), attached: rowCount ?? 0 });
      return rowCount ?? 0;
    },
  );
}

/** One page of an attachment of the request, for a viewer who may see it; audited as a read of the patient. */
export async function viewTransferAttachment(
  deps: TransferDeps,
  actor: TransferActor,
  requestId: string,
  attachmentId: string,
  page: number,
): Promise<AttachmentPicture> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.attachment.view', details: { attachmentId: attachmentId.slice(0, 100), page } },
    async (client, context) => {
      const { request, viewer } = await openRequest(deps, client, actor, requestId, context);
      const { shown } = await requestAttachmentsFor(client, request, viewer, actor.organisation);
      if (!shown.some((attachment) => attachment.id === attachmentId)) {
        throw new TransferNotFoundError({
          ja: '写真・文書が見つかりません。',
          en: 'No such photo or document.',
        });
      }
      return attachmentPicture(client, attachmentId, page);
    },
  );
}
