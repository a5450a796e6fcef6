import type pg from 'pg';
import type { Practitioner } from '@hcw/common';
import { activeMemberships, membershipCovers } from './patient-access.js';

/**
 * The one question other parts of the portal (the transfer search) ask the record: is this practitioner
 * on this patient's care team right now? Read afresh each time, so leaving a team counts at once.
 */
export function patientCareTeamLookup(pool: pg.Pool): {
  isOnCareTeam(practitioner: Pick<Practitioner, 'id' | 'organisation'>, patientId: string): Promise<boolean>;
} {
  return {
    async isOnCareTeam(practitioner, patientId) {
      const memberships = await activeMemberships(pool, patientId);
      return memberships.some((membership) => membershipCovers(membership, practitioner));
    },
  };
}
