import express, { type Request, type Response, type Router } from 'express';
import { HttpError } from '@hcw/common';
import '../http/session-types.js';
import { languageOf } from '../ui/language.js';
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
import { readForm, type RawForm } from './form-fields.js';
import { InvalidItemError, type ItemIssue } from './invalid-item-error.js';
import type { PatientDeps } from './patient-audit.js';

import { actorOf, bodyOf, param, patientName, redirect, send, text } from './patient-route-helpers.js';

/** Care teams: the invitations a practitioner holds, and each patient's team and its changes. */
export function careTeamRoutes(deps: PatientDeps): Router {
  const router = express.Router();

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
      renderTeamPage(
        { team, patientName: await patientName(deps, actor, patientId), ...extra },
        languageOf(req),
      ),
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

  return router;
}
