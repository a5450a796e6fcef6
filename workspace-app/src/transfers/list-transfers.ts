import { hasRole, type TransferActor, type TransferDeps } from './transfer-deps.js';
import { auditedTransferOperation } from './transfer-audit.js';
import { hospitalStore } from './hospital-store.js';
import { requestAsSeenBy } from './main-diagnosis-for.js';
import { transferStore, type StoredInquiry, type StoredRequest } from './transfer-store.js';

/** How long requests took to find a bed: from the request to the hospital confirmed, in days. */
export interface DaysToBed {
  confirmed: number;
  /** Null while none is confirmed. */
  averageDays: number | null;
  longestDays: number | null;
}

export interface ListedTransfers {
  /** The requests of the MSW's organisation (a home doctor's or nurse's: its back-up beds), newest first. */
  requests: StoredRequest[];
  daysToBed: DaysToBed;
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
      const overview: ListedTransfers = {
        requests: [],
        daysToBed: daysToBed([]),
        inquiries: [],
        hospital: null,
      };
      if (hasRole(actor, 'msw')) {
        overview.requests = await transferStore.requestsOfOrganisation(client, actor.organisation);
      } else if (actor.roles.includes('practitioner')) {
        overview.requests = (await transferStore.requestsOfOrganisation(client, actor.organisation)).filter(
          (request) => request.purpose === 'backup-bed',
        );
      }
      overview.daysToBed = daysToBed(overview.requests);
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

const DAY_MS = 86_400_000;

/** Days from each confirmed request's creation to its confirmation, one decimal. */
export function daysToBed(requests: readonly StoredRequest[]): DaysToBed {
  const days = requests
    .filter((request) => request.status === 'confirmed' && request.closedAt !== null)
    .map((request) => (Date.parse(request.closedAt!) - Date.parse(request.createdAt)) / DAY_MS);
  if (days.length === 0) return { confirmed: 0, averageDays: null, longestDays: null };
  const oneDecimal = (value: number) => Math.round(value * 10) / 10;
  return {
    confirmed: days.length,
    averageDays: oneDecimal(days.reduce((sum, value) => sum + value, 0) / days.length),
    longestDays: oneDecimal(Math.max(...days)),
  };
}
