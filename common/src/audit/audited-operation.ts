import type pg from 'pg';
import { withConnection, withTransaction } from '../db/with-transaction.js';
import type { AuditEventType } from './audit-event-types.js';
import type { AuditDetails, AuditTrail } from './audit-trail.js';

/** Who does the operation, as the audit trail names them. */
export interface AuditedActor {
  id: string;
  organisation: string;
  clientAddress?: string;
}

/** What one operation learns while it runs: the patient (from what it loads) and details for the record. */
export interface OperationContext {
  patientId: string | null;
  /** A read across patients (a list, a calendar): one audit event for each patient it showed. */
  patientIds?: string[];
  details: AuditDetails;
}

/** How a feature files a refusal: under which patient, and what an auditor learns (never the data). */
export type RefusalRecord = (
  error: unknown,
  context: OperationContext,
) => {
  patientId: string | null;
  details: AuditDetails;
};

/**
 * Runs one read or change of patient data in one transaction (or on one connection, for a read that needs
 * none) and records it in the audit trail with its outcome, refusals included, before the result is handed
 * back: no patient data leaves without its record (LOG-1). The record is written after the transaction ends
 * because the trail takes a connection of its own, and holding two per operation would let a busy pool wait
 * on itself.
 */
export async function auditedOperation<T>(
  deps: { pool: pg.Pool; auditTrail: AuditTrail },
  actor: AuditedActor,
  operation: {
    type: AuditEventType;
    patientId?: string | null;
    details?: AuditDetails;
    isReadOnly?: boolean;
    refusal: RefusalRecord;
  },
  work: (client: pg.PoolClient, context: OperationContext) => Promise<T>,
): Promise<T> {
  const context: OperationContext = {
    patientId: operation.patientId ?? null,
    details: { ...operation.details },
  };
  const eventOf = (patientId: string | null, outcome: 'success' | 'failure', details: AuditDetails) => ({
    type: operation.type,
    outcome,
    actorId: actor.id,
    actorOrganisation: actor.organisation,
    clientAddress: actor.clientAddress,
    patientId: patientId?.slice(0, 200),
    details,
  });
  let result: T;
  try {
    result = operation.isReadOnly
      ? await withConnection(deps.pool, (client) => work(client, context))
      : await withTransaction(deps.pool, (client) => work(client, context));
  } catch (error) {
    const refused = operation.refusal(error, context);
    await deps.auditTrail.record(eventOf(refused.patientId, 'failure', refused.details));
    throw error;
  }
  const patients = context.patientIds?.length ? [...new Set(context.patientIds)] : [context.patientId];
  await deps.auditTrail.recordAll(
    patients.map((patientId) => eventOf(patientId, 'success', context.details)),
  );
  return result;
}
