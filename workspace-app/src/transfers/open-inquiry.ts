import type pg from 'pg';
import type { AuditContext } from './transfer-audit.js';
import { requireRequester, viewerOfRequest, type RequestViewer } from './transfer-access.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { TransferAccessDeniedError, TransferNotFoundError } from './transfer-errors.js';
import { isTransferId, openRequest } from './open-request.js';
import { transferStore, type StoredInquiry, type StoredRequest } from './transfer-store.js';

export interface OpenedInquiry {
  inquiry: StoredInquiry;
  request: StoredRequest;
  /** All inquiries of the request (the opened one included), unlocked. */
  inquiries: StoredInquiry[];
  viewer: RequestViewer;
}

export const inquiryNotFound = () =>
  new TransferNotFoundError({ ja: '問い合わせが見つかりません。', en: 'No such inquiry.' });

/**
 * Loads an inquiry with its request and decides how the actor is involved. With `lock`, only the
 * inquiry's row is locked: a change that needs the request locked too goes through openRequest, which
 * locks the request first, so no two changes ever wait on each other in a circle.
 */
export async function openInquiry(
  deps: TransferDeps,
  client: pg.PoolClient,
  actor: TransferActor,
  inquiryId: string,
  context: AuditContext,
  options: { lock?: boolean } = {},
): Promise<OpenedInquiry> {
  context.details.inquiryId = inquiryId.slice(0, 100);
  if (!isTransferId(inquiryId)) throw inquiryNotFound();
  const inquiry = await transferStore.inquiry(client, inquiryId, options);
  if (!inquiry) throw inquiryNotFound();
  const request = await transferStore.request(client, inquiry.requestId);
  if (!request) throw inquiryNotFound();
  context.patientId = request.patientId;
  context.details.requestId = request.id;
  const inquiries = await transferStore.inquiriesOfRequest(client, request.id);
  const viewer = await viewerOfRequest(deps.careTeam, actor, request, inquiries);
  context.details.viewer = viewer.kind;
  // A hospital asked about this request may still not look at another hospital's inquiry.
  if (viewer.kind === 'asked-hospital' && !viewer.hospitalIds.has(inquiry.hospitalId)) {
    throw new TransferAccessDeniedError('not-an-asked-hospital');
  }
  return { inquiry, request, inquiries, viewer };
}

/**
 * For the requester's own changes to one inquiry (confirm, withdraw): the inquiry's request is opened and
 * locked first, with all its inquiries, so the change sees them as they are; only the requester may go on.
 */
export async function openInquiryForRequester(
  deps: TransferDeps,
  client: pg.PoolClient,
  actor: TransferActor,
  inquiryId: string,
  context: AuditContext,
): Promise<OpenedInquiry> {
  context.details.inquiryId = inquiryId.slice(0, 100);
  if (!isTransferId(inquiryId)) throw inquiryNotFound();
  const found = await transferStore.inquiry(client, inquiryId);
  if (!found) throw inquiryNotFound();
  const { request, inquiries, viewer } = await openRequest(deps, client, actor, found.requestId, context, {
    lock: true,
  });
  requireRequester(viewer);
  const inquiry = inquiries.find((candidate) => candidate.id === inquiryId);
  if (!inquiry) throw inquiryNotFound();
  return { inquiry, request, inquiries, viewer };
}
