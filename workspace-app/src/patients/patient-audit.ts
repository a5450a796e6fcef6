import type pg from 'pg';
import {
  auditedOperation as audited,
  type AuditDetails,
  type AuditEventType,
  type AuditTrail,
  HttpError,
  type OperationContext,
  type RefusalRecord,
} from '@hcw/common';
import type { NotifyPractitioners } from '../timeline/portal-notification.js';
import { EditConflictError } from './edit-conflict-error.js';
import { isUuid, PatientAccessDeniedError } from './patient-access.js';
import type { ThreadVendor } from './patient-thread.js';
import type { PatientActor } from './patient-actor.js';

export type { AuditDetails, OperationContext };

/** What the patient-data code needs from the outside world; main.ts passes the real ones in. */
export interface PatientDeps {
  pool: pg.Pool;
  auditTrail: AuditTrail;
  /** Puts portal notifications into practitioners' timelines, inside the caller's transaction. */
  notify: NotifyPractitioners;
  /** Vendors that take the thread's posts (patient-thread.ts); none when left out. */
  threadVendors?: readonly ThreadVendor[];
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

/**
 * Files a refused operation on patient data: a patient the actor may not name is not filed under (the id may
 * be a mistyped one of another patient); a well-formed id stays in the details, for an auditor looking into
 * who tried which patient.
 */
const patientRefusal: RefusalRecord = (error, context) => {
  const isUnavailable = error instanceof PatientAccessDeniedError && error.isPatientUnavailable;
  const asked = context.patientId;
  return {
    patientId: isUnavailable ? null : asked,
    details: {
      ...context.details,
      ...failureDetails(error),
      ...(isUnavailable && asked !== null ? { requestedPatientId: isUuid(asked) ? asked : null } : {}),
    },
  };
};

/** One read or write of patient data, audited with its outcome (the common audited operation). */
export function auditedOperation<T>(
  deps: PatientDeps,
  actor: PatientActor,
  operation: { type: AuditEventType; patientId: string | null; details?: AuditDetails },
  work: (client: pg.PoolClient, context: OperationContext) => Promise<T>,
): Promise<T> {
  return audited(deps, actor, { ...operation, refusal: patientRefusal }, work);
}
