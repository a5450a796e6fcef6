import type pg from 'pg';
import { TransferAccessDeniedError, TransferConflictError, TransferInputError } from './transfer-errors.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import {
  auditedOperation,
  type AuditDetails,
  type AuditEventType,
  HttpError,
  type OperationContext,
  type RefusalRecord,
} from '@hcw/common';

export type { AuditDetails };

/** What one operation learns while it runs: the patient (from the request it loads) and details. */
export type AuditContext = OperationContext;

/** What an auditor learns about a refusal: which rule refused, never the data involved. */
function refusalOf(error: unknown): AuditDetails {
  if (error instanceof TransferAccessDeniedError) return { refusal: 'forbidden', denial: error.reason };
  if (error instanceof TransferConflictError) return { refusal: 'conflict', rule: error.rule };
  if (error instanceof TransferInputError) return { refusal: 'invalid-input', issues: error.issues.length };
  if (error instanceof HttpError) return { refusal: error.constructor.name, status: error.status };
  return { refusal: 'error' };
}

/** Files a refused operation on transfer data under the patient it concerns, with the rule that refused. */
const transferRefusal: RefusalRecord = (error, context) => ({
  patientId: context.patientId,
  details: { ...context.details, ...refusalOf(error) },
});

/** One read or change of transfer data, audited with its outcome (the common audited operation). */
export function auditedTransferOperation<T>(
  deps: TransferDeps,
  actor: TransferActor,
  operation: {
    type: AuditEventType;
    details?: AuditDetails;
    /** A read that needs no transaction: it runs on one connection without BEGIN and COMMIT. */
    isReadOnly?: boolean;
  },
  work: (client: pg.PoolClient, context: AuditContext) => Promise<T>,
): Promise<T> {
  return auditedOperation(deps, actor, { ...operation, refusal: transferRefusal }, work);
}
