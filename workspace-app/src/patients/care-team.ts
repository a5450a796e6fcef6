import { bilingualMessage } from '@hcw/common';
import type pg from 'pg';
import { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import { InvalidItemError, parseItemInput } from './invalid-item-error.js';
import {
  activeMemberships,
  decidePatientAccess,
  isUuid,
  membershipCovers,
  PatientAccessDeniedError,
  refusalReason,
  requirePatientAccess,
  type TeamMembership,
  type TeamRole,
} from './patient-access.js';
import type { PatientActor } from './patient-actor.js';
import { auditedOperation, type PatientDeps } from './patient-audit.js';
import { RecordNotFoundError } from './record-not-found-error.js';
import { TeamRuleError } from './team-rule-error.js';

export interface StaffMember {
  id: string;
  /** The name the practitioner signed in with, once they have; otherwise unknown. */
  name: string | null;
}

export interface CareTeamMember {
  id: string;
  kind: 'organisation' | 'individual';
  organisation: string;
  /** Individual members: the practitioner; organisation members: their designated staff. */
  people: StaffMember[];
  role: TeamRole;
  joinedAt: string;
}

export type InvitationStatus = 'sent' | 'accepted' | 'declined' | 'revoked' | 'expired';

export interface CareTeamInvitation {
  id: string;
  patientId: string;
  kind: 'organisation' | 'individual';
  organisation: string;
  practitionerId: string | null;
  role: TeamRole;
  status: InvitationStatus;
  sentAt: string;
  sentBy: { id: string; name: string; organisation: string };
  expiresAt: string;
  answeredAt: string | null;
}

export interface CareTeam {
  patientId: string;
  members: CareTeamMember[];
  invitations: CareTeamInvitation[];
  /** The reader's own place in the team. */
  me: { role: TeamRole; membershipIds: string[]; canManage: boolean };
}

export interface InvitationRow {
  id: string;
  patient_id: string;
  kind: 'organisation' | 'individual';
  organisation: string;
  practitioner_id: string | null;
  role: TeamRole;
  status: 'sent' | 'accepted' | 'declined' | 'revoked';
  sent_at: Date;
  sent_by: string;
  sent_by_name: string;
  sent_by_organisation: string;
  expires_at: Date;
  answered_at: Date | null;
  is_expired: boolean;
}

export const INVITATION_COLUMNS = `id, patient_id, kind, organisation, practitioner_id, role, status, sent_at, sent_by,
  sent_by_name, sent_by_organisation, expires_at, answered_at, (status = 'sent' AND expires_at <= now()) AS is_expired`;

export function invitationFromRow(row: InvitationRow): CareTeamInvitation {
  return {
    id: row.id,
    patientId: row.patient_id,
    kind: row.kind,
    organisation: row.organisation,
    practitionerId: row.practitioner_id,
    role: row.role,
    status: row.is_expired ? 'expired' : row.status,
    sentAt: row.sent_at.toISOString(),
    sentBy: { id: row.sent_by, name: row.sent_by_name, organisation: row.sent_by_organisation },
    expiresAt: row.expires_at.toISOString(),
    answeredAt: row.answered_at?.toISOString() ?? null,
  };
}

/** Display names of practitioners who have signed in at least once. */
export async function practitionerNames(
  db: pg.ClientBase,
  ids: readonly string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; display_name: string }>(
    'SELECT id, display_name FROM practitioners WHERE id = ANY($1)',
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row.display_name]));
}

/**
 * Locks the patient's team for the rest of the transaction, so two changes (two members leaving at
 * once) are judged one after the other against the team rules.
 */
export async function lockTeam(client: pg.ClientBase, patientId: string): Promise<void> {
  await client.query('SELECT id FROM patients WHERE id = $1 FOR UPDATE', [patientId]);
}

/** A team always keeps someone who can manage it. */
export async function requireAnOwner(client: pg.ClientBase, patientId: string): Promise<void> {
  const { rows } = await client.query<{ owners: number }>(
    `SELECT count(*)::int AS owners FROM care_team_members
      WHERE patient_id = $1 AND left_at IS NULL AND role = 'owner'
        AND (kind = 'individual' OR cardinality(designated_staff) > 0)`,
    [patientId],
  );
  if ((rows[0]?.owners ?? 0) === 0) {
    throw new TeamRuleError(
      'ケアチームには管理者が1人以上必要です。先に別のメンバーを管理者にしてください。',
      'A care team needs at least one owner. Make another member an owner first.',
    );
  }
}

/** The team of a patient: who is on it, who was invited, and what the reader may do. */
export async function readCareTeam(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
): Promise<CareTeam> {
  return auditedOperation(deps, actor, { type: 'patient.team.read', patientId }, async (client) => {
    const memberships = await activeMemberships(client, patientId);
    const decision = decidePatientAccess(actor, memberships, 'read');
    if (!decision.isAllowed) {
      throw new PatientAccessDeniedError(await refusalReason(client, decision.reason, patientId), 'read');
    }
    const joined = await client.query<{ id: string; joined_at: Date }>(
      'SELECT id, joined_at FROM care_team_members WHERE patient_id = $1 AND left_at IS NULL',
      [patientId],
    );
    const joinedAt = new Map(joined.rows.map((row) => [row.id, row.joined_at.toISOString()]));
    const people = memberships.flatMap((m) =>
      m.kind === 'individual' ? [m.practitionerId ?? ''] : m.designatedStaff,
    );
    const names = await practitionerNames(client, people);
    const invitations = await client.query<InvitationRow>(
      `SELECT ${INVITATION_COLUMNS} FROM care_team_invitations WHERE patient_id = $1 ORDER BY sent_at DESC LIMIT 50`,
      [patientId],
    );
    const mine = memberships.filter((m) => membershipCovers(m, actor));
    return {
      patientId,
      members: memberships
        .map((m) => ({
          id: m.id,
          kind: m.kind,
          organisation: m.organisation,
          people: (m.kind === 'individual' ? [m.practitionerId ?? ''] : m.designatedStaff).map((id) => ({
            id,
            name: names.get(id) ?? null,
          })),
          role: m.role,
          joinedAt: joinedAt.get(m.id) ?? '',
        }))
        .sort((a, b) => a.joinedAt.localeCompare(b.joinedAt)),
      invitations: invitations.rows.map(invitationFromRow),
      me: { role: decision.role, membershipIds: mine.map((m) => m.id), canManage: decision.role === 'owner' },
    };
  });
}

/**
 * The practitioner leaves the patient's team: an individual membership ends; through an organisation,
 * they stop being one of its designated staff (the organisation leaves with its last one). Access ends
 * with the commit: every decision reads the team afresh.
 */
export async function leaveCareTeam(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
): Promise<void> {
  return auditedOperation(deps, actor, { type: 'patient.team.leave', patientId }, async (client, context) => {
    await requirePatientAccess(client, actor, patientId, 'read');
    await lockTeam(client, patientId);
    const mine = (await activeMemberships(client, patientId)).filter((m) => membershipCovers(m, actor));
    for (const membership of mine) {
      if (membership.kind === 'individual' || membership.designatedStaff.length === 1) {
        await endRow(client, membership, actor);
      } else {
        await client.query(
          'UPDATE care_team_members SET designated_staff = array_remove(designated_staff, $2) WHERE id = $1',
          [membership.id, actor.id],
        );
      }
    }
    context.details.memberships = mine.length;
    await requireAnOwner(client, patientId);
  });
}

async function endRow(client: pg.ClientBase, membership: TeamMembership, actor: PatientActor): Promise<void> {
  await client.query(
    'UPDATE care_team_members SET left_at = now(), ended_by = $2 WHERE id = $1 AND left_at IS NULL',
    [membership.id, actor.id],
  );
}

/**
 * Ends a member's place on the team: owners may end anyone's; an organisation's own designated staff
 * may end their organisation's.
 */
export async function endMembership(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  memberId: string,
): Promise<void> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.team.end-membership', patientId, details: { memberId } },
    async (client) => {
      await requirePatientAccess(client, actor, patientId, 'read');
      await lockTeam(client, patientId);
      const memberships = await activeMemberships(client, patientId);
      const target = memberships.find((m) => m.id === memberId);
      if (!target) throw new RecordNotFoundError({ ja: 'メンバー', en: 'team member' });
      if (!membershipCovers(target, actor))
        await requirePatientAccess(client, actor, patientId, 'manage-team');
      await endRow(client, target, actor);
      await requireAnOwner(client, patientId);
    },
  );
}

const staffId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._@-]{1,200}$/, {
    message: bilingualMessage({
      ja: '職員のIDは英数字と . _ @ - で入力してください',
      en: 'a staff ID has letters, digits and . _ @ -',
    }),
  });

export const designatedStaffSchema = field.array(staffId, { min: 1, max: 50 });

/**
 * Names the staff through whom an organisation member takes part. Only that organisation's own staff
 * choose them; a name from another organisation would give nothing anyway, since access also checks the
 * organisation signed in with. Someone taken off the list loses access with the commit.
 */
export async function setDesignatedStaff(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  memberId: string,
  staffInput: unknown,
): Promise<void> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.team.designate-staff', patientId, details: { memberId } },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'read');
      const designated = parseItemInput(designatedStaffSchema, staffInput, ['staff']);
      await lockTeam(client, patientId);
      const target = isUuid(memberId)
        ? (await activeMemberships(client, patientId)).find((m) => m.id === memberId)
        : undefined;
      if (!target || target.kind !== 'organisation') {
        throw new RecordNotFoundError({ ja: '機関メンバー', en: 'organisation member' });
      }
      if (!membershipCovers(target, actor))
        throw new PatientAccessDeniedError('role-does-not-allow', 'manage-team');
      const staff = [...new Set(designated)];
      await client.query('UPDATE care_team_members SET designated_staff = $2 WHERE id = $1', [
        memberId,
        staff,
      ]);
      context.details.staff = staff.length;
      await requireAnOwner(client, patientId);
    },
  );
}

export const teamRoleSchema = z.enum(['owner', 'editor', 'reader'], {
  errorMap: () => ({
    message: bilingualMessage({
      ja: '役割は管理者・編集者・閲覧者から選んでください',
      en: 'choose owner, editor or reader',
    }),
  }),
});

/** Owners give a member another role; the team keeps at least one owner. */
export async function changeMemberRole(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  memberId: string,
  roleInput: unknown,
): Promise<void> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.team.change-role', patientId, details: { memberId } },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'manage-team');
      const role = teamRoleSchema.safeParse(roleInput);
      if (!role.success)
        throw new InvalidItemError([{ path: 'role', message: role.error.issues[0]?.message ?? '' }]);
      await lockTeam(client, patientId);
      const updated = isUuid(memberId)
        ? await client.query(
            'UPDATE care_team_members SET role = $3 WHERE id = $1 AND patient_id = $2 AND left_at IS NULL',
            [memberId, patientId, role.data],
          )
        : { rowCount: 0 };
      if (!updated.rowCount) throw new RecordNotFoundError({ ja: 'メンバー', en: 'team member' });
      context.details.role = role.data;
      await requireAnOwner(client, patientId);
    },
  );
}
