import { hasRole, type TransferActor, type TransferDeps } from './transfer-deps.js';
import { auditedTransferOperation } from './transfer-audit.js';
import { hospitalStore } from './hospital-store.js';
import { requestAsSeenBy } from './main-diagnosis-for.js';
import { transferStore, type StoredInquiry, type StoredRequest } from './transfer-store.js';

export interface ListedTransfers {
  /** The requests of the MSW's organisation, newest first. */
  requests: StoredRequest[];
  /** For a bed manager: the inquiries to their hospital, most recently changed first. */
  inquiries: { inquiry: StoredInquiry; request: StoredRequest }[];
  hospital: { id: string; name: string } | null;
}

/** What lands on the transfer start page: one's own requests, or the inquiries to one's hospital. */
export async function listTransfers(deps: TransferDeps, actor: TransferActor): Promise<ListedTransfers> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.list', isReadOnly: true },
    async (client, context) => {
      const overview: ListedTransfers = { requests: [], inquiries: [], hospital: null };
      if (hasRole(actor, 'msw')) {
        overview.requests = await transferStore.requestsOfOrganisation(client, actor.organisation);
      }
      if (hasRole(actor, 'bed-manager')) {
        const hospital = await hospitalStore.ofOrganisation(client, actor.organisation);
        if (hospital) {
          overview.hospital = { id: hospital.id, name: hospital.name };
          overview.inquiries = (await transferStore.inquiriesOfHospital(client, hospital.id)).map(
            ({ inquiry, request }) => ({ inquiry, request: requestAsSeenBy(request, actor.organisation) }),
          );
        }
      }
      context.details.requests = overview.requests.length;
      context.details.inquiries = overview.inquiries.length;
      return overview;
    },
  );
}
