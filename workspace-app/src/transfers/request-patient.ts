import { requireRequestMaker } from './transfer-access.js';
import type { RequestPurpose } from './transfer-store.js';
import { auditedTransferOperation, type AuditContext } from './transfer-audit.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { TransferAccessDeniedError } from './transfer-errors.js';

/** One answer for every patient a requester may not name, so patient ids cannot be probed. */
export const patientNotAvailable = {
  ja: 'この患者IDの患者は見つからないか、あなたはこの患者のケアチームに参加していません。患者IDをご確認ください。',
  en: 'No patient with this ID is on a care team you belong to. Please check the patient ID.',
};

export function isPatientRefusal(error: unknown): error is TransferAccessDeniedError {
  return (
    error instanceof TransferAccessDeniedError &&
    ['not-on-care-team', 'no-such-patient', 'malformed-patient-id'].includes(error.reason)
  );
}

/**
 * A transfer request may name only a patient of the shared record whose care team the requester is on:
 * the patient's care team follows the request (key person and telephone included), so a mistyped id would
 * show it to another patient's team. Refused before the patient is put into the audit context, so the
 * refusal is recorded under the requester and not filed under whatever patient the id happened to name.
 */
export async function requirePatientForRequest(
  deps: TransferDeps,
  actor: TransferActor,
  patientId: string,
  context: AuditContext,
): Promise<void> {
  const standing = await deps.careTeam.standing(actor, patientId);
  if (standing === 'on-care-team') {
    context.patientId = patientId;
    return;
  }
  if (standing !== 'malformed-patient-id') context.details.requestedPatientId = patientId.slice(0, 200);
  throw new TransferAccessDeniedError(standing, patientNotAvailable);
}

/**
 * The new-request form filled in with a patient (the patient record links to it): only for a patient the
 * MSW could name in the request, checked and audited the same way.
 */
export async function openNewRequestFor(
  deps: TransferDeps,
  actor: TransferActor,
  patientId: string,
  purpose: RequestPurpose = 'transfer',
): Promise<void> {
  await auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.request.form', isReadOnly: true },
    async (_client, context) => {
      requireRequestMaker(actor, purpose);
      await requirePatientForRequest(deps, actor, patientId, context);
    },
  );
}
