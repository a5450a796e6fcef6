import { auditedTransferOperation } from './transfer-audit.js';
import { visibleInquiries, type RequestViewer } from './transfer-access.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { openInquiry } from './open-inquiry.js';
import { openRequest } from './open-request.js';
import { requestAsSeenBy } from './main-diagnosis-for.js';
import { requestAttachmentsFor, type RequestAttachments } from './request-attachments.js';
import {
  transferStore,
  type InquiryEvent,
  type StoredInquiry,
  type StoredRequest,
} from './transfer-store.js';

export interface TransferRequestView {
  request: StoredRequest;
  viewer: RequestViewer;
  /** Only those the viewer may see. */
  inquiries: StoredInquiry[];
  /** The history and message threads of those inquiries, oldest first. */
  events: InquiryEvent[];
  /** The reader's organisation as signed in: what DATA-1 lets them see of the diagnosis depends on it. */
  readerOrganisation: string;
  /** Photos and documents sent with the request, as far as this reader may see them. */
  attachments: RequestAttachments;
}

/** A request as the actor may see it, audited as a read of the patient's data. */
export async function readTransferRequest(
  deps: TransferDeps,
  actor: TransferActor,
  requestId: string,
): Promise<TransferRequestView> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.request.read', isReadOnly: true },
    async (client, context) => {
      const { request, inquiries, viewer } = await openRequest(deps, client, actor, requestId, context);
      const visible = visibleInquiries(viewer, inquiries);
      const events = await transferStore.eventsOf(
        client,
        visible.map((inquiry) => inquiry.id),
      );
      return {
        request: requestAsSeenBy(request, actor.organisation),
        viewer,
        inquiries: visible,
        events,
        readerOrganisation: actor.organisation,
        attachments: await requestAttachmentsFor(client, request, viewer, actor.organisation),
      };
    },
  );
}

/** One inquiry with its request, as the actor may see it: what a hospital opens from its notice. */
export async function readTransferInquiry(
  deps: TransferDeps,
  actor: TransferActor,
  inquiryId: string,
): Promise<TransferRequestView & { inquiry: StoredInquiry }> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.inquiry.read', isReadOnly: true },
    async (client, context) => {
      const { inquiry, request, inquiries, viewer } = await openInquiry(
        deps,
        client,
        actor,
        inquiryId,
        context,
      );
      const visible = visibleInquiries(viewer, inquiries);
      const events = await transferStore.eventsOf(client, [inquiry.id]);
      return {
        request: requestAsSeenBy(request, actor.organisation),
        viewer,
        inquiries: visible,
        events,
        inquiry,
        readerOrganisation: actor.organisation,
        attachments: await requestAttachmentsFor(client, request, viewer, actor.organisation),
      };
    },
  );
}
