import { currentWhereabouts, type Whereabouts } from './whereabouts.js';
import {
  coversInSql,
  hasCareRole,
  membershipFromRow,
  membershipCovers,
  PatientAccessDeniedError,
  type TeamRole,
} from './patient-access.js';
import { kanaOf, missingBasics } from './known-basics.js';
import type { PatientActor } from './patient-actor.js';
import { auditedOperation, type PatientDeps } from './patient-audit.js';
import { patientDisplayName } from './patient-record.js';
import type { PatientBasics } from './standard-items.js';

export interface PatientListEntry {
  patientId: string;
  name: string;
  /** Empty when not known yet. */
  kana: string;
  sex: PatientBasics['sex'];
  birthDate: string | null;
  municipality: string | null;
  /** How many parts of the basics are still unknown (shown as incomplete). */
  missingCount: number;
  role: TeamRole;
  nextVisitAt: string | null;
  /** Where the patient is now; null when nothing was recorded (at home). */
  whereabouts: Whereabouts | null;
}

const strength: Record<TeamRole, number> = { reader: 1, editor: 2, owner: 3 };

/** The patients on whose care teams the practitioner is, by kana. Each patient shown is audited. */
export async function listPatients(deps: PatientDeps, actor: PatientActor): Promise<PatientListEntry[]> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.list.read', patientId: null },
    async (client, context) => {
      if (!hasCareRole(actor)) throw new PatientAccessDeniedError('no-care-role', 'read');
      const { rows } = await client.query<{
        patient_id: string;
        id: string;
        kind: 'organisation' | 'individual';
        organisation: string;
        practitioner_id: string | null;
        designated_staff: string[];
        role: TeamRole;
        basics: PatientBasics;
        next_visit_at: Date | null;
      }>(
        `SELECT m.patient_id, m.id, m.kind, m.organisation, m.practitioner_id, m.designated_staff, m.role,
              b.data AS basics,
              (SELECT min(v.starts_at) FROM scheduled_visits v
                WHERE v.patient_id = m.patient_id AND v.status = 'planned' AND v.ends_at > now()) AS next_visit_at
         FROM care_team_members m
         JOIN patient_items b ON b.patient_id = m.patient_id AND b.kind = 'basics' AND NOT b.is_removed
        WHERE ${coversInSql('m', 1, 2)}`,
        [actor.id, actor.organisation],
      );
      const byPatient = new Map<string, PatientListEntry>();
      for (const row of rows) {
        if (!membershipCovers(membershipFromRow(row), actor)) continue;
        const known = byPatient.get(row.patient_id);
        if (known && strength[known.role] >= strength[row.role]) continue;
        byPatient.set(row.patient_id, {
          patientId: row.patient_id,
          name: patientDisplayName(row.basics.name),
          kana: kanaOf(row.basics.name),
          sex: row.basics.sex,
          birthDate: row.basics.birthDate ?? null,
          municipality: row.basics.address?.municipality ?? null,
          missingCount: missingBasics(row.basics).length,
          role: row.role,
          nextVisitAt: row.next_visit_at?.toISOString() ?? null,
          whereabouts: null,
        });
      }
      const places = await currentWhereabouts(client, [...byPatient.keys()]);
      for (const entry of byPatient.values()) entry.whereabouts = places.get(entry.patientId) ?? null;
      const entries = [...byPatient.values()].sort((a, b) =>
        (a.kana || a.name).localeCompare(b.kana || b.name, 'ja'),
      );
      context.patientIds = entries.map((entry) => entry.patientId);
      context.details.count = entries.length;
      return entries;
    },
  );
}
