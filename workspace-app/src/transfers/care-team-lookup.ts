import type { Practitioner } from '@hcw/common';

/**
 * Answers whether a practitioner is on a patient's care team (ケアチーム). The care teams live in the
 * shared patient record; the transfer search only asks this one question, so that the record can
 * change its tables without the transfer search noticing.
 */
export interface CareTeamLookup {
  isOnCareTeam(practitioner: Pick<Practitioner, 'id' | 'organisation'>, patientId: string): Promise<boolean>;
}

/** Until the patient record is wired in, nobody is on any care team: the safe answer. */
export const noCareTeamLookup: CareTeamLookup = {
  isOnCareTeam: async () => false,
};
