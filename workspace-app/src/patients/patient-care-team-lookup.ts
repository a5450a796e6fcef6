import type pg from 'pg';
import type { Practitioner } from '@hcw/common';
import { activeMemberships, decidePatientAccess, membershipCovers, refusalReason } from './patient-access.js';

/**
 * The questions other parts of the portal (the transfer search) ask the record: is this practitioner on
 * this patient's care team right now, and if not, why? Read afresh each time, so leaving a team counts at once.
 */
export function patientCareTeamLookup(pool: pg.Pool): {
  isOnCareTeam(practitioner: Pick<Practitioner, 'id' | 'organisation'>, patientId: string): Promise<boolean>;
  standing(
    practitioner: Pick<Practitioner, 'id' | 'organisation' | 'roles'>,
    patientId: string,
  ): Promise<'on-care-team' | 'not-on-care-team' | 'no-such-patient' | 'malformed-patient-id'>;
} {
  return {
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
