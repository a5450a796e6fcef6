import type pg from 'pg';
import type { AuditContext } from './transfer-audit.js';
import { viewerOfRequest, type RequestViewer } from './transfer-access.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { TransferNotFoundError } from './transfer-errors.js';
import { transferStore, type StoredInquiry, type StoredRequest } from './transfer-store.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isTransferId(id: string): boolean {
  return uuidPattern.test(id);
}

export const requestNotFound = () =>
  new TransferNotFoundError({ ja: '転院依頼が見つかりません。', en: 'No such transfer request.' });

export interface OpenedRequest {
  request: StoredRequest;
  /** Every inquiry of the request; show a viewer only visibleInquiries(viewer, inquiries). */
  inquiries: StoredInquiry[];
  viewer: RequestViewer;
}

/**
 * Loads a request and its inquiries and decides how the actor is involved, refusing anyone who is
 * not. The patient becomes known to the audit record as soon as the request is loaded, so a refusal
 * is recorded against the patient whose data was asked for. With `lock`, the request and its
 * inquiries stay locked (in that order, the one order every change uses) until the transaction ends.
 */
export async function openRequest(
  deps: TransferDeps,
  client: pg.PoolClient,
  actor: TransferActor,
  requestId: string,
  context: AuditContext,
  options: { lock?: boolean } = {},
): Promise<OpenedRequest> {
  context.details.requestId = requestId.slice(0, 100);
  if (!isTransferId(requestId)) throw requestNotFound();
  const request = await transferStore.request(client, requestId, options);
  if (!request) throw requestNotFound();
  context.patientId = request.patientId;
  const inquiries = await transferStore.inquiriesOfRequest(client, requestId, options);
  const viewer = await viewerOfRequest(deps.careTeam, actor, request, inquiries);
  context.details.viewer = viewer.kind;
  return { request, inquiries, viewer };
}
