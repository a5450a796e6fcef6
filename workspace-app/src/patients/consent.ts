import { bilingualMessage } from '@hcw/common';
import type pg from 'pg';
import { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import { lockTeam } from './care-team.js';
import { InvalidItemError, parseItemInput } from './invalid-item-error.js';
import { activeMemberships, requirePatientAccess, worksFor } from './patient-access.js';
import type { PatientActor } from './patient-actor.js';
import { auditedOperation, type PatientDeps } from './patient-audit.js';
import { RecordNotFoundError } from './record-not-found-error.js';
import { TeamRuleError } from './team-rule-error.js';

/**
 * The patient's consent to sharing (個人情報の第三者提供への同意), per care team and per kind of sharing:
 * `care-team`, taking an organisation into the care team (which then reads the shared record), and
 * `documents`, sending hand-off documents to an organisation. A consent names the organisations it covers,
 * or none, meaning every organisation the care team includes. Sharing with an organisation needs a consent
 * that covers it; withdrawing one ends, in the same transaction, the sharing it alone allowed.
 */
export const sharingKinds = ['care-team', 'documents'] as const;
export type SharingKind = (typeof sharingKinds)[number];

export interface Consent {
  id: string;
  patientId: string;
  sharing: SharingKind;
  /** Empty: every organisation of the care team. */
  organisations: readonly string[];
  givenBy: 'patient' | 'representative';
  representative: { name: string; relationship: string | null } | null;
  obtainedHow: 'written' | 'verbal' | 'electronic';
  obtainedOn: string;
  recordedAt: string;
  recordedBy: { id: string; name: string; organisation: string };
  withdrawn: { at: string; by: string; reason: string | null } | null;
}

const say = (ja: string, en: string) => bilingualMessage({ ja, en });

export const consentSchema = field
  .object({
    sharing: z
      .array(
        z.enum(sharingKinds, {
          errorMap: () => ({ message: say('同意の種類を選んでください', 'choose what the consent allows') }),
        }),
        {
          errorMap: () => ({ message: say('同意の種類を選んでください', 'choose what the consent allows') }),
        },
      )
      .min(1, say('同意の種類を一つ以上選んでください', 'choose at least one kind of sharing')),
    organisations: field.array(field.text(200), { max: 30 }).default([]),
    givenBy: z.enum(['patient', 'representative'], {
      errorMap: () => ({
        message: say('本人か代理人かを選んでください', 'choose the patient or a representative'),
      }),
    }),
    representativeName: field.text(100).optional(),
    representativeRelationship: field.text(50).optional(),
    obtainedHow: z.enum(['written', 'verbal', 'electronic'], {
      errorMap: () => ({
        message: say('同意の取り方を選んでください', 'choose how the consent was obtained'),
      }),
    }),
    obtainedOn: field.pastDate({ ja: '同意日', en: 'the date of consent' }),
  })
  .superRefine((consent, ctx) => {
    if (consent.givenBy === 'representative' && !consent.representativeName) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['representativeName'],
        message: say('代理人の氏名を入力してください', "enter the representative's name"),
      });
    }
  });
export type ConsentInput = z.input<typeof consentSchema>;

interface ConsentRow {
  id: string;
  patient_id: string;
  sharing: SharingKind;
  organisations: string[];
  given_by: 'patient' | 'representative';
  representative_name: string | null;
  representative_relationship: string | null;
  obtained_how: Consent['obtainedHow'];
  obtained_on: string;
  recorded_at: Date;
  recorded_by: string;
  recorded_by_name: string;
  recorded_by_organisation: string;
  withdrawn_at: Date | null;
  withdrawn_by: string | null;
  withdrawal_reason: string | null;
}

const CONSENT_COLUMNS = `id, patient_id, sharing, organisations, given_by, representative_name, representative_relationship,
  obtained_how, to_char(obtained_on, 'YYYY-MM-DD') AS obtained_on, recorded_at, recorded_by, recorded_by_name,
  recorded_by_organisation, withdrawn_at, withdrawn_by, withdrawal_reason`;

function consentFromRow(row: ConsentRow): Consent {
  return {
    id: row.id,
    patientId: row.patient_id,
    sharing: row.sharing,
    organisations: row.organisations,
    givenBy: row.given_by,
    representative: row.representative_name
      ? { name: row.representative_name, relationship: row.representative_relationship }
      : null,
    obtainedHow: row.obtained_how,
    obtainedOn: row.obtained_on,
    recordedAt: row.recorded_at.toISOString(),
    recordedBy: {
      id: row.recorded_by,
      name: row.recorded_by_name,
      organisation: row.recorded_by_organisation,
    },
    withdrawn: row.withdrawn_at
      ? { at: row.withdrawn_at.toISOString(), by: row.withdrawn_by ?? '', reason: row.withdrawal_reason }
      : null,
  };
}

/** Whether a consent in force covers sharing of this kind with this organisation (departments included). */
export function consentCovers(consent: Consent, sharing: SharingKind, organisation: string): boolean {
  if (consent.withdrawn || consent.sharing !== sharing) return false;
  return (
    consent.organisations.length === 0 || consent.organisations.some((named) => worksFor(organisation, named))
  );
}

export async function consentsOf(db: pg.ClientBase, patientId: string): Promise<Consent[]> {
  const { rows } = await db.query<ConsentRow>(
    `SELECT ${CONSENT_COLUMNS} FROM patient_consents WHERE patient_id = $1 ORDER BY recorded_at DESC, id`,
    [patientId],
  );
  return rows.map(consentFromRow);
}

const noConsent: Readonly<Record<SharingKind, (organisation: string) => TeamRuleError>> = {
  'care-team': (organisation) =>
    new TeamRuleError(
      `${organisation} をケアチームに加える同意が記録されていません。患者（または代理人）の同意を「同意」の画面で記録してください。`,
      `No consent to share the record with ${organisation} is recorded. Record the patient's (or representative's) consent on the consent page first.`,
    ),
  documents: (organisation) =>
    new TeamRuleError(
      `${organisation} へ文書を送る同意が記録されていません。患者（または代理人）の同意を「同意」の画面で記録してください。`,
      `No consent to send documents to ${organisation} is recorded. Record the patient's (or representative's) consent on the consent page first.`,
    ),
};

/**
 * Refuses (409, with what to do) sharing with an organisation no consent in force covers. Called inside
 * the transaction that shares: an invitation to a new organisation, a document sent.
 */
export async function requireSharingConsent(
  db: pg.ClientBase,
  patientId: string,
  sharing: SharingKind,
  organisation: string,
): Promise<void> {
  const consents = await consentsOf(db, patientId);
  if (!consents.some((consent) => consentCovers(consent, sharing, organisation))) {
    throw noConsent[sharing](organisation);
  }
}

/** Whether a consent in force covers the organisation; for callers that act on the answer themselves. */
export async function hasSharingConsent(
  db: pg.ClientBase,
  patientId: string,
  sharing: SharingKind,
  organisation: string,
): Promise<boolean> {
  return (await consentsOf(db, patientId)).some((consent) => consentCovers(consent, sharing, organisation));
}

/** The patient's consents, withdrawn ones included; every member of the care team may read them. */
export async function listConsents(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
): Promise<Consent[]> {
  return auditedOperation(deps, actor, { type: 'patient.consent.read', patientId }, async (client) => {
    await requirePatientAccess(client, actor, patientId, 'read');
    return consentsOf(client, patientId);
  });
}

const parseConsent = (input: unknown): z.infer<typeof consentSchema> => parseItemInput(consentSchema, input);

/** An owner of the team records a consent the patient or their representative gave; one row per kind. */
export async function recordConsent(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  input: unknown,
): Promise<Consent[]> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.consent.record', patientId },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'manage-team');
      const consent = parseConsent(input);
      context.details.sharing = consent.sharing.join(',');
      context.details.organisations = consent.organisations.length;
      const recorded: Consent[] = [];
      for (const sharing of new Set(consent.sharing)) {
        const { rows } = await client.query<ConsentRow>(
          `INSERT INTO patient_consents (patient_id, sharing, organisations, given_by, representative_name,
           representative_relationship, obtained_how, obtained_on, recorded_by, recorded_by_name, recorded_by_organisation)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING ${CONSENT_COLUMNS}`,
          [
            patientId,
            sharing,
            consent.organisations,
            consent.givenBy,
            consent.givenBy === 'representative' ? (consent.representativeName ?? null) : null,
            consent.givenBy === 'representative' ? (consent.representativeRelationship ?? null) : null,
            consent.obtainedHow,
            consent.obtainedOn,
            actor.id,
            actor.displayName,
            actor.organisation,
          ],
        );
        recorded.push(consentFromRow(rows[0]!));
      }
      context.details.consentIds = recorded.map((c) => c.id).join(',');
      return recorded;
    },
  );
}

export const withdrawalSchema = field.object({ reason: field.text(500).optional() });

/**
 * The patient withdraws a consent. Sharing it alone allowed stops in the same transaction: organisations of
 * the care team no other consent covers leave the team (their staff lose access with the next request),
 * open invitations to them are revoked, and documents to them are refused from then on. The organisation
 * recording the withdrawal stays, so the team keeps an owner.
 */
export async function withdrawConsent(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  consentId: string,
  input: unknown = {},
): Promise<{ consent: Consent; endedMemberships: number; revokedInvitations: number }> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.consent.withdraw', patientId, details: { consentId } },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'manage-team');
      const parsed = withdrawalSchema.safeParse(input);
      if (!parsed.success) {
        throw new InvalidItemError(
          parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        );
      }
      await lockTeam(client, patientId);
      const { rows } = await client.query<ConsentRow>(
        `UPDATE patient_consents SET withdrawn_at = now(), withdrawn_by = $3, withdrawal_reason = $4
          WHERE id = $1 AND patient_id = $2 AND withdrawn_at IS NULL
          RETURNING ${CONSENT_COLUMNS}`,
        [consentId, patientId, actor.id, parsed.data.reason ?? null],
      );
      if (rows.length === 0) {
        const { rowCount } = await client.query(
          'SELECT 1 FROM patient_consents WHERE id = $1 AND patient_id = $2',
          [consentId, patientId],
        );
        if (rowCount)
          throw new TeamRuleError(
            'この同意はすでに撤回されています。',
            'This consent was already withdrawn.',
          );
        throw new RecordNotFoundError({ ja: '同意', en: 'consent' });
      }
      const consent = consentFromRow(rows[0]!);
      let endedMemberships = 0;
      let revokedInvitations = 0;
      if (consent.sharing === 'care-team') {
        const inForce = (await consentsOf(client, patientId)).filter((c) => !c.withdrawn);
        const stillCovered = (organisation: string) =>
          worksFor(actor.organisation, organisation) ||
          worksFor(organisation, actor.organisation) ||
          inForce.some((c) => consentCovers(c, 'care-team', organisation));
        for (const member of await activeMemberships(client, patientId)) {
          if (stillCovered(member.organisation)) continue;
          await client.query(
            `UPDATE care_team_members SET left_at = now(), ended_by = $2 WHERE id = $1 AND left_at IS NULL`,
            [member.id, `consent-withdrawn:${actor.id}`],
          );
          endedMemberships += 1;
        }
        const { rows: open } = await client.query<{ id: string; organisation: string }>(
          `SELECT id, organisation FROM care_team_invitations WHERE patient_id = $1 AND status = 'sent'`,
          [patientId],
        );
        for (const invitation of open.filter((i) => !stillCovered(i.organisation))) {
          await client.query(
            `UPDATE care_team_invitations SET status = 'revoked', answered_at = now(), answered_by = $2 WHERE id = $1`,
            [invitation.id, `consent-withdrawn:${actor.id}`],
          );
          revokedInvitations += 1;
        }
      }
      context.details.sharing = consent.sharing;
      context.details.endedMemberships = endedMemberships;
      context.details.revokedInvitations = revokedInvitations;
      return { consent, endedMemberships, revokedInvitations };
    },
  );
}
