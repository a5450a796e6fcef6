import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type pg from 'pg';
import { AuditTrail, HttpError, html } from '@hcw/common';
import '../http/session-types.js';
import { notifyPractitioners } from '../timeline/notify-practitioners.js';
import type { NotifyPractitioners } from '../timeline/portal-notification.js';
import { languageOf } from '../ui/language.js';
import type { PatientDeps } from './patient-audit.js';
import { href, patientPage } from './patient-page-parts.js';
import { pt } from './patients-messages.js';
import { calendarRoutes } from './calendar-routes.js';
import { careCycleRoutes } from './care-cycle-routes.js';
import { careTeamRoutes } from './care-team-routes.js';
import { conferenceRoutes } from './conference-routes.js';
import { handoffDocumentRoutes } from './handoff-document-routes.js';
import { actorOf, send } from './patient-route-helpers.js';
import { recordRoutes } from './record-routes.js';
import { threadRoutes } from './thread-routes.js';
import { attachmentRoutes } from '../attachments/attachment-routes.js';
import type { ThreadVendor } from './patient-thread.js';

export interface PatientsRoutesOptions {
  pool: pg.Pool;
  auditTrail?: AuditTrail;
  notify?: NotifyPractitioners;
  /** Vendors that take the thread's posts; none when left out. */
  threadVendors?: readonly ThreadVendor[];
}

/**
 * The shared patient record's pages: patient list, record and its standard items, visit entry, care
 * team and invitations, calendar and care conferences, hand-off documents, the team's thread. Every read and
 * write goes through the store functions, which decide access and write the audit trail.
 */
export function patientsRoutes(options: PatientsRoutesOptions): Router {
  const deps: PatientDeps = {
    pool: options.pool,
    auditTrail: options.auditTrail ?? new AuditTrail(options.pool),
    notify: options.notify ?? notifyPractitioners,
    ...(options.threadVendors ? { threadVendors: options.threadVendors } : {}),
  };
  const router = express.Router();
  const forms = express.urlencoded({ extended: false, limit: '128kb', parameterLimit: 500 });

  for (const prefix of ['/patients', '/uploads']) {
    router.use(prefix, (req, _res, next) => {
      actorOf(req);
      next();
    });
    router.post(`${prefix}{/*rest}`, forms);
  }

  // Each part of the record has its routes file; the fixed paths (/patients/today, /invitations, /documents)
  // come before the record's /patients/:patientId.
  router.use(careTeamRoutes(deps));
  router.use(calendarRoutes(deps));
  router.use(conferenceRoutes(deps));
  router.use(handoffDocumentRoutes(deps));
  router.use(careCycleRoutes(deps));
  router.use(threadRoutes(deps));
  router.use(attachmentRoutes(deps));
  router.use(recordRoutes(deps));

  // Errors a person can act on become a page in their language; the rest go to the portal's handler.
  router.use(['/patients', '/uploads'], (error: unknown, req: Request, res: Response, next: NextFunction) => {
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
        html`<h1>${title}</h1>
          <p class="notice-box">${message}</p>
          ${
            error.status !== 401 &&
            html`<p><a class="button" href="${href('/patients', lang)}">${pt(lang, 'toList')}</a></p>`
          }`,
      ),
    );
  });

  return router;
}
