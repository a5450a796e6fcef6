import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import type pg from 'pg';
import { AuditTrail, errorBody, html, HttpError, tokyoDateTime, UnauthorisedError } from '@hcw/common';
import { notifyPractitioners } from '../timeline/notify-practitioners.js';
import type { NotifyPractitioners } from '../timeline/portal-notification.js';
import { languageOf } from '../ui/language.js';
import { answerInquiry } from './answer-inquiry.js';
import { renderBedPage } from './bed-page.js';
import { cancelTransferRequest } from './cancel-transfer-request.js';
import { noCareTeamLookup, type CareTeamLookup } from './care-team-lookup.js';
import { confirmInquiry } from './confirm-inquiry.js';
import { createTransferRequest } from './create-transfer-request.js';
import {
  all,
  answerInputFromForm,
  first,
  formValuesOf,
  type FormValues,
  freeBedInputFromForm,
  textOrNull,
  wardProfileInputFromForm,
} from './form-values.js';
import { HospitalProfileCache } from './hospital-profile-cache.js';
import { hospitalStore, type StoredWard } from './hospital-store.js';
import { listTransfers } from './list-transfers.js';
import { transferPage, type PageNotice } from './page-parts.js';
import { parseTransferInput } from './parse-transfer-input.js';
import { postInquiryMessage } from './post-inquiry-message.js';
import { isPatientRefusal, openNewRequestFor } from './request-patient.js';
import { defaultStaleAfterHours } from './rank-hospitals.js';
import { readTransferInquiry, readTransferRequest } from './read-transfer-request.js';
import { formFromRecord, requestInputFromForm } from './request-form.js';
import { searchFiltersFromQuery, renderSearchPage } from './search-page.js';
import { searchFiltersSchema, searchTransferHospitals } from './search-transfer-hospitals.js';
import { sendInquiries } from './send-inquiries.js';
import { requireRequestMaker, type RequestViewer } from './transfer-access.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { TransferConflictError, TransferInputError } from './transfer-errors.js';
import type { RequestPurpose } from './transfer-store.js';
import { exportTransferFhir } from './transfer-fhir.js';
import { attachToTransferRequest, viewTransferAttachment } from './request-attachments.js';
import { pageNumber, sendPicture, uuidParam } from '../attachments/attachment-routes.js';
import {
  renderFhirPage,
  renderNewRequestPage,
  renderOverviewPage,
  renderRequestPage,
} from './transfer-pages.js';
import './transfer-session.js';
import { tt, ttBoth } from './transfer-text.js';
import { readBedBoard, updateFreeBeds } from './update-free-beds.js';
import { updateWardProfile } from './update-ward-profile.js';
import { withdrawInquiry } from './withdraw-inquiry.js';
import { transfersApiRoutes } from './transfers-api-routes.js';
import { param } from '../http/route-param.js';

export interface TransfersRoutesOptions {
  pool: pg.Pool;
  /** Who is on a patient's care team; until the patient record is wired in, nobody. */
  careTeamLookup?: CareTeamLookup;
  auditTrail?: AuditTrail;
  notify?: NotifyPractitioners;
  clock?: () => Date;
  /** Free-bed figures older than this many hours are marked stale (48 unless configured). */
  staleAfterHours?: number;
}

function actorOf(req: Request): TransferActor {
  const practitioner = req.session.practitioner;
  if (!practitioner) throw new UnauthorisedError();
  return { ...practitioner, clientAddress: req.ip ?? req.socket.remoteAddress };
}

/** Takes the notice left for this page by the form sent before it, once. */
function takeNotice(req: Request): PageNotice | undefined {
  const notice = req.session.transferNotice;
  delete req.session.transferNotice;
  return notice;
}

function leaveNotice(req: Request, notice: PageNotice): void {
  req.session.transferNotice = notice;
}

/**
 * The transfer and acceptance search: HTML pages under /transfers (forms, no scripts needed) and the
 * same operations as JSON under /api/transfers. Every read and change of a request is audited.
 */
export function transfersRoutes(options: TransfersRoutesOptions): Router {
  const deps: TransferDeps = {
    pool: options.pool,
    auditTrail: options.auditTrail ?? new AuditTrail(options.pool),
    careTeam: options.careTeamLookup ?? noCareTeamLookup,
    notify: options.notify ?? notifyPractitioners,
    clock: options.clock ?? (() => new Date()),
    staleAfterHours: options.staleAfterHours ?? defaultStaleAfterHours,
    profiles: new HospitalProfileCache(options.pool),
  };
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 500 });

  /** The asked hospital's wards, for the answer form; nobody else needs them. */
  async function wardsFor(actor: TransferActor, viewer: RequestViewer): Promise<StoredWard[]> {
    if (viewer.kind !== 'asked-hospital') return [];
    return (await hospitalStore.ofOrganisation(deps.pool, actor.organisation))?.wards ?? [];
  }

  /**
   * A form's action: on success the next page with a notice; when the current state or the input
   * refuses it, back to where the form was with the reason. Access refusals are not softened into a
   * notice: they reach the error handler and answer 403.
   */
  async function formAction(
    req: Request,
    res: Response,
    action: () => Promise<{ next: string; notice: PageNotice }>,
    back: string,
  ): Promise<void> {
    try {
      const { next, notice } = await action();
      leaveNotice(req, notice);
      res.redirect(303, next);
    } catch (error) {
      if (error instanceof TransferConflictError || error instanceof TransferInputError) {
        leaveNotice(req, { tone: 'error', text: { ja: error.messageJa, en: error.messageEn } });
        res.redirect(303, back);
        return;
      }
      throw error;
    }
  }

  // ── Pages ──────────────────────────────────────────────────────────────────────────────────────

  router.get('/transfers', async (req, res) => {
    const actor = actorOf(req);
    const overview = await listTransfers(deps, actor);
    res.type('html').send(renderOverviewPage(languageOf(req), overview, actor.roles, takeNotice(req)));
  });

  router.get('/transfers/requests/new', async (req, res) => {
    const actor = actorOf(req);
    // A back-up bed for a patient at home is asked from the patient's record, by the home team.
    const purpose: RequestPurpose = req.query.purpose === 'backup-bed' ? 'backup-bed' : 'transfer';
    requireRequestMaker(actor, purpose);
    // The patient record can link here with its patient filled in.
    const patientId = typeof req.query.patientId === 'string' ? req.query.patientId.slice(0, 200) : '';
    if (patientId) await openNewRequestFor(deps, actor, patientId, purpose);
    const recorded = patientId ? await deps.careTeam.needsFromRecord?.(actor, patientId) : null;
    const form = patientId ? formFromRecord(patientId, recorded ?? null) : {};
    const withPurpose = purpose === 'backup-bed' ? { ...form, purpose: ['backup-bed'] } : form;
    res.type('html').send(renderNewRequestPage(languageOf(req), withPurpose, []));
  });

  router.post('/transfers/requests', form, async (req, res) => {
    const actor = actorOf(req);
    const values = formValuesOf(req.body);
    try {
      const request = await createTransferRequest(deps, actor, requestInputFromForm(values));
      leaveNotice(req, { tone: 'success', text: ttBoth('requestCreated') });
      res.redirect(303, `/transfers/requests/${request.id}/search`);
    } catch (error) {
      // A patient the MSW may not name is refused with the form kept, so a mistyped id can be corrected.
      if (isPatientRefusal(error)) {
        const issue = { path: 'patientId', ja: error.messageJa, en: error.messageEn };
        res
          .status(403)
          .type('html')
          .send(renderNewRequestPage(languageOf(req), values, [issue]));
        return;
      }
      if (!(error instanceof TransferInputError)) throw error;
      res
        .status(400)
        .type('html')
        .send(renderNewRequestPage(languageOf(req), values, error.issues));
    }
  });

  router.get('/transfers/requests/:id', async (req, res) => {
    const actor = actorOf(req);
    const view = await readTransferRequest(deps, actor, param(req, 'id'));
    const wards = await wardsFor(actor, view.viewer);
    res
      .type('html')
      .send(renderRequestPage(languageOf(req), { view, wards, now: deps.clock(), notice: takeNotice(req) }));
  });

  router.get('/transfers/requests/:id/search', async (req, res) => {
    const actor = actorOf(req);
    const filters = parseTransferInput(searchFiltersSchema, searchFiltersFromQuery(req.query));
    const result = await searchTransferHospitals(deps, actor, param(req, 'id'), filters);
    res.type('html').send(renderSearchPage(languageOf(req), result, takeNotice(req)));
  });

  router.get('/transfers/requests/:id/fhir', async (req, res) => {
    const id = param(req, 'id');
    const bundle = await exportTransferFhir(deps, actorOf(req), id);
    res.type('html').send(renderFhirPage(languageOf(req), id, bundle));
  });

  router.get('/transfers/inquiries/:id', async (req, res) => {
    const actor = actorOf(req);
    const view = await readTransferInquiry(deps, actor, param(req, 'id'));
    const wards = await wardsFor(actor, view.viewer);
    res.type('html').send(
      renderRequestPage(languageOf(req), {
        view,
        wards,
        now: deps.clock(),
        notice: takeNotice(req),
        onlyInquiryId: view.inquiry.id,
      }),
    );
  });

  router.get('/transfers/requests/:id/attachments/:attachmentId/pages/:page', async (req, res) => {
    const picture = await viewTransferAttachment(
      deps,
      actorOf(req),
      param(req, 'id'),
      uuidParam(req, 'attachmentId'),
      pageNumber(req),
    );
    sendPicture(res, picture);
  });

  router.get('/transfers/beds', async (req, res) => {
    const board = await readBedBoard(deps, actorOf(req));
    res
      .type('html')
      .send(renderBedPage(languageOf(req), board, deps.clock(), deps.staleAfterHours, takeNotice(req)));
  });

  // ── Changes made from the pages: each is one entry of what it calls, where it goes next and what it says ──

  for (const action of formActions(deps)) {
    router.post(action.path, form, async (req, res) => {
      const actor = actorOf(req);
      const id = param(req, action.param);
      const values = formValuesOf(req.body);
      await formAction(req, res, () => action.run(actor, id, values), action.back(id));
    });
  }

  router.use(transfersApiRoutes(deps, actorOf));

  // ── Errors ─────────────────────────────────────────────────────────────────────────────────────

  const transferErrors: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (!(error instanceof HttpError) || !req.path.startsWith('/transfers')) {
      // JSON answers come from the portal's error handler; the problems of an input go with them.
      if (error instanceof TransferInputError) {
        res.status(400).json({ ...errorBody(error.text, error.code), issues: error.issues });
        return;
      }
      next(error);
      return;
    }
    const lang = languageOf(req);
    const message = lang === 'ja' ? error.messageJa : error.messageEn;
    const title = error.status === 401 ? tt(lang, 'signInRequired') : tt(lang, 'transfersHome');
    res
      .status(error.status)
      .type('html')
      .send(transferPage(lang, title, html`<p class="notice">${message}</p>`));
  };
  router.use(transferErrors);
  return router;
}

interface FormActionEntry {
  path: string;
  /** The path's one parameter. */
  param: 'id' | 'wardId';
  run(actor: TransferActor, id: string, values: FormValues): Promise<{ next: string; notice: PageNotice }>;
  /** Where a refused change returns, its reason shown there. */
  back(id: string): string;
}

const inquiryPage = (id: string) => `/transfers/inquiries/${id}`;
const requestPage = (id: string) => `/transfers/requests/${id}`;
const wardOnBedPage = (wardId: string) => `/transfers/beds#ward-${encodeURIComponent(wardId)}`;
const saying = (text: PageNotice['text']): PageNotice => ({ tone: 'success', text });

/** The changes the transfer pages post, as a table. */
function formActions(deps: TransferDeps): FormActionEntry[] {
  return [
    {
      path: '/transfers/requests/:id/inquiries',
      param: 'id',
      run: async (actor, id, values) => {
        const sent = await sendInquiries(deps, actor, id, {
          hospitalIds: all(values, 'hospitalIds'),
          message: textOrNull(values, 'message'),
        });
        return {
          next: requestPage(id),
          notice: saying(ttBoth('inquiriesSent', { count: String(sent.length) })),
        };
      },
      back: (id) => `/transfers/requests/${id}/search`,
    },
    {
      path: '/transfers/requests/:id/attachments',
      param: 'id',
      run: async (actor, id, values) => {
        const attached = await attachToTransferRequest(deps, actor, id, all(values, 'attachments'));
        return {
          next: `${requestPage(id)}#attachments`,
          notice: saying(ttBoth('attachmentsAdded', { count: String(attached) })),
        };
      },
      back: requestPage,
    },
    {
      path: '/transfers/requests/:id/cancel',
      param: 'id',
      run: async (actor, id, values) => {
        await cancelTransferRequest(deps, actor, id, { note: textOrNull(values, 'note') });
        return { next: requestPage(id), notice: saying(ttBoth('requestCancelled')) };
      },
      back: requestPage,
    },
    {
      path: '/transfers/inquiries/:id/answer',
      param: 'id',
      run: async (actor, id, values) => {
        await answerInquiry(deps, actor, id, answerInputFromForm(values));
        return { next: inquiryPage(id), notice: saying(ttBoth('answerSent')) };
      },
      back: inquiryPage,
    },
    {
      path: '/transfers/inquiries/:id/messages',
      param: 'id',
      run: async (actor, id, values) => {
        await postInquiryMessage(deps, actor, id, { text: first(values, 'text') });
        return { next: inquiryPage(id), notice: saying(ttBoth('messageSent')) };
      },
      back: inquiryPage,
    },
    {
      path: '/transfers/inquiries/:id/confirm',
      param: 'id',
      run: async (actor, id) => {
        const inquiry = await confirmInquiry(deps, actor, id);
        return {
          next: requestPage(inquiry.requestId),
          notice: saying(ttBoth('confirmed', { hospital: inquiry.hospitalName })),
        };
      },
      back: inquiryPage,
    },
    {
      path: '/transfers/inquiries/:id/withdraw',
      param: 'id',
      run: async (actor, id) => {
        const inquiry = await withdrawInquiry(deps, actor, id);
        return { next: requestPage(inquiry.requestId), notice: saying(ttBoth('withdrawn')) };
      },
      back: inquiryPage,
    },
    {
      path: '/transfers/beds/:wardId',
      param: 'wardId',
      run: async (actor, wardId, values) => {
        const ward = await updateFreeBeds(deps, actor, wardId, freeBedInputFromForm(values));
        const at = tokyoDateTime(ward.freeBedsUpdatedAt);
        return {
          next: wardOnBedPage(ward.id),
          notice: saying(ttBoth('figuresSaved', { ward: ward.name, at })),
        };
      },
      back: wardOnBedPage,
    },
    {
      path: '/transfers/beds/:wardId/profile',
      param: 'wardId',
      run: async (actor, wardId, values) => {
        const ward = await updateWardProfile(deps, actor, wardId, wardProfileInputFromForm(values));
        return { next: wardOnBedPage(ward.id), notice: saying(ttBoth('profileSaved', { ward: ward.name })) };
      },
      back: wardOnBedPage,
    },
  ];
}
