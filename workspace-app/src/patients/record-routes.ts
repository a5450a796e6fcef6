import express, { type Request, type Response, type Router } from 'express';
import { HttpError, toDatetimeLocal, tokyoDate } from '@hcw/common';
import '../http/session-types.js';
import { languageOf } from '../ui/language.js';
import { createPatient } from './create-patient.js';
import { EditConflictError } from './edit-conflict-error.js';
import { formFromValue, readForm, type RawForm } from './form-fields.js';
import { InvalidItemError, type ItemIssue } from './invalid-item-error.js';
import { basicsForm, itemForms } from './item-forms.js';
import { listPatients } from './list-patients.js';
import { isUuid } from './patient-access.js';
import type { PatientDeps } from './patient-audit.js';
import { renderNewPatientPage, renderPatientList } from './patient-list-page.js';
import { professionCode } from './patient-page-parts.js';
import { renderHistoryPage, renderItemFormPage, renderRecordPage } from './patient-record-page.js';
import { readPatientRecord } from './patient-record.js';
import {
  addRecordItem,
  changeRecordItem,
  readItemHistory,
  readRecordItem,
  removeRecordItem,
} from './record-items.js';
import { isItemKind, type ItemKind } from './standard-items.js';
import { listTodaysVisits } from './visit-calendar.js';

import {
  actorOf,
  bodyOf,
  param,
  patientName,
  redirect,
  send,
  text,
  versionOf,
} from './patient-route-helpers.js';

/** The patient list, registration, and one patient's record with its standard items and their history. */
export function recordRoutes(deps: PatientDeps): Router {
  const router = express.Router();

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
        { patientId, patientName: await patientName(deps, actor, patientId), ...view },
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
      renderHistoryPage(
        patientId,
        await patientName(deps, actor, patientId),
        item,
        versions,
        languageOf(req),
      ),
    );
  });

  return router;
}
