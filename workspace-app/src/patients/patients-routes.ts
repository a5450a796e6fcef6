import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type pg from 'pg';
import {
  AuditTrail,
  HttpError,
  type Language,
  toDatetimeLocal,
  tokyoDate,
  UnauthorisedError,
} from '@hcw/common';
import '../http/session-types.js';
import { notifyPractitioners } from '../timeline/notify-practitioners.js';
import type { NotifyPractitioners } from '../timeline/portal-notification.js';
import { escapeHtml } from '../ui/i18n.js';
import { languageOf } from '../ui/language.js';
import { renderMyCalendar, renderPatientCalendar, renderTodayPage, visitPlanForm } from './calendar-pages.js';
import {
  answerInvitation,
  inviteToCareTeam,
  listMyInvitations,
  revokeInvitation,
} from './care-team-invitations.js';
import { invitationForm, renderInvitationsPage, renderTeamPage } from './care-team-page.js';
import {
  changeMemberRole,
  endMembership,
  leaveCareTeam,
  readCareTeam,
  setDesignatedStaff,
} from './care-team.js';
import { createPatient } from './create-patient.js';
import { EditConflictError } from './edit-conflict-error.js';
import { formFromValue, readForm, type RawForm } from './form-fields.js';
import { buildFhirDocumentBundle } from './fhir-document-bundle.js';
import { sceneDocuments } from './handoff-content.js';
import {
  renderDocumentPage,
  renderDocumentsPage,
  renderFhirPage,
  renderInboxPage,
} from './handoff-document-pages.js';
import {
  acknowledgeHandoffDocument,
  DocumentConflictError,
  editHandoffDocument,
  generateHandoffDocument,
  listHandoffDocuments,
  listReceivedDocuments,
  readHandoffDocument,
  reviewHandoffDocument,
  sendHandoffDocument,
} from './handoff-documents.js';
import { InvalidItemError, type ItemIssue } from './invalid-item-error.js';
import { basicsForm, itemForms } from './item-forms.js';
import { listPatients } from './list-patients.js';
import { activeMemberships, decidePatientAccess, isUuid, type TeamRole } from './patient-access.js';
import type { PatientActor } from './patient-actor.js';
import type { PatientDeps } from './patient-audit.js';
import { renderNewPatientPage, renderPatientList } from './patient-list-page.js';
import { href, patientPage, professionCode } from './patient-page-parts.js';
import { renderHistoryPage, renderItemFormPage, renderRecordPage } from './patient-record-page.js';
import { patientDisplayName, readPatientRecord } from './patient-record.js';
import { pt } from './patients-messages.js';
import {
  addRecordItem,
  changeRecordItem,
  readItemHistory,
  readRecordItem,
  removeRecordItem,
} from './record-items.js';
import { isItemKind, type ItemKind } from './standard-items.js';
import {
  cancelVisit,
  listPatientVisits,
  listPractitionerVisits,
  listTodaysVisits,
  scheduleVisit,
} from './visit-calendar.js';
import { VisitConflictError } from './visit-conflict-error.js';

export interface PatientsRoutesOptions {
  pool: pg.Pool;
  auditTrail?: AuditTrail;
  notify?: NotifyPractitioners;
}

function actorOf(req: Request): PatientActor {
  const practitioner = req.session.practitioner;
  if (!practitioner) throw new UnauthorisedError();
  return { ...practitioner, ...(req.ip ? { clientAddress: req.ip } : {}) };
}

function bodyOf(req: Request): RawForm {
  const body: unknown = req.body;
  return body && typeof body === 'object' ? (body as RawForm) : {};
}

function text(form: RawForm, name: string): string {
  const value = form[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

function versionOf(form: RawForm): number {
  const version = Number(text(form, 'version'));
  return Number.isInteger(version) && version >= 0 ? version : -1;
}

/** Route parameters as strings (Express 5 types them loosely). */
function param(req: Request, name: string): string {
  const value: unknown = req.params[name];
  return typeof value === 'string' ? value : '';
}

function send(res: Response, status: number, html: string): void {
  res.status(status).type('html').send(html);
}

function redirect(res: Response, path: string, lang: Language): void {
  res.redirect(303, href(path, lang));
}

/**
 * The shared patient record's pages: patient list, record and its standard items, visit entry, care
 * team and invitations, calendar, hand-off documents. Every read and write goes through the store
 * functions, which decide access and write the audit trail.
 */
export function patientsRoutes(options: PatientsRoutesOptions): Router {
  const deps: PatientDeps = {
    pool: options.pool,
    auditTrail: options.auditTrail ?? new AuditTrail(options.pool),
    notify: options.notify ?? notifyPractitioners,
  };
  const router = express.Router();
  const forms = express.urlencoded({ extended: false, limit: '128kb', parameterLimit: 500 });

  router.use('/patients', (req, _res, next) => {
    actorOf(req);
    next();
  });
  router.post('/patients{/*rest}', forms);

  /** The reader's role, for what the page offers; the store decides again on every change. */
  async function roleOf(actor: PatientActor, patientId: string): Promise<TeamRole | undefined> {
    const decision = decidePatientAccess(actor, await activeMemberships(deps.pool, patientId), 'read');
    return decision.isAllowed ? decision.role : undefined;
  }

  async function patientName(actor: PatientActor, patientId: string): Promise<string> {
    return patientDisplayName((await readPatientRecord(deps, actor, patientId)).basics.data.name);
  }

  // --- Lists across patients -------------------------------------------------------------------

  router.get('/patients', async (req, res) => {
    const actor = actorOf(req);
    const lang = languageOf(req);
    const [patients, today] = [await listPatients(deps, actor), await listTodaysVisits(deps, actor)];
    send(res, 200, renderPatientList(patients, today, lang));
  });

  router.get('/patients/new', (req, res) => {
    actorOf(req);
    send(res, 200, renderNewPatientPage({}, [], languageOf(req)));
  });

  router.post('/patients', async (req, res) => {
    const actor = actorOf(req);
    const lang = languageOf(req);
    const form = bodyOf(req);
    try {
      const created = await createPatient(deps, actor, readForm(basicsForm, form));
      redirect(res, `/patients/${created.patientId}`, lang);
    } catch (error) {
      if (!(error instanceof InvalidItemError)) throw error;
      send(res, 400, renderNewPatientPage(form, error.issues, lang));
    }
  });

  router.get('/patients/today', async (req, res) => {
    send(res, 200, renderTodayPage(await listTodaysVisits(deps, actorOf(req)), languageOf(req)));
  });

  router.get('/patients/calendar', async (req, res) => {
    const from = typeof req.query.from === 'string' ? req.query.from : undefined;
    const visits = await listPractitionerVisits(deps, actorOf(req), { from, days: 7 });
    const first = from && /^\d{4}-\d{2}-\d{2}$/.test(from) ? from : undefined;
    send(res, 200, renderMyCalendar(visits, first ?? tokyoDate(new Date()), 7, languageOf(req)));
  });

  router.get('/patients/invitations', async (req, res) => {
    const invitations = await listMyInvitations(deps, actorOf(req));
    send(res, 200, renderInvitationsPage(invitations, languageOf(req)));
  });

  router.post('/patients/invitations/:invitationId', async (req, res) => {
    const lang = languageOf(req);
    const answer = text(bodyOf(req), 'answer') === 'accept' ? 'accept' : 'decline';
    const result = await answerInvitation(deps, actorOf(req), param(req, 'invitationId'), answer);
    redirect(res, answer === 'accept' ? `/patients/${result.patientId}` : '/patients/invitations', lang);
  });

  router.get('/patients/documents', async (req, res) => {
    send(res, 200, renderInboxPage(await listReceivedDocuments(deps, actorOf(req)), languageOf(req)));
  });

  // --- One patient's record ----------------------------------------------------------------------

  router.get('/patients/:patientId', async (req, res) => {
    const record = await readPatientRecord(deps, actorOf(req), param(req, 'patientId'));
    send(res, 200, renderRecordPage(record, languageOf(req)));
  });

  async function itemFormPage(
    req: Request,
    res: Response,
    status: number,
    view: {
      kind: ItemKind;
      form: RawForm;
      issues?: readonly ItemIssue[];
      item?: Awaited<ReturnType<typeof readRecordItem>>;
      conflict?: EditConflictError['current'];
    },
  ): Promise<void> {
    const actor = actorOf(req);
    const patientId = param(req, 'patientId');
    send(
      res,
      status,
      renderItemFormPage(
        { patientId, patientName: await patientName(actor, patientId), ...view },
        languageOf(req),
      ),
    );
  }

  router.get('/patients/:patientId/items/new', async (req, res) => {
    const kind = req.query.kind;
    if (!isItemKind(kind) || kind === 'basics')
      throw new HttpError(404, 'ページが見つかりません。', 'Page not found.');
    if (kind === 'visit-record') {
      redirect(res, `/patients/${param(req, 'patientId')}/visit`, languageOf(req));
      return;
    }
    const defaults: RawForm =
      kind === 'course-note' || kind === 'explanation'
        ? { recordedOn: tokyoDate(new Date()), explainedOn: tokyoDate(new Date()) }
        : kind === 'diagnosis' || kind === 'medication'
          ? { status: 'active' }
          : {};
    await itemFormPage(req, res, 200, { kind, form: defaults });
  });

  router.get('/patients/:patientId/visit', async (req, res) => {
    const actor = actorOf(req);
    const now = toDatetimeLocal(new Date());
    const scheduled = typeof req.query.scheduledVisitId === 'string' && isUuid(req.query.scheduledVisitId);
    const form: RawForm = {
      visitedAt: now,
      profession: professionCode(actor.profession) ?? '',
      ...(scheduled ? { scheduledVisitId: String(req.query.scheduledVisitId) } : {}),
    };
    await itemFormPage(req, res, 200, { kind: 'visit-record', form });
  });

  router.post('/patients/:patientId/items', async (req, res) => {
    const actor = actorOf(req);
    const lang = languageOf(req);
    const patientId = param(req, 'patientId');
    const form = bodyOf(req);
    const kind = text(form, 'kind');
    if (!isItemKind(kind) || kind === 'basics')
      throw new HttpError(400, '項目の種類が正しくありません。', 'Unknown kind of item.');
    try {
      await addRecordItem(deps, actor, patientId, kind, readForm(itemForms[kind], form));
      redirect(res, `/patients/${patientId}#${kind}`, lang);
    } catch (error) {
      if (error instanceof InvalidItemError)
        return itemFormPage(req, res, 400, { kind, form, issues: error.issues });
      if (error instanceof EditConflictError)
        return itemFormPage(req, res, 409, { kind, form, conflict: error.current });
      throw error;
    }
  });

  router.get('/patients/:patientId/items/:itemId/edit', async (req, res) => {
    const item = await readRecordItem(deps, actorOf(req), param(req, 'patientId'), param(req, 'itemId'));
    if (item.isRemoved) throw new HttpError(404, '削除された記録です。', 'This item was removed.');
    await itemFormPage(req, res, 200, {
      kind: item.kind,
      item,
      form: formFromValue(itemForms[item.kind], item.data),
    });
  });

  router.post('/patients/:patientId/items/:itemId', async (req, res) => {
    const actor = actorOf(req);
    const lang = languageOf(req);
    const patientId = param(req, 'patientId');
    const itemId = param(req, 'itemId');
    const form = bodyOf(req);
    const kind = text(form, 'kind');
    if (!isItemKind(kind))
      throw new HttpError(400, '項目の種類が正しくありません。', 'Unknown kind of item.');
    try {
      await changeRecordItem(
        deps,
        actor,
        patientId,
        itemId,
        versionOf(form),
        readForm(itemForms[kind], form),
      );
      redirect(res, `/patients/${patientId}#${kind}`, lang);
    } catch (error) {
      if (error instanceof InvalidItemError || error instanceof EditConflictError) {
        const item = await readRecordItem(deps, actor, patientId, itemId);
        if (error instanceof InvalidItemError)
          return itemFormPage(req, res, 400, { kind, item, form, issues: error.issues });
        return itemFormPage(req, res, 409, { kind, item, form, conflict: error.current });
      }
      throw error;
    }
  });

  router.post('/patients/:patientId/items/:itemId/remove', async (req, res) => {
    const actor = actorOf(req);
    const patientId = param(req, 'patientId');
    const itemId = param(req, 'itemId');
    try {
      const removed = await removeRecordItem(deps, actor, patientId, itemId, versionOf(bodyOf(req)));
      redirect(res, `/patients/${patientId}#${removed.kind}`, languageOf(req));
    } catch (error) {
      if (!(error instanceof EditConflictError)) throw error;
      const item = error.current;
      await itemFormPage(req, res, 409, {
        kind: item.kind,
        item,
        form: formFromValue(itemForms[item.kind], item.data),
        conflict: item,
      });
    }
  });

  router.get('/patients/:patientId/items/:itemId/history', async (req, res) => {
    const actor = actorOf(req);
    const patientId = param(req, 'patientId');
    const { item, versions } = await readItemHistory(deps, actor, patientId, param(req, 'itemId'));
    send(
      res,
      200,
      renderHistoryPage(patientId, await patientName(actor, patientId), item, versions, languageOf(req)),
    );
  });

  // --- Care team --------------------------------------------------------------------------------

  async function teamPage(
    req: Request,
    res: Response,
    status: number,
    extra: { inviteForm?: RawForm; inviteIssues?: readonly ItemIssue[]; problem?: string } = {},
  ): Promise<void> {
    const actor = actorOf(req);
    const patientId = param(req, 'patientId');
    const team = await readCareTeam(deps, actor, patientId);
    send(
      res,
      status,
      renderTeamPage({ team, patientName: await patientName(actor, patientId), ...extra }, languageOf(req)),
    );
  }

  router.get('/patients/:patientId/team', (req, res) => teamPage(req, res, 200));

  /** Team changes refused by a rule are shown on the team page rather than on an error page. */
  async function teamChange(
    req: Request,
    res: Response,
    change: () => Promise<unknown>,
    after?: string,
  ): Promise<void> {
    const lang = languageOf(req);
    try {
      await change();
      redirect(res, after ?? `/patients/${param(req, 'patientId')}/team`, lang);
    } catch (error) {
      if (error instanceof HttpError && error.status === 409) {
        return teamPage(req, res, 409, { problem: lang === 'ja' ? error.messageJa : error.messageEn });
      }
      throw error;
    }
  }

  router.post('/patients/:patientId/team/invitations', async (req, res) => {
    const form = bodyOf(req);
    try {
      await teamChange(req, res, () =>
        inviteToCareTeam(deps, actorOf(req), param(req, 'patientId'), readForm(invitationForm, form)),
      );
    } catch (error) {
      if (!(error instanceof InvalidItemError)) throw error;
      await teamPage(req, res, 400, { inviteForm: form, inviteIssues: error.issues });
    }
  });

  router.post('/patients/:patientId/team/invitations/:invitationId/revoke', (req, res) =>
    teamChange(req, res, () =>
      revokeInvitation(deps, actorOf(req), param(req, 'patientId'), param(req, 'invitationId')),
    ),
  );

  router.post('/patients/:patientId/team/members/:memberId/end', (req, res) =>
    teamChange(req, res, () =>
      endMembership(deps, actorOf(req), param(req, 'patientId'), param(req, 'memberId')),
    ),
  );

  router.post('/patients/:patientId/team/members/:memberId/role', (req, res) =>
    teamChange(req, res, () =>
      changeMemberRole(
        deps,
        actorOf(req),
        param(req, 'patientId'),
        param(req, 'memberId'),
        text(bodyOf(req), 'role'),
      ),
    ),
  );

  router.post('/patients/:patientId/team/members/:memberId/staff', (req, res) => {
    const staff = text(bodyOf(req), 'staff')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean);
    return teamChange(req, res, () =>
      setDesignatedStaff(deps, actorOf(req), param(req, 'patientId'), param(req, 'memberId'), staff),
    );
  });

  router.post('/patients/:patientId/team/leave', (req, res) =>
    teamChange(req, res, () => leaveCareTeam(deps, actorOf(req), param(req, 'patientId')), '/patients'),
  );

  // --- Calendar ---------------------------------------------------------------------------------

  async function calendarPage(
    req: Request,
    res: Response,
    status: number,
    extra: { form?: RawForm; issues?: readonly ItemIssue[]; conflict?: VisitConflictError } = {},
  ): Promise<void> {
    const actor = actorOf(req);
    const patientId = param(req, 'patientId');
    const asked = req.query.from;
    const from =
      typeof asked === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(asked) ? asked : tokyoDate(new Date());
    const visits = await listPatientVisits(deps, actor, patientId, { from, days: 7 });
    const team = await readCareTeam(deps, actor, patientId);
    send(
      res,
      status,
      renderPatientCalendar(
        {
          patientId,
          patientName: visits[0]?.patientName ?? (await patientName(actor, patientId)),
          visits,
          from,
          days: 7,
          team,
          canWrite: team.me.role !== 'reader',
          ...extra,
        },
        languageOf(req),
      ),
    );
  }

  router.get('/patients/:patientId/calendar', (req, res) => calendarPage(req, res, 200));

  router.post('/patients/:patientId/visits', async (req, res) => {
    const form = bodyOf(req);
    const patientId = param(req, 'patientId');
    try {
      const planned = readForm(visitPlanForm(), form);
      const visit = await scheduleVisit(deps, actorOf(req), patientId, planned);
      redirect(res, `/patients/${patientId}/calendar?from=${tokyoDate(visit.startsAt)}`, languageOf(req));
    } catch (error) {
      if (error instanceof InvalidItemError)
        return calendarPage(req, res, 400, { form, issues: error.issues });
      if (error instanceof VisitConflictError) return calendarPage(req, res, 409, { form, conflict: error });
      throw error;
    }
  });

  router.post('/patients/:patientId/visits/:visitId/cancel', async (req, res) => {
    await cancelVisit(deps, actorOf(req), param(req, 'patientId'), param(req, 'visitId'));
    redirect(res, `/patients/${param(req, 'patientId')}/calendar`, languageOf(req));
  });

  // --- Hand-off documents -----------------------------------------------------------------------

  async function documentsPage(
    req: Request,
    res: Response,
    status: number,
    extra: { form?: RawForm; issues?: readonly ItemIssue[] } = {},
  ): Promise<void> {
    const actor = actorOf(req);
    const patientId = param(req, 'patientId');
    const documents = await listHandoffDocuments(deps, actor, patientId);
    const team = await readCareTeam(deps, actor, patientId);
    send(
      res,
      status,
      renderDocumentsPage(
        {
          patientId,
          patientName: await patientName(actor, patientId),
          documents,
          team,
          canWrite: team.me.role !== 'reader',
          ...extra,
        },
        languageOf(req),
      ),
    );
  }

  router.get('/patients/:patientId/documents', (req, res) => documentsPage(req, res, 200));

  router.post('/patients/:patientId/documents', async (req, res) => {
    const form = bodyOf(req);
    const patientId = param(req, 'patientId');
    try {
      const document = await generateHandoffDocument(deps, actorOf(req), patientId, {
        scene: text(form, 'scene'),
        recipientMemberId: text(form, 'recipientMemberId'),
      });
      redirect(res, `/patients/${patientId}/documents/${document.id}`, languageOf(req));
    } catch (error) {
      if (!(error instanceof InvalidItemError)) throw error;
      await documentsPage(req, res, 400, { form, issues: error.issues });
    }
  });

  async function documentPage(
    req: Request,
    res: Response,
    status: number,
    extra: {
      form?: RawForm;
      issues?: readonly ItemIssue[];
      conflict?: DocumentConflictError['current'];
    } = {},
  ): Promise<void> {
    const actor = actorOf(req);
    const patientId = param(req, 'patientId');
    const document = await readHandoffDocument(deps, actor, patientId, param(req, 'documentId'));
    const role = await roleOf(actor, patientId);
    send(
      res,
      status,
      renderDocumentPage(
        {
          document,
          canEdit:
            document.status !== 'sent' &&
            document.createdBy.organisation === actor.organisation &&
            role !== undefined &&
            role !== 'reader',
          canAcknowledge: document.status === 'sent' && document.sentTo.includes(actor.id),
          ...extra,
        },
        languageOf(req),
      ),
    );
  }

  router.get('/patients/:patientId/documents/:documentId', (req, res) => documentPage(req, res, 200));

  router.post('/patients/:patientId/documents/:documentId', async (req, res) => {
    const form = bodyOf(req);
    const patientId = param(req, 'patientId');
    const documentId = param(req, 'documentId');
    const narrative: Record<string, string> = {};
    for (const parts of Object.values(sceneDocuments)) {
      for (const part of parts.narrative) {
        const value = text(form, part.key);
        if (value) narrative[part.key] = value;
      }
    }
    try {
      await editHandoffDocument(deps, actorOf(req), patientId, documentId, versionOf(form), narrative);
      redirect(res, `/patients/${patientId}/documents/${documentId}`, languageOf(req));
    } catch (error) {
      if (error instanceof InvalidItemError) {
        return documentPage(req, res, 400, {
          form,
          issues: error.issues.map((i) => ({ ...i, path: i.path.replace(/^narrative\./, '') })),
        });
      }
      if (error instanceof DocumentConflictError)
        return documentPage(req, res, 409, { form, conflict: error.current });
      throw error;
    }
  });

  for (const step of ['review', 'send'] as const) {
    router.post(`/patients/:patientId/documents/:documentId/${step}`, async (req, res) => {
      const patientId = param(req, 'patientId');
      const documentId = param(req, 'documentId');
      const act = step === 'review' ? reviewHandoffDocument : sendHandoffDocument;
      try {
        await act(deps, actorOf(req), patientId, documentId, versionOf(bodyOf(req)));
        redirect(res, `/patients/${patientId}/documents/${documentId}`, languageOf(req));
      } catch (error) {
        if (error instanceof DocumentConflictError)
          return documentPage(req, res, 409, { conflict: error.current });
        throw error;
      }
    });
  }

  router.post('/patients/:patientId/documents/:documentId/receive', async (req, res) => {
    const patientId = param(req, 'patientId');
    const documentId = param(req, 'documentId');
    await acknowledgeHandoffDocument(deps, actorOf(req), patientId, documentId);
    redirect(res, `/patients/${patientId}/documents/${documentId}`, languageOf(req));
  });

  router.get('/patients/:patientId/documents/:documentId/fhir', async (req, res) => {
    const actor = actorOf(req);
    const document = await readHandoffDocument(
      deps,
      actor,
      param(req, 'patientId'),
      param(req, 'documentId'),
      'export',
    );
    send(
      res,
      200,
      renderFhirPage(document, buildFhirDocumentBundle(document, actor.organisation), languageOf(req)),
    );
  });

  // Errors a person can act on become a page in their language; the rest go to the portal's handler.
  router.use('/patients', (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(error instanceof HttpError)) {
      next(error);
      return;
    }
    const lang = languageOf(req);
    const title =
      error.status === 404
        ? pt(lang, 'notFound')
        : error.status === 403
          ? pt(lang, 'forbidden')
          : pt(lang, 'problem');
    const message = lang === 'ja' ? error.messageJa : error.messageEn;
    send(
      res,
      error.status,
      patientPage(
        lang,
        title,
        `<h1>${escapeHtml(title)}</h1><p class="notice-box">${escapeHtml(message)}</p>${
          error.status === 401
            ? ''
            : `<p><a class="button" href="${escapeHtml(href('/patients', lang))}">${escapeHtml(pt(lang, 'toList'))}</a></p>`
        }`,
      ),
    );
  });

  return router;
}
