import { hasCareRole, PatientAccessDeniedError } from './patient-access.js';
import type { PatientActor } from './patient-actor.js';
import { auditedOperation, type PatientDeps } from './patient-audit.js';
import { insertItem } from './record-items.js';
import { parseItem, type ItemData } from './standard-items.js';
import type { StoredItem } from './stored-item.js';

export interface CreatedPatient {
  patientId: string;
  basics: StoredItem<'basics'>;
}

/**
 * Registers a patient with their basics. The practitioner who registers becomes the care team's first
 * owner, as an individual; patient, basics and membership are stored together or not at all.
 */
export async function createPatient(
  deps: PatientDeps,
  actor: PatientActor,
  basicsInput: unknown,
): Promise<CreatedPatient> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.create', patientId: null },
    async (client, context) => {
      if (!hasCareRole(actor)) throw new PatientAccessDeniedError('no-care-role', 'write');
      const basics: ItemData<'basics'> = parseItem('basics', basicsInput);
      const { rows } = await client.query<{ id: string }>(
        'INSERT INTO patients (created_by, created_by_organisation) VALUES ($1, $2) RETURNING id',
        [actor.id, actor.organisation],
      );
      const patientId = rows[0]!.id;
      context.patientId = patientId;
      await client.query(
        `INSERT INTO care_team_members (patient_id, kind, organisation, practitioner_id, role, added_by)
       VALUES ($1, 'individual', $2, $3, 'owner', $3)`,
        [patientId, actor.organisation, actor.id],
      );
      const item = await insertItem(client, actor, patientId, 'basics', basics);
      return { patientId, basics: item };
    },
  );
}
