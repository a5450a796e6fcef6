import type { Practitioner } from '@hcw/common';
import type pg from 'pg';
import type { AgeBand, DementiaLevel, IndependenceLevel, PatientSex, Procedure } from './care-codes.js';

/**
 * Where a practitioner stands towards a patient of the shared record: on the care team, or not, and if
 * not, why (a patient who does not exist, an id that cannot be one). Only the auditor learns the why.
 */
export type CareTeamStanding =
  'on-care-team' | 'not-on-care-team' | 'no-such-patient' | 'malformed-patient-id';

/**
 * Answers whether a practitioner is on a patient's care team (ケアチーム). The care teams live in the
 * shared patient record; the transfer search only asks this, so that the record can change its tables
 * without the transfer search noticing.
 */
export interface CareTeamLookup {
  isOnCareTeam(practitioner: Pick<Practitioner, 'id' | 'organisation'>, patientId: string): Promise<boolean>;
  standing(
    practitioner: Pick<Practitioner, 'id' | 'organisation' | 'roles'>,
    patientId: string,
  ): Promise<CareTeamStanding>;
  /** For the new-request form: the record's answers, read (and audited) as this practitioner. */
  needsFromRecord?(practitioner: Practitioner, patientId: string): Promise<RecordedNeeds | null>;
  /**
   * Called inside a confirmation's transaction, with its client: the accepting hospital joins the patient's
   * care team (invited, when the patient's consent covers it). The answer is kept in the audit record.
   */
  welcomeAcceptingHospital?(
    client: pg.PoolClient,
    welcome: { patientId: string; organisation: string; transferRequestId: string; by: Practitioner },
  ): Promise<AcceptingHospitalWelcome>;
}

export type AcceptingHospitalWelcome = 'invited' | 'already-on-team' | 'no-consent';

/**
 * What the shared record already knows of what a transfer request asks, as the asking practitioner may
 * read it (DATA-1 applied by the record: a 未提供 diagnosis of another organisation never comes). Parts
 * the record does not know are left out.
 */
export interface RecordedNeeds {
  sex?: PatientSex;
  ageBand?: AgeBand;
  mainDiagnosis?: { name: string; icd10?: string; isNotToldToPatient: boolean; isNotShared: boolean };
  proceduresNeeded: Procedure[];
  independenceLevel?: IndependenceLevel;
  dementiaLevel?: DementiaLevel;
}

/** Until the patient record is wired in, nobody is on any care team: the safe answer. */
export const noCareTeamLookup: CareTeamLookup = {
  isOnCareTeam: async () => false,
  standing: async () => 'not-on-care-team',
};
