import express, { type Request, type Response, type Router } from 'express';
import '../http/session-types.js';
import { languageOf } from '../ui/language.js';
import {
  answerConference,
  cancelConference,
  ConferenceRuleError,
  listPatientConferences,
  planConference,
} from './care-conferences.js';
import { readCareTeam } from './care-team.js';
import { conferencePlanForm, renderPatientConferences } from './conference-pages.js';
import { readForm, type RawForm } from './form-fields.js';
import { InvalidItemError, type ItemIssue } from './invalid-item-error.js';
import type { PatientDeps } from './patient-audit.js';
import { actorOf, bodyOf, param, patientName, redirect, send, text } from './patient-route-helpers.js';

/** Care conferences of a patient: the list with its clashes, planning, answering, cancelling. */
export function conferenceRoutes(deps: PatientDeps): Router {
  const router = express.Router();

  async function conferencesPage(
    req: Request,
    res: Response,
    status: number,
    extra: { form?: RawForm; issues?: readonly ItemIssue[]; problem?: string } = {},
  ): Promise<void> {
    const actor = actorOf(req);
    const patientId = param(req, 'patientId');
    const conferences = await listPatientConferences(deps, actor, patientId);
    const team = await readCareTeam(deps, actor, patientId);
    send(
      res,
      status,
      renderPatientConferences(
        {
          patientId,
          patientName: conferences[0]?.patientName ?? (await patientName(deps, actor, patientId)),
          conferences,
          team,
          actorId: actor.id,
          canWrite: team.me.role !== 'reader',
          ...extra,
        },
        languageOf(req),
      ),
    );
  }

  /** Input refused: the page again with its problems (400); a rule broken: the page with the reason (409). */
  async function refused(req: Request, res: Response, error: unknown, form?: RawForm): Promise<void> {
    if (error instanceof InvalidItemError)
      return conferencesPage(req, res, 400, { form, issues: error.issues });
    if (error instanceof ConferenceRuleError) {
      const lang = languageOf(req);
      return conferencesPage(req, res, 409, {
        form,
        problem: lang === 'ja' ? error.messageJa : error.messageEn,
      });
    }
    throw error;
  }

  router.get('/patients/:patientId/conferences', (req, res) => conferencesPage(req, res, 200));

  router.post('/patients/:patientId/conferences', async (req, res) => {
    const form = bodyOf(req);
    const patientId = param(req, 'patientId');
    try {
      await planConference(deps, actorOf(req), patientId, readForm(conferencePlanForm(), form));
      redirect(res, `/patients/${patientId}/conferences`, languageOf(req));
    } catch (error) {
      await refused(req, res, error, form);
    }
  });

  router.post('/patients/:patientId/conferences/:conferenceId/answer', async (req, res) => {
    const patientId = param(req, 'patientId');
    const answer = text(bodyOf(req), 'answer');
    try {
      await answerConference(
        deps,
        actorOf(req),
        patientId,
        param(req, 'conferenceId'),
        answer as 'accept' | 'decline',
      );
      redirect(res, `/patients/${patientId}/conferences`, languageOf(req));
    } catch (error) {
      await refused(req, res, error);
    }
  });

  router.post('/patients/:patientId/conferences/:conferenceId/cancel', async (req, res) => {
    const patientId = param(req, 'patientId');
    try {
      await cancelConference(deps, actorOf(req), patientId, param(req, 'conferenceId'));
      redirect(res, `/patients/${patientId}/conferences`, languageOf(req));
    } catch (error) {
      await refused(req, res, error);
    }
  });

  return router;
}
