import type { DeviceUpload, UploadMediaType } from '@hcw/common';
import { HttpError } from '@hcw/common';
import type pg from 'pg';
import { requirePatientAccess } from '../patients/patient-access.js';
import type { PatientActor } from '../patients/patient-actor.js';
import { auditedOperation, type PatientDeps } from '../patients/patient-audit.js';
import { patientNames } from '../patients/patient-record.js';
import { RecordNotFoundError } from '../patients/record-not-found-error.js';
import { MAX_SHOWN_PAGES, pdfPageCount, pdfPagePng } from './pdf-pages.js';

/**
 * Photos and documents in the workspace. They arrive from a practitioner's own device through the broker
 * (「写真を送る」: checked, stripped of location, scanned) and wait among what that practitioner has received,
 * seen by nobody else, until they file them with a patient: on the patient's record, or with a post of the
 * patient's thread. Filed, an attachment follows the patient's care team like the rest of the record. They
 * are shown inside the desktop only, as pictures (a PDF page by page), and never offered for download.
 */
export interface Attachment {
  id: string;
  mediaType: UploadMediaType;
  byteSize: number;
  /** Pages to show: 1 for a photo; a PDF's page count (0 when it cannot be read). */
  pages: number;
  receivedAt: string;
  ownerId: string;
  /** Set once filed. */
  patientId: string | null;
  postId: string | null;
  filedBy: string | null;
  filedAt: string | null;
}

interface AttachmentRow {
  id: string;
  media_type: UploadMediaType;
  byte_size: number;
  page_count: number;
  received_at: Date;
  owner_id: string;
  patient_id: string | null;
  post_id: string | null;
  filed_by: string | null;
  filed_at: Date | null;
}

const COLUMNS =
  'id, media_type, byte_size, page_count, received_at, owner_id, patient_id, post_id, filed_by, filed_at';

function attachmentOf(row: AttachmentRow): Attachment {
  return {
    id: row.id,
    mediaType: row.media_type,
    byteSize: row.byte_size,
    pages: Math.min(row.page_count, MAX_SHOWN_PAGES),
    receivedAt: row.received_at.toISOString(),
    ownerId: row.owner_id,
    patientId: row.patient_id,
    postId: row.post_id,
    filedBy: row.filed_by,
    filedAt: row.filed_at?.toISOString() ?? null,
  };
}

/** At most this many files wait unfiled per practitioner; more are refused until some are filed or discarded. */
export const MAX_UNFILED = 50;

/**
 * Keeps a file the broker hands over, once: the device names each file, so sending it again after a lost
 * answer finds the first copy (`duplicate`). A name already used by someone else is refused.
 */
export async function receiveUpload(
  pool: pg.Pool,
  upload: DeviceUpload,
  content: Buffer,
): Promise<{ id: string; duplicate: boolean }> {
  const pages = upload.mediaType === 'application/pdf' ? await pdfPageCount(content) : 1;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // One practitioner's uploads one at a time, so the limit below holds under concurrent sends.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`uploads:${upload.practitioner.id}`]);
    const existing = await client.query<{ owner_id: string }>(
      'SELECT owner_id FROM attachments WHERE id = $1',
      [upload.id],
    );
    if (existing.rows[0]) {
      // Sent again after a lost answer: the first copy stands. The same id from someone else is refused.
      if (existing.rows[0].owner_id !== upload.practitioner.id) {
        throw new HttpError(409, 'この識別子は使われています。', 'This upload id is taken.');
      }
      await client.query('COMMIT');
      return { id: upload.id, duplicate: true };
    }
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM attachments WHERE owner_id = $1 AND patient_id IS NULL`,
      [upload.practitioner.id],
    );
    if ((rows[0]?.n ?? 0) >= MAX_UNFILED) {
      throw new HttpError(
        429,
        `未整理のファイルが ${MAX_UNFILED} 件あります。デスクトップで添付するか破棄してから送ってください。`,
        `You have ${MAX_UNFILED} files not yet filed. Attach or discard some inside the desktop first.`,
      );
    }
    await client.query(
      `INSERT INTO attachments (id, owner_id, media_type, content, byte_size, sha256, scanned_by, metadata_removed,
         page_count)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        upload.id,
        upload.practitioner.id,
        upload.mediaType,
        content,
        content.length,
        upload.sha256,
        upload.scannedBy,
        upload.metadataRemoved,
        pages,
      ],
    );
    await client.query('COMMIT');
    return { id: upload.id, duplicate: false };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The files the practitioner sent from their device and has not filed yet, newest first. */
export async function unfiledOf(client: pg.ClientBase, ownerId: string): Promise<Attachment[]> {
  const { rows } = await client.query<AttachmentRow>(
    `SELECT ${COLUMNS} FROM attachments WHERE owner_id = $1 AND patient_id IS NULL
      ORDER BY received_at DESC, id LIMIT ${MAX_UNFILED}`,
    [ownerId],
  );
  return rows.map(attachmentOf);
}

/** The attachments filed with the patient (all, or those of the posts named), oldest first. */
export async function attachmentsOfPatient(
  client: pg.ClientBase,
  patientId: string,
  postIds?: readonly string[],
): Promise<Attachment[]> {
  const { rows } = await client.query<AttachmentRow>(
    `SELECT ${COLUMNS} FROM attachments WHERE patient_id = $1 AND ($2::uuid[] IS NULL OR post_id = ANY($2::uuid[]))
      ORDER BY filed_at, id LIMIT 500`,
    [patientId, postIds ?? null],
  );
  return rows.map(attachmentOf);
}

/**
 * Files the actor's own unfiled uploads with the patient (and the post, when they come with one), inside the
 * caller's transaction and after its access check. An id that is not the actor's unfiled upload is refused.
 */
export async function fileUploads(
  client: pg.ClientBase,
  actor: PatientActor,
  patientId: string,
  uploadIds: readonly string[],
  postId: string | null,
): Promise<number> {
  const ids = [...new Set(uploadIds)];
  if (ids.length === 0) return 0;
  const { rowCount } = await client.query(
    `UPDATE attachments SET patient_id = $2, post_id = $3, filed_by = $4, filed_at = now()
      WHERE id = ANY($1::uuid[]) AND owner_id = $4 AND patient_id IS NULL`,
    [ids, patientId, postId, actor.id],
  );
  if ((rowCount ?? 0) !== ids.length) {
    throw new RecordNotFoundError({
      ja: '添付しようとした写真・文書（すでに添付済みか破棄済みです）',
      en: 'photo or document to attach (it was attached or discarded already)',
    });
  }
  return ids.length;
}

/** Files uploads on the patient's record itself (not with a post): needs the right to write the record. */
export function attachToRecord(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  uploadIds: readonly string[],
): Promise<number> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.attachment.add', patientId },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'write');
      const filed = await fileUploads(client, actor, patientId, uploadIds, null);
      Object.assign(context.details, { attachmentIds: [...new Set(uploadIds)].join(','), filed });
      return filed;
    },
  );
}

/** The photos and documents page of a patient: what is filed, and the actor's unfiled uploads to add. */
export function readPatientAttachments(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
): Promise<{ patientName: string; attachments: Attachment[]; unfiled: Attachment[]; canWrite: boolean }> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.attachment.view', patientId },
    async (client, context) => {
      const { role } = await requirePatientAccess(client, actor, patientId, 'read');
      const attachments = await attachmentsOfPatient(client, patientId);
      context.details.attachments = attachments.length;
      return {
        canWrite: role !== 'reader',
        patientName: (await patientNames(client, [patientId])).get(patientId)?.name ?? '',
        attachments,
        unfiled: await unfiledOf(client, actor.id),
      };
    },
  );
}

export interface AttachmentPicture {
  mediaType: 'image/jpeg' | 'image/png';
  content: Buffer;
}

/** One page of an attachment as a picture, for a caller that has decided the reader may see it. */
export async function attachmentPicture(
  client: pg.ClientBase,
  id: string,
  page: number,
): Promise<AttachmentPicture> {
  // The file itself is read only when it is what is shown (a photo) or a PDF page not drawn yet.
  const { rows } = await client.query<{
    media_type: UploadMediaType;
    page_count: number;
    drawn: Buffer | null;
    content: Buffer | null;
  }>(
    `SELECT a.media_type, a.page_count, p.png AS drawn,
            CASE WHEN p.png IS NULL THEN a.content END AS content
       FROM attachments a LEFT JOIN attachment_pages p ON p.attachment_id = a.id AND p.page = $2
      WHERE a.id = $1`,
    [id, page],
  );
  const row = rows[0];
  if (!row || page < 1 || page > Math.min(row.page_count, MAX_SHOWN_PAGES)) {
    throw new RecordNotFoundError({ ja: '写真・文書のページ', en: 'page of the photo or document' });
  }
  if (row.media_type !== 'application/pdf') return { mediaType: row.media_type, content: row.content! };
  if (row.drawn) return { mediaType: 'image/png', content: row.drawn };
  const png = await pdfPagePng(row.content!, page);
  await client.query(
    `INSERT INTO attachment_pages (attachment_id, page, png) VALUES ($1, $2, $3)
     ON CONFLICT (attachment_id, page) DO NOTHING`,
    [id, page, png],
  );
  return { mediaType: 'image/png', content: png };
}

/** One page of a patient's attachment as a picture, for the desktop's browser; audited as a read. */
export function viewPatientAttachment(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  attachmentId: string,
  page: number,
): Promise<AttachmentPicture> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.attachment.view', patientId, details: { attachmentId, page } },
    async (client) => {
      await requirePatientAccess(client, actor, patientId, 'read');
      const { rows } = await client.query('SELECT 1 FROM attachments WHERE id = $1 AND patient_id = $2', [
        attachmentId,
        patientId,
      ]);
      if (rows.length === 0) throw new RecordNotFoundError({ ja: '写真・文書', en: 'photo or document' });
      return attachmentPicture(client, attachmentId, page);
    },
  );
}

/** One page of the actor's own unfiled upload: nobody else sees it before it is filed. */
export function viewUnfiledUpload(
  deps: PatientDeps,
  actor: PatientActor,
  uploadId: string,
  page: number,
): Promise<AttachmentPicture> {
  return auditedOperation(
    deps,
    actor,
    { type: 'device-upload.view', patientId: null, details: { uploadId, page } },
    async (client) => {
      const { rows } = await client.query(
        'SELECT 1 FROM attachments WHERE id = $1 AND owner_id = $2 AND patient_id IS NULL',
        [uploadId, actor.id],
      );
      if (rows.length === 0) throw new RecordNotFoundError({ ja: '届いた写真・文書', en: 'received file' });
      return attachmentPicture(client, uploadId, page);
    },
  );
}

/** Throws away one of the actor's unfiled uploads, for good. */
export function discardUnfiledUpload(
  deps: PatientDeps,
  actor: PatientActor,
  uploadId: string,
): Promise<void> {
  return auditedOperation(
    deps,
    actor,
    { type: 'device-upload.discard', patientId: null, details: { uploadId } },
    async (client) => {
      await client.query('DELETE FROM attachment_pages WHERE attachment_id = $1', [uploadId]);
      const { rowCount } = await client.query(
        'DELETE FROM attachments WHERE id = $1 AND owner_id = $2 AND patient_id IS NULL',
        [uploadId, actor.id],
      );
      if (!rowCount) throw new RecordNotFoundError({ ja: '届いた写真・文書', en: 'received file' });
    },
  );
}
