import { bilingualMessage, HttpError } from '@hcw/common';
import type pg from 'pg';
import {
  buildHandoffContent,
  contentFor,
  isHandoffScene,
  parseNarrative,
  sceneDocuments,
  type HandoffContent,
  type HandoffScene,
} from './handoff-content.js';
import { requireSharingConsent } from './consent.js';
import { InvalidItemError, type ItemIssue } from './invalid-item-error.js';
import {
  activeMemberships,
  coversInSql,
  hasCareRole,
  isUuid,
  membershipCovers,
  PatientAccessDeniedError,
  recipientsOf,
  requirePatientAccess,
  worksFor,
} from './patient-access.js';
import type { PatientActor } from './patient-actor.js';
import { auditedOperation, type PatientDeps } from './patient-audit.js';
import { loadRecord, patientDisplayName, patientNames } from './patient-record.js';
import { RecordNotFoundError } from './record-not-found-error.js';
import { TeamRuleError } from './team-rule-error.js';

export type HandoffStatus = 'draft' | 'reviewed' | 'sent';

export interface HandoffDocument {
  id: string;
  patientId: string;
  scene: HandoffScene;
  status: HandoffStatus;
  version: number;
  /** Already filtered for the reader (DATA-1). */
  content: HandoffContent;
  recipientMemberId: string;
  recipientOrganisation: string;
  createdAt: string;
  createdBy: { id: string; name: string; organisation: string; profession: string };
  changedAt: string;
  reviewedAt: string | null;
  reviewedBy: { id: string; name: string } | null;
  sentAt: string | null;
  sentTo: string[];
  receivedAt: string | null;
  receivedBy: string | null;
}

interface DocumentRow {
  id: string;
  patient_id: string;
  scene: HandoffScene;
  status: HandoffStatus;
  version: number;
  content: HandoffContent;
  recipient_member_id: string;
  recipient_organisation: string;
  created_at: Date;
  created_by: string;
  created_by_name: string;
  created_by_organisation: string;
  created_by_profession: string;
  changed_at: Date;
  reviewed_at: Date | null;
  reviewed_by: string | null;
  reviewed_by_name: string | null;
  sent_at: Date | null;
  sent_to: string[];
  received_at: Date | null;
  received_by: string | null;
}

const DOCUMENT_COLUMNS = `d.id, d.patient_id, d.scene, d.status, d.version, d.content, d.recipient_member_id,
  d.recipient_organisation, d.created_at, d.created_by, d.created_by_name, d.created_by_organisation,
  d.created_by_profession, d.changed_at, d.reviewed_at, d.reviewed_by, d.reviewed_by_name, d.sent_at, d.sent_to,
  d.received_at, d.received_by`;

function documentFromRow(row: DocumentRow, readerOrganisation: string): HandoffDocument {
  return {
    id: row.id,
    patientId: row.patient_id,
    scene: row.scene,
    status: row.status,
    version: row.version,
    content: contentFor(row.content, readerOrganisation),
    recipientMemberId: row.recipient_member_id,
    recipientOrganisation: row.recipient_organisation,
    createdAt: row.created_at.toISOString(),
    createdBy: {
      id: row.created_by,
      name: row.created_by_name,
      organisation: row.created_by_organisation,
      profession: row.created_by_profession,
    },
    changedAt: row.changed_at.toISOString(),
    reviewedAt: row.reviewed_at?.toISOString() ?? null,
    reviewedBy: row.reviewed_by
      ? { id: row.reviewed_by, name: row.reviewed_by_name ?? row.reviewed_by }
      : null,
    sentAt: row.sent_at?.toISOString() ?? null,
    sentTo: row.sent_to,
    receivedAt: row.received_at?.toISOString() ?? null,
    receivedBy: row.received_by,
  };
}

/** Someone changed the document since the writer read it; nothing of the refused change was stored. */
export class DocumentConflictError extends HttpError {
  constructor(
    readonly expectedVersion: number,
    readonly current: HandoffDocument,
  ) {
    super(
      409,
      `他の方が先にこの文書を更新しました（第${current.version}版、${current.status === 'sent' ? '送付済み' : current.status === 'reviewed' ? '確認済み' : '下書き'}）。内容を確認してやり直してください。`,
      `Someone changed this document first (version ${current.version}, ${current.status}). Review it and try again.`,
    );
  }
}

const notFound = () => new RecordNotFoundError({ ja: '文書', en: 'document' });

/**
 * A document before it is sent belongs to its writer's organisation; once sent, to the whole team.
 * Readers outside that circle are told it does not exist.
 */
function isVisibleTo(row: DocumentRow, actor: PatientActor): boolean {
  return row.status === 'sent' || row.created_by_organisation === actor.organisation;
}

async function loadDocument(
  client: pg.ClientBase,
  actor: PatientActor,
  patientId: string,
  documentId: string,
  lock = false,
): Promise<DocumentRow> {
  if (!isUuid(documentId)) throw notFound();
  const { rows } = await client.query<DocumentRow>(
    `SELECT ${DOCUMENT_COLUMNS} FROM handoff_documents d WHERE d.id = $1 AND d.patient_id = $2${lock ? ' FOR UPDATE' : ''}`,
    [documentId, patientId],
  );
  const row = rows[0];
  if (!row || !isVisibleTo(row, actor)) throw notFound();
  return row;
}

/** Who receives a document sent to a member: the person, or the organisation's designated staff. */
export interface GenerateRequest {
  scene: unknown;
  recipientMemberId: unknown;
}

/**
 * Generates a draft hand-off document from the record as its writer sees it, for one receiving member
 * of the care team. Undisclosed diagnoses of other organisations than the recipient's are left out.
 */
export async function generateHandoffDocument(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  request: GenerateRequest,
): Promise<HandoffDocument> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.document.generate', patientId },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'write');
      const issues: ItemIssue[] = [];
      if (!isHandoffScene(request.scene)) {
        issues.push({
          path: 'scene',
          message: bilingualMessage({ ja: '文書の種類を選んでください', en: 'choose the kind of document' }),
        });
      }
      const memberships = await activeMemberships(client, patientId);
      const recipient = memberships.find((m) => m.id === request.recipientMemberId);
      if (!recipient || recipientsOf(recipient).length === 0) {
        issues.push({
          path: 'recipientMemberId',
          message: bilingualMessage({
            ja: '送付先はケアチームのメンバーから選んでください',
            en: 'choose the recipient among the care team',
          }),
        });
      }
      if (!isHandoffScene(request.scene) || !recipient || issues.length > 0)
        throw new InvalidItemError(issues);
      const scene = request.scene;
      context.details.scene = scene;
      const record = await loadRecord(client, actor, patientId);
      const author = {
        id: actor.id,
        name: actor.displayName,
        organisation: actor.organisation,
        profession: actor.profession,
      };
      const content = buildHandoffContent(
        scene,
        record,
        author,
        {
          organisation: recipient.organisation,
          kind: recipient.kind,
          practitionerId: recipient.practitionerId,
        },
        new Date(),
      );
      const { rows } = await client.query<DocumentRow>(
        `INSERT INTO handoff_documents AS d (patient_id, scene, content, recipient_member_id, recipient_organisation,
           created_by, created_by_name, created_by_organisation, created_by_profession, changed_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $6)
         RETURNING ${DOCUMENT_COLUMNS}`,
        [
          patientId,
          scene,
          JSON.stringify(content),
          recipient.id,
          recipient.organisation,
          actor.id,
          actor.displayName,
          actor.organisation,
          actor.profession,
        ],
      );
      context.details.documentId = rows[0]!.id;
      return documentFromRow(rows[0]!, actor.organisation);
    },
  );
}

async function conflict(
  client: pg.ClientBase,
  actor: PatientActor,
  patientId: string,
  documentId: string,
  expectedVersion: number,
): Promise<Error> {
  const current = await loadDocument(client, actor, patientId, documentId).catch(() => undefined);
  return current
    ? new DocumentConflictError(expectedVersion, documentFromRow(current, actor.organisation))
    : notFound();
}

const alreadySent = () =>
  new TeamRuleError('送付済みの文書は変更できません。', 'A document that has been sent cannot be changed.');

/** The writer corrects the narrative; a reviewed document goes back to draft and needs reviewing again. */
export async function editHandoffDocument(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  documentId: string,
  expectedVersion: number,
  narrativeInput: unknown,
): Promise<HandoffDocument> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.document.edit', patientId, details: { documentId, expectedVersion } },
    async (client) => {
      await requirePatientAccess(client, actor, patientId, 'write');
      const before = await loadDocument(client, actor, patientId, documentId);
      if (before.status === 'sent') throw alreadySent();
      const narrative = parseNarrative(before.scene, narrativeInput);
      const { rows } = await client.query<DocumentRow>(
        `UPDATE handoff_documents d SET content = jsonb_set(d.content, '{narrative}', $4::jsonb), status = 'draft',
           reviewed_at = NULL, reviewed_by = NULL, reviewed_by_name = NULL, version = d.version + 1,
           changed_at = now(), changed_by = $5
         WHERE d.id = $1 AND d.patient_id = $2 AND d.version = $3 AND d.status <> 'sent'
         RETURNING ${DOCUMENT_COLUMNS}`,
        [documentId, patientId, expectedVersion, JSON.stringify(narrative), actor.id],
      );
      if (!rows[0]) throw await conflict(client, actor, patientId, documentId, expectedVersion);
      return documentFromRow(rows[0], actor.organisation);
    },
  );
}

/** A member of the writing organisation confirms the document is ready to send. */
export async function reviewHandoffDocument(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  documentId: string,
  expectedVersion: number,
): Promise<HandoffDocument> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.document.review', patientId, details: { documentId, expectedVersion } },
    async (client) => {
      await requirePatientAccess(client, actor, patientId, 'write');
      const before = await loadDocument(client, actor, patientId, documentId);
      if (before.status === 'sent') throw alreadySent();
      const { rows } = await client.query<DocumentRow>(
        `UPDATE handoff_documents d SET status = 'reviewed', reviewed_at = now(), reviewed_by = $4,
           reviewed_by_name = $5, version = d.version + 1, changed_at = now(), changed_by = $4
         WHERE d.id = $1 AND d.patient_id = $2 AND d.version = $3 AND d.status = 'draft'
         RETURNING ${DOCUMENT_COLUMNS}`,
        [documentId, patientId, expectedVersion, actor.id, actor.displayName],
      );
      if (!rows[0]) throw await conflict(client, actor, patientId, documentId, expectedVersion);
      return documentFromRow(rows[0], actor.organisation);
    },
  );
}

/**
 * Sends a reviewed document to its recipient inside the portal. The recipients' timelines are notified
 * in the same transaction, so a notice exists exactly when the document was sent.
 */
export async function sendHandoffDocument(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  documentId: string,
  expectedVersion: number,
): Promise<HandoffDocument> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.document.send', patientId, details: { documentId, expectedVersion } },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'write');
      const before = await loadDocument(client, actor, patientId, documentId, true);
      if (before.status === 'sent') throw alreadySent();
      if (before.status !== 'reviewed' || before.version !== expectedVersion) {
        if (before.version !== expectedVersion) {
          throw new DocumentConflictError(expectedVersion, documentFromRow(before, actor.organisation));
        }
        throw new TeamRuleError(
          '送付の前に内容を確認してください。',
          'The document must be reviewed before it is sent.',
        );
      }
      const { admittedOn, dischargedOn } = before.content.narrative;
      if (before.scene === 'D' && (!admittedOn || !dischargedOn || dischargedOn < admittedOn)) {
        // The national discharge-summary profile (JP-CLINS) dates the document by the stay itself.
        throw new TeamRuleError(
          '退院時サマリーには入院日と退院日（入院日以降）を記入してください。',
          'A discharge summary needs the admission date and the discharge date (not before admission).',
        );
      }
      const patient = before.content.patient;
      if ((before.scene === 'B' || before.scene === 'D') && (!patient.birthDate || !patient.address)) {
        // The national profiles (JP-CLINS) need the patient's birth date and address to identify them; a
        // patient registered with name and sex only must have them recorded before such a document goes out.
        throw new TeamRuleError(
          '診療情報提供書・退院時サマリーを送るには、患者の生年月日と住所を基本情報に記入し、文書を作り直してください。',
          "A referral or discharge summary needs the patient's birth date and address: add them to the basics and generate the document again.",
        );
      }
      const recipient = (await activeMemberships(client, patientId)).find(
        (m) => m.id === before.recipient_member_id,
      );
      const sentTo = recipient ? recipientsOf(recipient) : [];
      if (!recipient || sentTo.length === 0) {
        throw new TeamRuleError(
          '送付先はもうケアチームにいません。送付先を選び直して文書を作り直してください。',
          'The recipient has left the care team. Generate the document again for another recipient.',
        );
      }
      // A document to another organisation shares the record with it: the patient must have agreed.
      if (!worksFor(recipient.organisation, actor.organisation)) {
        await requireSharingConsent(client, patientId, 'documents', recipient.organisation);
      }
      const { rows } = await client.query<DocumentRow>(
        `UPDATE handoff_documents d SET status = 'sent', sent_at = now(), sent_by = $3, sent_to = $4,
           version = d.version + 1, changed_at = now(), changed_by = $3
         WHERE d.id = $1 AND d.version = $2
         RETURNING ${DOCUMENT_COLUMNS}`,
        [documentId, expectedVersion, actor.id, sentTo],
      );
      const sent = rows[0]!;
      context.details.recipients = sentTo.length;
      const title = sceneDocuments[sent.scene].title.ja;
      await deps.notify(client, {
        recipients: sentTo,
        source: 'patients',
        kind: 'handoff-document-sent',
        patientId,
        title: `${title}が届きました（${patientDisplayName(sent.content.patient.name)} 様、${actor.organisation}）`,
        link: `/patients/${patientId}/documents/${documentId}`,
        occurredAt: sent.sent_at ?? new Date(),
        idempotencyKey: `handoff-document-sent:${documentId}`,
      });
      return documentFromRow(sent, actor.organisation);
    },
  );
}

/** The receiving side confirms it has the document; the sender sees when and by whom. */
export async function acknowledgeHandoffDocument(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  documentId: string,
): Promise<HandoffDocument> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.document.receive', patientId, details: { documentId } },
    async (client) => {
      await requirePatientAccess(client, actor, patientId, 'read');
      const before = await loadDocument(client, actor, patientId, documentId, true);
      const recipient = (await activeMemberships(client, patientId)).find(
        (m) => m.id === before.recipient_member_id,
      );
      if (before.status !== 'sent' || !recipient || !membershipCovers(recipient, actor)) {
        throw new PatientAccessDeniedError('role-does-not-allow', 'read');
      }
      const { rows } = await client.query<DocumentRow>(
        `UPDATE handoff_documents d SET received_at = coalesce(d.received_at, now()),
           received_by = coalesce(d.received_by, $2)
         WHERE d.id = $1 RETURNING ${DOCUMENT_COLUMNS}`,
        [documentId, actor.id],
      );
      return documentFromRow(rows[0]!, actor.organisation);
    },
  );
}

/** One document, filtered for the reader. */
export async function readHandoffDocument(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  documentId: string,
  purpose: 'read' | 'export' = 'read',
): Promise<HandoffDocument> {
  return auditedOperation(
    deps,
    actor,
    { type: `patient.document.${purpose}`, patientId, details: { documentId } },
    async (client) => {
      await requirePatientAccess(client, actor, patientId, 'read');
      return documentFromRow(await loadDocument(client, actor, patientId, documentId), actor.organisation);
    },
  );
}

/** The documents of a patient the reader may see, newest first. */
export async function listHandoffDocuments(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
): Promise<HandoffDocument[]> {
  return auditedOperation(deps, actor, { type: 'patient.document.list', patientId }, async (client) => {
    await requirePatientAccess(client, actor, patientId, 'read');
    const { rows } = await client.query<DocumentRow>(
      `SELECT ${DOCUMENT_COLUMNS} FROM handoff_documents d
        WHERE d.patient_id = $1 AND (d.status = 'sent' OR d.created_by_organisation = $2)
        ORDER BY d.created_at DESC LIMIT 100`,
      [patientId, actor.organisation],
    );
    return rows.map((row) => documentFromRow(row, actor.organisation));
  });
}

export interface ReceivedDocument extends HandoffDocument {
  patientName: string;
}

/** Documents sent to the practitioner (or through their organisation) on teams they are still on. */
export async function listReceivedDocuments(
  deps: PatientDeps,
  actor: PatientActor,
): Promise<ReceivedDocument[]> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.document.inbox', patientId: null },
    async (client, context) => {
      if (!hasCareRole(actor)) throw new PatientAccessDeniedError('no-care-role', 'read');
      const { rows } = await client.query<DocumentRow>(
        `SELECT ${DOCUMENT_COLUMNS} FROM handoff_documents d
           JOIN care_team_members m ON m.id = d.recipient_member_id
          WHERE d.status = 'sent' AND ${coversInSql('m', 1, 2)}
          ORDER BY d.sent_at DESC LIMIT 100`,
        [actor.id, actor.organisation],
      );
      const names = await patientNames(
        client,
        rows.map((row) => row.patient_id),
      );
      context.patientIds = rows.map((row) => row.patient_id);
      return rows.map((row) => ({
        ...documentFromRow(row, actor.organisation),
        patientName: names.get(row.patient_id)?.name ?? '',
      }));
    },
  );
}
