import express, { type Request, type Response, type Router } from 'express';
import { tokyoDate } from '@hcw/common';
import '../http/session-types.js';
import { languageOf } from '../ui/language.js';
import { renderMyCalendar, renderPatientCalendar, renderTodayPage, visitPlanForm } from './calendar-pages.js';
import { listTodaysConferences } from './care-conferences.js';
import { readCareTeam } from './care-team.js';
import { messageIn, readForm, type RawForm } from './form-fields.js';
import { InvalidItemError, type ItemIssue } from './invalid-item-error.js';
import type { PatientDeps } from './patient-audit.js';
import {
  cancelVisit,
  listPatientVisits,
  listPractitionerVisits,
  listTodaysVisits,
  scheduleVisit,
} from './visit-calendar.js';
import { VisitConflictError } from './visit-conflict-error.js';
import { scheduleVisitSeries } from './visit-series.js';

import { actorOf, bodyOf, param, patientName, redirect, send, text } from './patient-route-helpers.js';

/** Visits: today's list, the practitioner's week, and each patient's calendar with its planning. */
export function calendarRoutes(deps: PatientDeps): Router {
  const router = express.Router();

  router.get('/patients/today', async (req, res) => {
    const actor = actorOf(req);
    const visits = await listTodaysVisits(deps, actor);
    send(res, 200, renderTodayPage(visits, languageOf(req), await listTodaysConferences(deps, actor)));
  });

  router.get('/patients/calendar', async (req, res) => {
    const from = typeof req.query.from === 'string' ? req.query.from : undefined;
    const visits = await listPractitionerVisits(deps, actorOf(req), { from, days: 7 });
    const first = from && /^\d{4}-\d{2}-\d{2}$/.test(from) ? from : undefined;
    send(res, 200, renderMyCalendar(visits, first ?? tokyoDate(new Date()), 7, languageOf(req)));
  });

  async function calendarPage(
    req: Request,
    res: Response,
    status: number,
    extra: {
      form?: RawForm;
      issues?: readonly ItemIssue[];
      conflict?: VisitConflictError;
      seriesProblems?: readonly string[];
    } = {},
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
          patientName: visits[0]?.patientName ?? (await patientName(deps, actor, patientId)),
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

  router.post('/patients/:patientId/visits/series', async (req, res) => {
    const form = bodyOf(req);
    const patientId = param(req, 'patientId');
    const lang = languageOf(req);
    const values = (name: string) => {
      const value = form[name];
      return (Array.isArray(value) ? value : value === undefined ? [] : [value]).flatMap((v) =>
        v.split(/\r?\n/),
      );
    };
    const number = (name: string) => (text(form, name) === '' ? undefined : Number(text(form, name)));
    try {
      const series = await scheduleVisitSeries(deps, actorOf(req), patientId, {
        practitionerId: text(form, 'practitionerId'),
        firstDate: text(form, 'firstDate'),
        time: text(form, 'time'),
        weekdays: values('weekdays').filter(Boolean).map(Number),
        weeks: number('weeks'),
        durationMinutes: number('durationMinutes') ?? 60,
        purpose: text(form, 'purpose') || undefined,
        exceptDates: values('exceptDates')
          .map((line) => line.trim())
          .filter(Boolean),
      });
      redirect(res, `/patients/${patientId}/calendar?from=${series.dates[0]}`, lang);
    } catch (error) {
      if (error instanceof InvalidItemError) {
        const problems = error.issues.map((issue) => messageIn(issue.message, lang));
        return calendarPage(req, res, 400, { seriesProblems: problems });
      }
      if (error instanceof VisitConflictError) {
        return calendarPage(req, res, 409, {
          seriesProblems: [lang === 'ja' ? error.messageJa : error.messageEn],
        });
      }
      throw error;
    }
  });

  router.post('/patients/:patientId/visits/:visitId/cancel', async (req, res) => {
    await cancelVisit(deps, actorOf(req), param(req, 'patientId'), param(req, 'visitId'));
    redirect(res, `/patients/${param(req, 'patientId')}/calendar`, languageOf(req));
  });

  return router;
}
