import express, { type Request, type Response, type Router } from 'express';
import { HttpError } from '@hcw/common';
import '../http/session-types.js';
import { languageOf } from '../ui/language.js';
import { renderCareCyclePage } from './care-cycle-page.js';
import { listConsents, recordConsent, withdrawConsent } from './consent.js';
import type { RawForm } from './form-fields.js';
import { InvalidItemError, type ItemIssue } from './invalid-item-error.js';
import type { PatientDeps } from './patient-audit.js';
import {
  actorOf,
  bodyOf,
  param,
  patientName,
  redirect,
  roleOf,
  send,
  text,
} from './patient-route-helpers.js';
import { readWhereabouts, recordAdmission, recordDischarge } from './whereabouts.js';

function all(form: RawForm, name: string): string[] {
  const value = form[name];
  return (Array.isArray(value) ? value : value === undefined ? [] : [value])
    .map((v) => v.trim())
    .filter(Boolean);
}

const optional = (value: string) => (value === '' ? undefined : value);

/** The form as each operation's input; the operation's schema judges it. */
const inputs = {
  consent: (form: RawForm) => ({
    sharing: all(form, 'sharing'),
    organisations: text(form, 'organisations')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean),
    givenBy: text(form, 'givenBy'),
    representativeName: optional(text(form, 'representativeName')),
    representativeRelationship: optional(text(form, 'representativeRelationship')),
    obtainedHow: text(form, 'obtainedHow'),
    obtainedOn: text(form, 'obtainedOn'),
  }),
  withdrawal: (form: RawForm) => ({ reason: optional(text(form, 'reason')) }),
  admission: (form: RawForm) => ({
    hospital: text(form, 'hospital'),
    admittedOn: text(form, 'admittedOn'),
    admittedAfterHours: text(form, 'admittedAfterHours') === 'true',
  }),
  discharge: (form: RawForm) => ({
    to: text(form, 'to'),
    organisation: optional(text(form, 'organisation')),
    dischargedOn: text(form, 'dischargedOn'),
  }),
};

/** The care cycle on the record: where the patient is (admission, discharge) and their consent to sharing. */
export function careCycleRoutes(deps: PatientDeps): Router {
  const router = express.Router();

  async function page(
    req: Request,
    res: Response,
    status: number,
    extra: { issues?: readonly ItemIssue[]; problem?: string } = {},
  ): Promise<void> {
    const actor = actorOf(req);
    const patientId = param(req, 'patientId');
    const whereabouts = await readWhereabouts(deps, actor, patientId);
    const consents = await listConsents(deps, actor, patientId);
    const role = await roleOf(deps, actor, patientId);
    send(
      res,
      status,
      renderCareCyclePage(
        {
          patientId,
          patientName: await patientName(deps, actor, patientId),
          whereabouts,
          consents,
          canWrite: role === 'owner' || role === 'editor',
          canManage: role === 'owner',
          ...extra,
        },
        languageOf(req),
      ),
    );
  }

  /** A change refused for its input or by a rule is shown on the page, the rest of the page kept. */
  async function change(
    req: Request,
    res: Response,
    work: (form: RawForm) => Promise<unknown>,
  ): Promise<void> {
    const lang = languageOf(req);
    try {
      await work(bodyOf(req));
      redirect(res, `/patients/${param(req, 'patientId')}/care`, lang);
    } catch (error) {
      if (error instanceof InvalidItemError) return page(req, res, 400, { issues: error.issues });
      if (error instanceof HttpError && error.status === 409) {
        return page(req, res, 409, { problem: lang === 'ja' ? error.messageJa : error.messageEn });
      }
      throw error;
    }
  }

  router.get('/patients/:patientId/care', (req, res) => page(req, res, 200));
  router.post('/patients/:patientId/consents', (req, res) =>
    change(req, res, (form) =>
      recordConsent(deps, actorOf(req), param(req, 'patientId'), inputs.consent(form)),
    ),
  );
  router.post('/patients/:patientId/consents/:consentId/withdraw', (req, res) =>
    change(req, res, (form) =>
      withdrawConsent(
        deps,
        actorOf(req),
        param(req, 'patientId'),
        param(req, 'consentId'),
        inputs.withdrawal(form),
      ),
    ),
  );
  router.post('/patients/:patientId/admission', (req, res) =>
    change(req, res, (form) =>
      recordAdmission(deps, actorOf(req), param(req, 'patientId'), inputs.admission(form)),
    ),
  );
  router.post('/patients/:patientId/discharge', (req, res) =>
    change(req, res, (form) =>
      recordDischarge(deps, actorOf(req), param(req, 'patientId'), inputs.discharge(form)),
    ),
  );

  return router;
}
