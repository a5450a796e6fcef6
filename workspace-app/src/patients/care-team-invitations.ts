import { bilingualMessage, ForbiddenError } from '@hcw/common';
import type pg from 'pg';
import { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import {
  INVITATION_COLUMNS,
  invitationFromRow,
  lockTeam,
  teamRoleSchema,
  type CareTeamInvitation,
  type InvitationRow,
} from './care-team.js';
import { hasSharingConsent, requireSharingConsent } from './consent.js';
import { parseItemInput } from './invalid-item-error.js';
import { InvitationClosedError } from './invitation-closed-error.js';
import {
  activeMemberships,
  careRoles,
  hasCareRole,
  isUuid,
  requirePatientAccess,
  worksFor,
} from './patient-access.js';
import type { PatientActor } from './patient-actor.js';
import { auditedOperation, type PatientDeps } from './patient-audit.js';
import type { NotifyPractitioners } from '../timeline/portal-notification.js';
import { patientNames } from './patient-record.js';
import { RecordNotFoundError } from './record-not-found-error.js';
import { TeamRuleError } from './team-rule-error.js';

export const invitationSchema = field
  .object({
    kind: z.enum(['organisation', 'individual'], {
      errorMap: () => ({
        message: bilingualMessage({
          ja: '機関か個人かを選んでください',
          en: 'choose organisation or individual',
        }),
      }),
    }),
    organisation: field.text(200),
    practitionerId: field
      .pattern(/^[A-Za-z0-9._@-]{1,200}$/, {
        ja: 'IDは英数字と . _ @ - で入力してください',
        en: 'an ID has letters, digits and . _ @ -',
      })
      .optional(),
    role: teamRoleSchema,
    validDays: field.integer({ min: 1, max: 30 }).default(14),
  })
  .superRefine((invitation, ctx) => {
    if (invitation.kind === 'individual' && !invitation.practitionerId) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['practitionerId'],
        message: bilingualMessage({
          ja: '個人を招待するにはIDが必要です',
          en: 'an individual is invited by their ID',
        }),
      });
    }
  });
export type InvitationInput = z.input<typeof invitationSchema>;

const parseInvitation = (input: unknown): z.infer<typeof invitationSchema> =>
  parseItemInput(invitationSchema, input);

/** Who hears of an invitation: the person invited, or the organisation's known care staff. */
async function invitees(client: pg.ClientBase, invitation: CareTeamInvitation): Promise<string[]> {
  if (invitation.practitionerId) return [invitation.practitionerId];
  const { rows } = await client.query<{ id: string; organisation: string; roles: string[] }>(
    `SELECT id, organisation, roles FROM practitioners
      WHERE organisation = $1 OR starts_with(organisation, $1 || ' ') OR starts_with(organisation, $1 || '\u3000')
      LIMIT 200`,
    [invitation.organisation],
  );
  return rows
    .filter((row) => worksFor(row.organisation, invitation.organisation))
    .filter((row) => row.roles.some((role) => careRoles.includes(role)))
    .map((row) => row.id);
}

/** An owner invites an organisation (which names its staff on accepting) or one practitioner. */
export async function inviteToCareTeam(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  input: unknown,
): Promise<CareTeamInvitation> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.team.invite', patientId },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'manage-team');
      const invitation = parseInvitation(input);
      const practitionerId = invitation.kind === 'individual' ? (invitation.practitionerId ?? null) : null;
      context.details.kind = invitation.kind;
      context.details.organisation = invitation.organisation;
      if (practitionerId) context.details.invitee = practitionerId;
      await lockTeam(client, patientId);
      const memberships = await activeMemberships(client, patientId);
      const isNewOrganisation = !memberships.some(
        (m) =>
          worksFor(invitation.organisation, m.organisation) ||
          worksFor(m.organisation, invitation.organisation),
      );
      // Taking a new organisation into the team shares the record with it: the patient must have agreed.
      if (isNewOrganisation)
        await requireSharingConsent(client, patientId, 'care-team', invitation.organisation);
      const isMember = memberships.some((m) =>
        practitionerId
          ? m.kind === 'individual' && m.practitionerId === practitionerId
          : m.kind === 'organisation' && m.organisation === invitation.organisation,
      );
      const { rowCount: openInvitations } = await client.query(
        `SELECT 1 FROM care_team_invitations
          WHERE patient_id = $1 AND kind = $2 AND organisation = $3 AND practitioner_id IS NOT DISTINCT FROM $4
            AND status = 'sent' AND expires_at > now()`,
        [patientId, invitation.kind, invitation.organisation, practitionerId],
      );
      if (isMember || openInvitations) {
        throw new TeamRuleError(
          isMember ? 'すでにケアチームのメンバーです。' : 'この相手への招待はすでに送られています。',
          isMember ? 'They are already on the care team.' : 'An invitation to them is already open.',
        );
      }
      const { rows } = await client.query<InvitationRow>(
        `INSERT INTO care_team_invitations (patient_id, kind, organisation, practitioner_id, role, sent_by, sent_by_name,
           sent_by_organisation, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(days => $9))
         RETURNING ${INVITATION_COLUMNS}`,
        [
          patientId,
          invitation.kind,
          invitation.organisation,
          practitionerId,
          invitation.role,
          actor.id,
          actor.displayName,
          actor.organisation,
          invitation.validDays,
        ],
      );
      const sent = invitationFromRow(rows[0]!);
      context.details.invitationId = sent.id;
      const recipients = await invitees(client, sent);
      if (recipients.length > 0) {
        await deps.notify(client, {
          recipients,
          source: 'patients',
          kind: 'care-team-invitation',
          title: `ケアチームへの招待が届きました（${actor.organisation}）`,
          link: '/patients/invitations',
          occurredAt: new Date(sent.sentAt),
          idempotencyKey: `care-team-invitation:${sent.id}`,
        });
      }
      return sent;
    },
  );
}

function isAddressedTo(invitation: InvitationRow, actor: PatientActor): boolean {
  if (!hasCareRole(actor) || !worksFor(actor.organisation, invitation.organisation)) return false;
  return invitation.kind === 'organisation' || invitation.practitioner_id === actor.id;
}

export interface OpenInvitation extends CareTeamInvitation {
  patientName: string;
}

/**
 * Invitations waiting for the practitioner: to them, or to their organisation. The patient's name is
 * all that is shown before accepting, and showing it is audited like any read.
 */
export async function listMyInvitations(deps: PatientDeps, actor: PatientActor): Promise<OpenInvitation[]> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.invitation.list', patientId: null },
    async (client, context) => {
      if (!hasCareRole(actor)) return [];
      const { rows } = await client.query<InvitationRow>(
        `SELECT ${INVITATION_COLUMNS} FROM care_team_invitations
        WHERE status = 'sent' AND expires_at > now() AND (practitioner_id IS NULL OR practitioner_id = $1)
          AND ($2 = organisation OR starts_with($2, organisation || ' ') OR starts_with($2, organisation || '\u3000'))
        ORDER BY sent_at DESC LIMIT 100`,
        [actor.id, actor.organisation],
      );
      const addressed = rows.filter((row) => isAddressedTo(row, actor));
      const names = await patientNames(
        client,
        addressed.map((row) => row.patient_id),
      );
      context.patientIds = addressed.map((row) => row.patient_id);
      return addressed.map((row) => ({
        ...invitationFromRow(row),
        patientName: names.get(row.patient_id)?.name ?? '',
      }));
    },
  );
}

/**
 * The invited practitioner (or anyone with a care role at the invited organisation) accepts or
 * declines. Accepting makes the member at once: an organisation joins with the accepting person as its
 * first designated staff. Closed and expired invitations cannot be answered.
 */
export async function answerInvitation(
  deps: PatientDeps,
  actor: PatientActor,
  invitationId: string,
  answer: 'accept' | 'decline',
): Promise<{ patientId: string; memberId: string | null }> {
  return auditedOperation(
    deps,
    actor,
    { type: `patient.invitation.${answer}`, patientId: null, details: { invitationId } },
    async (client, context) => {
      const found = isUuid(invitationId)
        ? await client.query<InvitationRow>(
            `SELECT ${INVITATION_COLUMNS} FROM care_team_invitations WHERE id = $1 FOR UPDATE`,
            [invitationId],
          )
        : { rows: [] };
      const invitation = found.rows[0];
      if (!invitation) throw new RecordNotFoundError({ ja: '招待', en: 'invitation' });
      context.patientId = invitation.patient_id;
      if (!isAddressedTo(invitation, actor)) {
        throw new ForbiddenError(
          'この招待はあなた宛てではありません。',
          'This invitation is not addressed to you.',
        );
      }
      if (invitation.status !== 'sent') throw new InvitationClosedError(invitation.status);
      if (invitation.is_expired) throw new InvitationClosedError('expired');
      await lockTeam(client, invitation.patient_id);
      let memberId: string | null = null;
      if (answer === 'accept') {
        const alreadyCovered = (await activeMemberships(client, invitation.patient_id)).some((m) =>
          invitation.kind === 'organisation'
            ? m.kind === 'organisation' && m.organisation === invitation.organisation
            : m.kind === 'individual' && m.practitionerId === actor.id,
        );
        if (alreadyCovered) {
          throw new TeamRuleError('すでにケアチームのメンバーです。', 'You are already on the care team.');
        }
        const { rows } = await client.query<{ id: string }>(
          `INSERT INTO care_team_members (patient_id, kind, organisation, practitioner_id, designated_staff, role, added_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [
            invitation.patient_id,
            invitation.kind,
            invitation.organisation,
            invitation.kind === 'individual' ? actor.id : null,
            invitation.kind === 'organisation' ? [actor.id] : [],
            invitation.role,
            invitation.sent_by,
          ],
        );
        memberId = rows[0]!.id;
      }
      await client.query(
        `UPDATE care_team_invitations SET status = $2, answered_at = now(), answered_by = $3, member_id = $4
          WHERE id = $1`,
        [invitationId, answer === 'accept' ? 'accepted' : 'declined', actor.id, memberId],
      );
      return { patientId: invitation.patient_id, memberId };
    },
  );
}

/** An owner withdraws an invitation nobody has answered yet. */
export async function revokeInvitation(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  invitationId: string,
): Promise<void> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.invitation.revoke', patientId, details: { invitationId } },
    async (client) => {
      await requirePatientAccess(client, actor, patientId, 'manage-team');
      const found = isUuid(invitationId)
        ? await client.query<InvitationRow>(
            `SELECT ${INVITATION_COLUMNS} FROM care_team_invitations WHERE id = $1 AND patient_id = $2 FOR UPDATE`,
            [invitationId, patientId],
          )
        : { rows: [] };
      const invitation = found.rows[0];
      if (!invitation) throw new RecordNotFoundError({ ja: '招待', en: 'invitation' });
      if (invitation.status !== 'sent') throw new InvitationClosedError(invitation.status);
      await client.query(
        `UPDATE care_team_invitations SET status = 'revoked', answered_at = now(), answered_by = $2 WHERE id = $1`,
        [invitationId, actor.id],
      );
    },
  );
}

/**
 * A confirmed transfer brings the accepting hospital into the patient's care team: it is invited as an
 * organisation (editor) by the MSW who confirmed, when the patient's consent covers sharing with it, and its
 * staff hear of it. Runs inside the confirmation's transaction; a second call for the same transfer finds the
 * invitation and does nothing.
 */
export async function inviteAcceptingHospital(
  client: pg.PoolClient,
  notify: NotifyPractitioners,
  welcome: { patientId: string; organisation: string; transferRequestId: string; by: PatientActor },
): Promise<'invited' | 'already-on-team' | 'no-consent'> {
  const { patientId, organisation, by } = welcome;
  await lockTeam(client, patientId);
  const memberships = await activeMemberships(client, patientId);
  if (memberships.some((m) => m.kind === 'organisation' && worksFor(organisation, m.organisation))) {
    return 'already-on-team';
  }
  if (!(await hasSharingConsent(client, patientId, 'care-team', organisation))) return 'no-consent';
  const { rowCount: open } = await client.query(
    `SELECT 1 FROM care_team_invitations
      WHERE patient_id = $1 AND kind = 'organisation' AND organisation = $2 AND status = 'sent' AND expires_at > now()`,
    [patientId, organisation],
  );
  if (open) return 'invited';
  const { rows } = await client.query<InvitationRow>(
    `INSERT INTO care_team_invitations (patient_id, kind, organisation, role, sent_by, sent_by_name, sent_by_organisation,
       expires_at, transfer_request_id)
     VALUES ($1, 'organisation', $2, 'editor', $3, $4, $5, now() + interval '14 days', $6)
     RETURNING ${INVITATION_COLUMNS}`,
    [patientId, organisation, by.id, by.displayName, by.organisation, welcome.transferRequestId],
  );
  const sent = invitationFromRow(rows[0]!);
  const recipients = await invitees(client, sent);
  if (recipients.length > 0) {
    await notify(client, {
      recipients,
      source: 'patients',
      kind: 'care-team-invitation',
      title: `転院の決定により、ケアチームへの招待が届きました（${by.organisation}）`,
      link: '/patients/invitations',
      occurredAt: new Date(sent.sentAt),
      idempotencyKey: `care-team-invitation:${sent.id}`,
    });
  }
  return 'invited';
}
