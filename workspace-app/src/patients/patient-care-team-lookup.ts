import type pg from 'pg';
import type { AuditTrail, Practitioner } from '@hcw/common';
import type { CareTeamLookup, RecordedNeeds } from '../transfers/care-team-lookup.js';
import type { AgeBand } from '../clinical/daily-living-scales.js';
import { notifyPractitioners } from '../timeline/notify-practitioners.js';
import type { NotifyPractitioners } from '../timeline/portal-notification.js';
import { inviteAcceptingHospital } from './care-team-invitations.js';
import { ageOn } from './patient-page-parts.js';
import { readPatientRecord } from './patient-record.js';
import { activeMemberships, decidePatientAccess, membershipCovers, refusalReason } from './patient-access.js';

/**
 * The questions other parts of the portal (the transfer search) ask the record: is this practitioner on
 * this patient's care team right now, and if not, why? Read afresh each time, so leaving a team counts at once.
 */
export function patientCareTeamLookup(
  pool: pg.Pool,
  auditTrail?: AuditTrail,
  notify: NotifyPractitioners = notifyPractitioners,
): CareTeamLookup {
  return {
    welcomeAcceptingHospital: (client, welcome) => inviteAcceptingHospital(client, notify, welcome),
    ...(auditTrail
      ? {
          needsFromRecord: (practitioner, patientId) =>
            needsFromRecord({ pool, auditTrail }, practitioner, patientId),
        }
      : {}),
    async isOnCareTeam(practitioner, patientId) {
      const memberships = await activeMemberships(pool, patientId);
      return memberships.some((membership) => membershipCovers(membership, practitioner));
    },
    async standing(practitioner, patientId) {
      const decision = decidePatientAccess(practitioner, await activeMemberships(pool, patientId), 'read');
      if (decision.isAllowed) return 'on-care-team';
      const reason = await refusalReason(pool, decision.reason, patientId);
      return reason === 'no-such-patient' || reason === 'malformed-patient-id' ? reason : 'not-on-care-team';
    },
  };
}

const ageBands: readonly [number, AgeBand][] = [
  [95, '95-plus'],
  [85, '85-94'],
  [75, '75-84'],
  [65, '65-74'],
  [40, '40-64'],
  [0, 'under-40'],
];

/**
 * The record's answers to a transfer request's questions, read as the practitioner (audited as a read of
 * the record): sex, age band, the main diagnosis with its DATA-1 flags, procedures and devices (the same
 * list), and both independence scales. Reading never notifies anyone.
 */
async function needsFromRecord(
  deps: { pool: pg.Pool; auditTrail: AuditTrail },
  practitioner: Practitioner,
  patientId: string,
): Promise<RecordedNeeds | null> {
  const record = await readPatientRecord({ ...deps, notify: async () => undefined }, practitioner, patientId);
  const basics = record.basics.data;
  const main = record.lists.diagnosis.find((item) => item.data.isMain);
  const age = basics.birthDate ? ageOn(basics.birthDate) : undefined;
  return {
    ...(basics.sex === 'male' || basics.sex === 'female' ? { sex: basics.sex } : {}),
    ...(age !== undefined ? { ageBand: ageBands.find(([from]) => age >= from)?.[1] } : {}),
    ...(main
      ? {
          mainDiagnosis: {
            name: main.data.name,
            ...(main.data.icd10 ? { icd10: main.data.icd10 } : {}),
            isNotToldToPatient: main.isNotToldToPatient,
            isNotShared: main.isNotShared,
          },
        }
      : {}),
    proceduresNeeded: record.physicalFunction?.data.procedures ?? [],
    ...(basics.adl?.independenceLevel ? { independenceLevel: basics.adl.independenceLevel } : {}),
    ...(basics.cognition?.dementiaLevel ? { dementiaLevel: basics.cognition.dementiaLevel } : {}),
  };
}
