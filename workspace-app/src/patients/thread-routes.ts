import express, { type Request, type Response, type Router } from 'express';
import '../http/session-types.js';
import { chosenUploads } from '../attachments/attachment-page.js';
import { languageOf } from '../ui/language.js';
import { readForm, type RawForm } from './form-fields.js';
import { InvalidItemError, type ItemIssue } from './invalid-item-error.js';
import type { PatientDeps } from './patient-audit.js';
import { actorOf, bodyOf, param, redirect, send } from './patient-route-helpers.js';
import { postToThread, readThread } from './patient-thread.js';
import { renderThreadPage, threadPostForm } from './thread-page.js';

/** The patient's thread: reading it (which marks its posts read) and posting or replying. */
export function threadRoutes(deps: PatientDeps): Router {
  const router = express.Router();

  async function threadPage(
    req: Request,
    res: Response,
    status: number,
    extra: { form?: RawForm; issues?: readonly ItemIssue[] } = {},
  ): Promise<void> {
    const actor = actorOf(req);
    const thread = await readThread(deps, actor, param(req, 'patientId'));
    send(res, status, renderThreadPage({ thread, actorId: actor.id, ...extra }, languageOf(req)));
  }

  router.get('/patients/:patientId/thread', (req, res) => threadPage(req, res, 200));

  router.post('/patients/:patientId/thread', async (req, res) => {
    const form = bodyOf(req);
    const patientId = param(req, 'patientId');
    try {
      const post = await postToThread(deps, actorOf(req), patientId, {
        ...readForm(threadPostForm(), form),
        attachments: chosenUploads(form),
      });
      redirect(res, `/patients/${patientId}/thread#post-${post.id}`, languageOf(req));
    } catch (error) {
      // Input refused: the page again with what was typed and each problem beside its field (400).
      if (error instanceof InvalidItemError) return threadPage(req, res, 400, { form, issues: error.issues });
      throw error;
    }
  });

  return router;
}
