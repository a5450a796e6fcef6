import type pg from 'pg';
import {
  type AuditEvent,
  type AuditEventType,
  type AuditTrail,
  HttpError,
  withTransaction,
} from '@hcw/common';
import type { NotifyPractitioners } from '../timeline/portal-notification.js';
import { EditConflictError } from './edit-conflict-error.js';
import { isUuid, PatientAccessDeniedError } from './patient-access.js';
import type { PatientActor } from './patient-actor.js';

export type AuditDetails = Record<string, string | number | boolean | null>;

/** What the patient-data code needs from the outside world; main.ts passes the real ones in. */
export interface PatientDeps {
  pool: pg.Pool;
  auditTrail: AuditTrail;
  /** Puts portal notifications into practitioners' timelines, inside the caller's transaction. */
  notify: NotifyPractitioners;
}

/** One event of the trail about one patient (LOG-1: who, when, which patient, what). */
export async function recordPatientEvent(
  auditTrail: AuditTrail,
  actor: PatientActor,
  event: PatientEventFacts,
): Promise<void> {
  await auditTrail.record(patientAuditEvent(actor, event));
}

interface PatientEventFacts {
  type: AuditEventType;
  patientId: string | null;
  outcome: 'success' | 'failure';
  details?: AuditDetails;
}

function patientAuditEvent(actor: PatientActor, event: PatientEventFacts): AuditEvent {
  return {
    type: event.type,
    outcome: event.outcome,
    actorId: actor.id,
    actorOrganisation: actor.organisation,
    clientAddress: actor.clientAddress,
    patientId: event.patientId?.slice(0, 200),
    details: event.details ?? {},
  };
}

/** What an auditor learns about a refusal: the kind of refusal, never the data involved. */
function failureDetails(error: unknown): AuditDetails {
  if (error instanceof PatientAccessDeniedError) {
    return { refusal: 'forbidden', denial: error.reason, action: error.action };
  }
  if (error instanceof EditConflictError) {
    return {
      refusal: 'version-conflict',
      expectedVersion: error.expectedVersion,
      currentVersion: error.current.version,
    };
  }
  if (error instanceof HttpError) return { refusal: error.constructor.name, status: error.status };
  return { refusal: 'error' };
}

/** Mutable context of one operation: the work may learn the patient (from an invitation) or add details. */
export interface OperationContext {
  patientId: string | null;
  /** A read across patients (a list, a calendar): one audit event for each patient it showed. */
  patientIds?: string[];
  details: AuditDetails;
}

/**
 * Runs one read or write of patient data in its own transaction and records it in the audit trail with
 * its outcome, refusals included. A read is recorded before its result is handed back, so no patient
 * data leaves without its record. The record is written after the transaction ends because AuditTrail
 * takes a connection of its own: holding two per operation would let a busy pool wait on itself.
 */
export async function auditedOperation<T>(
  deps: PatientDeps,
  actor: PatientActor,
  operation: { type: AuditEventType; patientId: string | null; details?: AuditDetails },
  work: (client: pg.PoolClient, context: OperationContext) => Promise<T>,
): Promise<T> {
  const context: OperationContext = { patientId: operation.patientId, details: { ...operation.details } };
  let result: T;
  try {
    result = await withTransaction(deps.pool, (client) => work(client, context));
  } catch (error) {
    // A patient the actor may not name is not filed under: the id may be a mistyped one of another patient.
    // A well-formed id stays in the details, for an auditor looking into who tried which patient.
    const isUnavailable = error instanceof PatientAccessDeniedError && error.isPatientUnavailable;
    const asked = context.patientId;
    await recordPatientEvent(deps.auditTrail, actor, {
      type: operation.type,
      patientId: isUnavailable ? null : asked,
      outcome: 'failure',
      details: {
        ...context.details,
        ...failureDetails(error),
        ...(isUnavailable && asked !== null ? { requestedPatientId: isUuid(asked) ? asked : null } : {}),
      },
    });
    throw error;
  }
  const patients = context.patientIds?.length ? [...new Set(context.patientIds)] : [context.patientId];
  await deps.auditTrail.recordAll(
    patients.map((patientId) =>
      patientAuditEvent(actor, {
        type: operation.type,
        patientId,
        outcome: 'success',
        details: context.details,
      }),
    ),
  );
  return result;
}
