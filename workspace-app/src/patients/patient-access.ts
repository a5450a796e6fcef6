import { ForbiddenError } from '@hcw/common';
import type pg from 'pg';
import type { Practitioner } from '@hcw/common';

/** What a care-team member may be: owners also manage the team, readers only read. */
export const teamRoles = ['owner', 'editor', 'reader'] as const;
export type TeamRole = (typeof teamRoles)[number];

export type PatientAction = 'read' | 'write' | 'manage-team';

/** An active member of a patient's care team: an organisation (through its designated staff) or a person. */
export interface TeamMembership {
  id: string;
  kind: 'organisation' | 'individual';
  organisation: string;
  /** Individual members only. */
  practitionerId: string | null;
  /** Organisation members only: the staff the organisation named for this patient. */
  designatedStaff: readonly string[];
  role: TeamRole;
}

export type DenialReason =
  | 'no-care-role'
  | 'not-a-member'
  | 'role-does-not-allow'
  /** Refined from `not-a-member` once the decision is made, for the auditor only. */
  | 'no-such-patient'
  | 'malformed-patient-id';

/**
 * Refusals that mean the patient asked for is not one this person may name at all. The person is told the
 * same for each (ids cannot be probed), and the refusal is audited under the person, never filed under
 * the patient id they gave: it may be a mistyped id that belongs to someone else.
 */
const patientUnavailable: ReadonlySet<DenialReason> = new Set([
  'no-care-role',
  'not-a-member',
  'no-such-patient',
  'malformed-patient-id',
]);

export type AccessDecision =
  | { isAllowed: true; role: TeamRole; membership: TeamMembership }
  | { isAllowed: false; reason: DenialReason };

/** Sign-in roles that may touch patient records at all: IT administrators and auditors never do. */
export const careRoles: readonly string[] = ['practitioner', 'msw'];

export function hasCareRole(actor: Pick<Practitioner, 'roles'>): boolean {
  return actor.roles.some((role) => careRoles.includes(role));
}

const permitted: Readonly<Record<TeamRole, readonly PatientAction[]>> = {
  owner: ['read', 'write', 'manage-team'],
  editor: ['read', 'write'],
  reader: ['read'],
};
const strength: Readonly<Record<TeamRole, number>> = { reader: 1, editor: 2, owner: 3 };

type Person = Pick<Practitioner, 'id' | 'organisation'>;

/**
 * Whether someone signed in for `personOrganisation` works for `organisation`: the same name, or a
 * department of it written after a space (東京中央病院 地域連携室 works for 東京中央病院). A bare prefix
 * is not enough: 東京中央病院分院 is another organisation.
 */
export function worksFor(personOrganisation: string, organisation: string): boolean {
  if (organisation.trim() === '') return false;
  return (
    personOrganisation === organisation ||
    personOrganisation.startsWith(`${organisation} `) ||
    personOrganisation.startsWith(`${organisation}\u3000`)
  );
}

/**
 * Whether a membership covers a person. Both kinds also require the person's organisation at sign-in
 * to match, so someone who moved to another organisation does not take the patient with them.
 */
export function membershipCovers(membership: TeamMembership, person: Person): boolean {
  if (!worksFor(person.organisation, membership.organisation)) return false;
  return membership.kind === 'individual'
    ? membership.practitionerId === person.id
    : membership.designatedStaff.includes(person.id);
}

/** The people a membership reaches: the individual, or the organisation's designated staff. */
export function recipientsOf(member: TeamMembership): string[] {
  return member.kind === 'individual'
    ? [member.practitionerId ?? ''].filter(Boolean)
    : [...member.designatedStaff];
}

/** The one access decision for patient data: care-team membership and the member's role. */
export function decidePatientAccess(
  actor: Pick<Practitioner, 'id' | 'organisation' | 'roles'>,
  memberships: readonly TeamMembership[],
  action: PatientAction,
): AccessDecision {
  if (!hasCareRole(actor)) return { isAllowed: false, reason: 'no-care-role' };
  const own = memberships.filter((membership) => membershipCovers(membership, actor));
  const strongest = own.reduce<TeamMembership | undefined>(
    (best, membership) => (!best || strength[membership.role] > strength[best.role] ? membership : best),
    undefined,
  );
  if (!strongest) return { isAllowed: false, reason: 'not-a-member' };
  if (!permitted[strongest.role].includes(action)) return { isAllowed: false, reason: 'role-does-not-allow' };
  return { isAllowed: true, role: strongest.role, membership: strongest };
}

const notAvailable = {
  ja: 'この患者は見つからないか、あなたはこの患者のケアチームに参加していません。患者IDをご確認ください。',
  en: 'This patient was not found, or you are not on their care team. Please check the patient ID.',
};

const denials: Readonly<Record<DenialReason, { ja: string; en: string }>> = {
  'no-care-role': {
    ja: 'この利用者区分では患者情報を扱えません。',
    en: 'Your sign-in role does not give access to patient records.',
  },
  'not-a-member': notAvailable,
  'no-such-patient': notAvailable,
  'malformed-patient-id': notAvailable,
  'role-does-not-allow': {
    ja: 'ケアチームでの役割ではこの操作はできません。',
    en: 'Your role on this care team does not allow this.',
  },
};

export class PatientAccessDeniedError extends ForbiddenError {
  constructor(
    readonly reason: DenialReason,
    readonly action: PatientAction,
  ) {
    super(denials[reason].ja, denials[reason].en);
  }

  get isPatientUnavailable(): boolean {
    return patientUnavailable.has(this.reason);
  }
}

/**
 * Why a refused person may not name this patient, as precisely as the auditor should learn it: a malformed
 * id, an id no patient has, or a patient whose team they are not on. The person is told none of this.
 */
export async function refusalReason(
  db: pg.Pool | pg.ClientBase,
  reason: DenialReason,
  patientId: string,
): Promise<DenialReason> {
  if (reason !== 'not-a-member') return reason;
  if (!isUuid(patientId)) return 'malformed-patient-id';
  return (await patientExists(db, patientId)) ? 'not-a-member' : 'no-such-patient';
}

/**
 * Whether the shared record has a patient with this id: for the parts of the portal that refer to a patient
 * without reading their record (the timeline's group mappings), so that a mistyped id is refused.
 */
export async function patientExists(db: pg.Pool | pg.ClientBase, patientId: string): Promise<boolean> {
  if (!isUuid(patientId)) return false;
  const { rowCount } = await db.query('SELECT 1 FROM patients WHERE id = $1', [patientId]);
  return (rowCount ?? 0) > 0;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

interface MembershipRow {
  id: string;
  kind: 'organisation' | 'individual';
  organisation: string;
  practitioner_id: string | null;
  designated_staff: string[];
  role: TeamRole;
}

export function membershipFromRow(row: MembershipRow): TeamMembership {
  return {
    id: row.id,
    kind: row.kind,
    organisation: row.organisation,
    practitionerId: row.practitioner_id,
    designatedStaff: row.designated_staff,
    role: row.role,
  };
}

/** Read at every decision, never cached: leaving a team ends access with the next request. */
export async function activeMemberships(
  db: pg.Pool | pg.ClientBase,
  patientId: string,
): Promise<TeamMembership[]> {
  if (!isUuid(patientId)) return [];
  const { rows } = await db.query<MembershipRow>(
    `SELECT id, kind, organisation, practitioner_id, designated_staff, role
       FROM care_team_members WHERE patient_id = $1 AND left_at IS NULL`,
    [patientId],
  );
  return rows.map(membershipFromRow);
}

/**
 * Decides and, when refused, throws PatientAccessDeniedError (a ForbiddenError). An unknown patient is
 * refused exactly like a patient of someone else's, so ids cannot be probed.
 */
export async function requirePatientAccess(
  db: pg.ClientBase,
  actor: Pick<Practitioner, 'id' | 'organisation' | 'roles'>,
  patientId: string,
  action: PatientAction,
): Promise<{ role: TeamRole; membership: TeamMembership }> {
  const decision = decidePatientAccess(actor, await activeMemberships(db, patientId), action);
  if (!decision.isAllowed) {
    throw new PatientAccessDeniedError(await refusalReason(db, decision.reason, patientId), action);
  }
  return { role: decision.role, membership: decision.membership };
}

/**
 * `membershipCovers` in SQL, for queries across patients (lists, calendars). `$id` and `$organisation`
 * are the person's; results are checked again with `membershipCovers` before use.
 */
export function coversInSql(alias: string, idParameter: number, organisationParameter: number): string {
  const org = `$${organisationParameter}`;
  return `(${alias}.left_at IS NULL AND btrim(${alias}.organisation) <> ''
    AND (${org} = ${alias}.organisation OR starts_with(${org}, ${alias}.organisation || ' ')
         OR starts_with(${org}, ${alias}.organisation || '\u3000'))
    AND ((${alias}.kind = 'individual' AND ${alias}.practitioner_id = $${idParameter})
         OR (${alias}.kind = 'organisation' AND $${idParameter} = ANY(${alias}.designated_staff))))`;
}
