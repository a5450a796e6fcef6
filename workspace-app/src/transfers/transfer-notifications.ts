import { type Bilingual, bilingualMessage } from '@hcw/common';
import type pg from 'pg';
import { ageBandLabels, patientSexLabels } from './care-codes.js';
import { mainDiagnosisFor } from './main-diagnosis-for.js';
import type { NotifyPractitioners } from '../timeline/portal-notification.js';
import type { StoredInquiry, StoredRequest } from './transfer-store.js';

/** The practitioners who manage beds for the hospital: those signed in with its organisation and role. */
async function bedManagersOf(client: pg.PoolClient, organisation: string): Promise<string[]> {
  const result = await client.query<{ id: string }>(
    `SELECT id FROM practitioners WHERE organisation = $1 AND 'bed-manager' = ANY(roles) ORDER BY id`,
    [organisation],
  );
  return result.rows.map((row) => row.id);
}

/** Who is involved on the requesting side: whoever created the request or sent its inquiries. */
function requesterSide(request: StoredRequest, inquiries: readonly StoredInquiry[]): string[] {
  return [...new Set([request.createdBy, ...inquiries.map((inquiry) => inquiry.sentBy)])].sort();
}

const longestTitle = 300;

/** Both languages when they fit the timeline's title, the Japanese alone when not; one line always. */
export function noticeTitle(title: Bilingual): string {
  // eslint-disable-next-line no-control-regex -- a title is one line of text
  const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  const both = oneLine(bilingualMessage(title));
  if (both.length <= longestTitle) return both;
  const ja = oneLine(title.ja);
  return ja.length <= longestTitle ? ja : `${ja.slice(0, longestTitle - 1)}…`;
}

/**
 * What a notice or a list calls the patient for a reader of `readerOrganisation`: needs, never a name,
 * and the main diagnosis only as DATA-1 lets that reader see it.
 */
export function patientSummary(request: StoredRequest, readerOrganisation: string): Bilingual {
  const { details } = request;
  const sex = patientSexLabels[details.patient.sex];
  const age = ageBandLabels[details.patient.ageBand];
  const diagnosis = mainDiagnosisFor(request, readerOrganisation).name;
  return {
    ja: `${diagnosis.ja}・${sex.ja}・${age.ja}`,
    en: `${diagnosis.en}, ${sex.en}, ${age.en}`,
  };
}

export interface TransferNotice {
  /** The inquiry event behind the notice; it makes the notice idempotent. */
  eventId: string;
  kind:
    'transfer-inquiry' | 'transfer-answer' | 'transfer-message' | 'transfer-confirmed' | 'transfer-closed';
  request: StoredRequest;
  inquiry: StoredInquiry;
  title: Bilingual;
  occurredAt: Date;
}

/**
 * Puts a notice in the timelines of the asked hospital's bed managers, inside the caller's transaction
 * (its client), so that it exists exactly when the change does.
 */
export async function notifyHospital(
  notify: NotifyPractitioners,
  client: pg.PoolClient,
  notice: TransferNotice,
): Promise<void> {
  const recipients = await bedManagersOf(client, notice.inquiry.hospitalOrganisation);
  if (recipients.length === 0) return;
  await notify(client, {
    recipients,
    source: 'transfers',
    kind: notice.kind,
    ...(notice.request.patientId ? { patientId: notice.request.patientId } : {}),
    title: noticeTitle(notice.title),
    link: `/transfers/inquiries/${notice.inquiry.id}`,
    occurredAt: notice.occurredAt,
    idempotencyKey: `transfers:event:${notice.eventId}:hospital`,
  });
}

/** Puts a notice in the timelines of the MSWs who created the request or asked the hospital. */
export async function notifyRequester(
  notify: NotifyPractitioners,
  client: pg.PoolClient,
  notice: TransferNotice,
  inquiries: readonly StoredInquiry[],
): Promise<void> {
  const recipients = requesterSide(notice.request, inquiries);
  await notify(client, {
    recipients,
    source: 'transfers',
    kind: notice.kind,
    ...(notice.request.patientId ? { patientId: notice.request.patientId } : {}),
    title: noticeTitle(notice.title),
    link: `/transfers/requests/${notice.request.id}`,
    occurredAt: notice.occurredAt,
    idempotencyKey: `transfers:event:${notice.eventId}:requester`,
  });
}
