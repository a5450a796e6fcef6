import { type Bilingual } from '@hcw/common';

// DATA-1's two flags, one definition for the record, its documents and transfer requests.
//   未告知 (not told): the patient has not been told. Professionals of the care team see it, labelled;
//     nothing meant for the patient or family carries it.
//   未提供 (not shared): only the organisation that recorded it sees it, its departments included.

export interface DisclosureFlags {
  /** 未告知 */
  isNotToldToPatient: boolean;
  /** 未提供 */
  isNotShared: boolean;
}

/**
 * The organisation a sign-in name belongs to: the name without a department written after a space
 * (東京中央病院 地域連携室 → 東京中央病院), as `worksFor` reads care-team access. The SQL function
 * `organisation_identity` (migration 0400) is the same rule for queries.
 */
export function organisationIdentity(name: string): string {
  return (
    name
      .replace(/\u3000/g, ' ')
      .trim()
      .split(' ')[0] ?? ''
  );
}

export function isSameOrganisation(a: string, b: string): boolean {
  const identity = organisationIdentity(a);
  return identity !== '' && identity === organisationIdentity(b);
}

/** Whether a reader of `readerOrganisation` may see something so flagged that `authorOrganisation` recorded. */
export function mayReadFlagged(
  flags: Pick<DisclosureFlags, 'isNotShared'>,
  authorOrganisation: string,
  readerOrganisation: string,
): boolean {
  return !flags.isNotShared || isSameOrganisation(authorOrganisation, readerOrganisation);
}

/**
 * The same rule in SQL for the rows of `alias` (columns is_not_shared, author_organisation); `$n` is the
 * reader's organisation as signed in.
 */
export function mayReadFlaggedInSql(alias: string, parameter: number): string {
  return `(NOT ${alias}.is_not_shared
    OR organisation_identity(${alias}.author_organisation) = organisation_identity($${parameter}))`;
}

export const disclosureLabels: Readonly<Record<keyof DisclosureFlags, Bilingual>> = {
  isNotToldToPatient: { ja: '未告知（本人に未説明）', en: 'Not told to the patient' },
  isNotShared: { ja: '未提供（自機関のみ）', en: 'Not to be shared (your organisation only)' },
};

/** What stands in for a diagnosis a reader may not see, where the thing cannot simply be left out. */
export const withheldDiagnosis: Bilingual = {
  ja: '（未提供の病名のため表示しません）',
  en: '(diagnosis withheld: not to be shared)',
};

export interface SecurityCoding {
  system: string;
  code: string;
  display: string;
}

const actCode = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const confidentiality = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

/**
 * FHIR meta.security for a resource carrying a flagged diagnosis (HL7 security labels):
 * 未告知 → NOPAT (do not disclose to the patient, family or caregivers without the attending
 * provider's authorisation); 未提供 → confidentiality R (restricted) and ORCON (originator controlled:
 * not to be passed on without the originator's consent).
 */
export function securityLabelsOf(flags: DisclosureFlags): SecurityCoding[] {
  const labels: SecurityCoding[] = [];
  if (flags.isNotShared) {
    labels.push({ system: confidentiality, code: 'R', display: 'restricted' });
    labels.push({ system: actCode, code: 'ORCON', display: 'originator controlled' });
  }
  if (flags.isNotToldToPatient) {
    labels.push({
      system: actCode,
      code: 'NOPAT',
      display: 'no disclosure to patient, family or caregivers',
    });
  }
  return labels;
}
