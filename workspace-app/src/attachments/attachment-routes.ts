import {
  BadRequestError,
  DEVICE_UPLOAD_PATH,
  DeviceUpload,
  type DeviceUploadReceipt,
  HttpError,
  verifiedJson,
} from '@hcw/common';
import { createHash } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type pg from 'pg';
import '../http/session-types.js';
import { languageOf } from '../ui/language.js';
import { isUuid } from '../patients/patient-access.js';
import type { PatientDeps } from '../patients/patient-audit.js';
import { actorOf, bodyOf, param, redirect, send } from '../patients/patient-route-helpers.js';
import { renderAttachmentsPage, chosenUploads } from './attachment-page.js';
import {
  attachToRecord,
  type AttachmentPicture,
  discardUnfiledUpload,
  readPatientAttachments,
  receiveUpload,
  viewPatientAttachment,
  viewUnfiledUpload,
} from './attachments.js';

/** The broker hands over a file a device sent (signed; see device-uploads.ts in the common package). */
export function deviceUploadRoute(deps: { pool: pg.Pool; handoffSecret: string }): Router {
  const router = express.Router();
  router.post(DEVICE_UPLOAD_PATH, express.text({ type: '*/*', limit: '40mb' }), async (req, res) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const json = verifiedJson(deps.handoffSecret, 'POST', DEVICE_UPLOAD_PATH, body, req.headers);
    const parsed = DeviceUpload.safeParse(json);
    if (!parsed.success) {
      throw new BadRequestError(
        '送られたファイルの情報が正しくありません。',
        `Invalid upload: ${parsed.error.issues[0]?.message}`,
      );
    }
    const content = Buffer.from(parsed.data.content, 'base64');
    if (createHash('sha256').update(content).digest('hex') !== parsed.data.sha256) {
      throw new BadRequestError('ファイルが途中で壊れています。', 'The file does not match its hash.');
    }
    const receipt: DeviceUploadReceipt = await receiveUpload(deps.pool, parsed.data, content);
    res.status(receipt.duplicate ? 200 : 201).json(receipt);
  });
  return router;
}

/** The page asked for, 404 when it cannot be one. */
export function pageNumber(req: Request): number {
  const page = Number(param(req, 'page'));
  if (!Number.isInteger(page) || page < 1 || page > 1000) {
    throw new HttpError(404, 'ページが見つかりません。', 'The page was not found.');
  }
  return page;
}

/** An attachment's id from the path, 404 when it cannot be one (never a database error). */
export function uuidParam(req: Request, name: string): string {
  const value = param(req, name);
  if (!isUuid(value))
    throw new HttpError(404, '写真・文書が見つかりません。', 'The photo or document was not found.');
  return value;
}

/** A picture for the desktop's browser to show in the page: never cached, never a download. */
export function sendPicture(res: Response, picture: AttachmentPicture): void {
  res.setHeader('Content-Disposition', 'inline');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.status(200).type(picture.mediaType).send(picture.content);
}

/** The patient's photos and documents page, attaching received uploads to it, and showing their pictures. */
export function attachmentRoutes(deps: PatientDeps): Router {
  const router = express.Router();

  router.get('/patients/:patientId/attachments', async (req, res) => {
    const actor = actorOf(req);
    const patientId = param(req, 'patientId');
    const view = await readPatientAttachments(deps, actor, patientId);
    send(res, 200, renderAttachmentsPage({ ...view, patientId }, languageOf(req)));
  });

  router.post('/patients/:patientId/attachments', async (req, res) => {
    const patientId = param(req, 'patientId');
    await attachToRecord(deps, actorOf(req), patientId, chosenUploads(bodyOf(req)).filter(isUuid));
    redirect(res, `/patients/${patientId}/attachments`, languageOf(req));
  });

  router.get('/patients/:patientId/attachments/:attachmentId/pages/:page', async (req, res) => {
    const picture = await viewPatientAttachment(
      deps,
      actorOf(req),
      param(req, 'patientId'),
      uuidParam(req, 'attachmentId'),
      pageNumber(req),
    );
    sendPicture(res, picture);
  });

  router.get('/uploads/:uploadId/pages/:page', async (req, res) => {
    sendPicture(
      res,
      await viewUnfiledUpload(deps, actorOf(req), uuidParam(req, 'uploadId'), pageNumber(req)),
    );
  });

  router.post('/uploads/:uploadId/discard', async (req, res) => {
    await discardUnfiledUpload(deps, actorOf(req), uuidParam(req, 'uploadId'));
    const back = typeof req.query.back === 'string' && isUuid(req.query.back) ? req.query.back : undefined;
    redirect(res, back ? `/patients/${back}/attachments` : '/patients', languageOf(req));
  });

  return router;
}
