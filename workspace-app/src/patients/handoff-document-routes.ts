import express, { type Request, type Response, type Router } from 'express';
import '../http/session-types.js';
import { languageOf } from '../ui/language.js';
import { readCareTeam } from './care-team.js';
import { type RawForm } from './form-fields.js';
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
  versionOf,
} from './patient-route-helpers.js';

/** Hand-off documents: the inbox of received ones, and each patient's documents from draft to sent. */
export function handoffDocumentRoutes(deps: PatientDeps): Router {
  const router = express.Router();

  router.get('/patients/documents', async (req, res) => {
    send(res, 200, renderInboxPage(await listReceivedDocuments(deps, actorOf(req)), languageOf(req)));
  });

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
          patientName: await patientName(deps, actor, patientId),
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
    const role = await roleOf(deps, actor, patientId);
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

  return router;
}
