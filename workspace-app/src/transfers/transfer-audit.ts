import type pg from 'pg';
import { TransferAccessDeniedError, TransferConflictError, TransferInputError } from './transfer-errors.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { type AuditEventType, HttpError, withConnection, withTransaction } from '@hcw/common';

export type AuditDetails = Record<string, string | number | boolean | null>;

/** What one operation learns while it runs: the patient (from the request it loads) and details. */
export interface AuditContext {
  patientId: string | null;
  details: AuditDetails;
}

/** What an auditor learns about a refusal: which rule refused, never the data involved. */
function refusalOf(error: unknown): AuditDetails {
  if (error instanceof TransferAccessDeniedError) return { refusal: 'forbidden', denial: error.reason };
  if (error instanceof TransferConflictError) return { refusal: 'conflict', rule: error.rule };
  if (error instanceof TransferInputError) return { refusal: 'invalid-input', issues: error.issues.length };
  if (error instanceof HttpError) return { refusal: error.constructor.name, status: error.status };
  return { refusal: 'error' };
}

/**
 * Runs one read or change of transfer data in one transaction and records it in the audit trail with
 * its outcome, refusals included. The record is written after the transaction ends, before the result
 * is handed back: the trail takes a connection of its own, and holding two per operation would let a
 * busy pool wait on itself.
 */
export async function auditedTransferOperation<T>(
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
  const context: AuditContext = { patientId: null, details: { ...operation.details } };
  const record = (outcome: 'success' | 'failure', details: AuditDetails) =>
    deps.auditTrail.record({
      type: operation.type,
      outcome,
      actorId: actor.id,
      actorOrganisation: actor.organisation,
      clientAddress: actor.clientAddress,
      patientId: context.patientId?.slice(0, 200),
      details,
    });
  let result: T;
  try {
    result = operation.isReadOnly
      ? await withConnection(deps.pool, (client) => work(client, context))
      : await withTransaction(deps.pool, (client) => work(client, context));
  } catch (error) {
    await record('failure', { ...context.details, ...refusalOf(error) });
    throw error;
  }
  await record('success', context.details);
  return result;
}
