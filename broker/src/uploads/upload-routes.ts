import { createHash } from 'node:crypto';
import { type AuditTrail, type DeviceUpload, HttpError, type UploadMediaType } from '@hcw/common';
import express, {
  Router,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { auditActor } from '../audit/audit-actor.js';
import { practitionerOf, type SignedInUser } from '../auth/signed-in-user.js';
import { requireClientHeader } from '../http/guards.js';
import { declaredMediaType, sniffMediaType } from './media-kind.js';
import { stripJpegMetadata, stripPngMetadata, UnreadablePictureError } from './picture-metadata.js';
import { ScannerUnavailableError, type VirusScanner } from './virus-scanner.js';

export interface UploadRoutesDeps {
  audit: AuditTrail;
  /** Unset when no scanner is configured: the client page is told sending is not offered. */
  scanner: VirusScanner | undefined;
  maxBytes: number;
  portal: { deliver(upload: DeviceUpload): Promise<{ id: string; duplicate: boolean }> };
  requireUser: RequestHandler;
  log(message: string): void;
}

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const megabytes = (bytes: number) => `${Math.floor(bytes / (1024 * 1024))} MB`;

/**
 * 「写真を送る」: the client page sends a photo or PDF from the device's camera or files, and the broker passes
 * it into the workspace, where the practitioner files it with a patient inside the desktop. The broker is the
 * gate: the file must be what it says (JPEG, PNG or PDF, by its bytes), no larger than the limit, free of
 * viruses by ClamAV, and a photo loses its location and other metadata before it goes on. A refused file gets
 * a message the person can act on and is kept nowhere. This is an upload channel only: nothing the device
 * sends is ever sent back to it, and the answer names no patient.
 */
export function uploadRoutes(deps: UploadRoutesDeps): Router {
  const router = Router();
  const signedInClient = [deps.requireUser, requireClientHeader];

  router.get('/api/uploads', ...signedInClient, (_req, res) => {
    res.json({ offered: deps.scanner !== undefined, maxBytes: deps.maxBytes });
  });

  const body = express.raw({ type: () => true, limit: deps.maxBytes });
  const readBody = (req: Request, res: Response, next: NextFunction) =>
    body(req, res, (error?: unknown) => {
      if ((error as { type?: string } | undefined)?.type === 'entity.too.large') {
        next(
          new HttpError(
            413,
            `ファイルが大きすぎます（上限 ${megabytes(deps.maxBytes)}）。写真を小さくして送ってください。`,
            `The file is too large (at most ${megabytes(deps.maxBytes)}). Send a smaller photo.`,
          ),
        );
        return;
      }
      next(error);
    });

  router.post('/api/uploads', ...signedInClient, readBody, async (req, res) => {
    const user = req.session.user as SignedInUser;
    const scanner = deps.scanner;
    if (!scanner) {
      throw new HttpError(
        409,
        'このワークスペースではファイルを送れません。',
        'Sending files is not offered by this workspace.',
      );
    }
    const id = req.get('x-upload-id') ?? '';
    if (!UPLOAD_ID.test(id)) {
      throw new HttpError(400, '送信の識別子がありません。', 'The upload has no identifier (x-upload-id).');
    }
    const content = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const refuse = async (
      status: number,
      reason: string,
      ja: string,
      en: string,
      details: Record<string, string> = {},
    ): Promise<never> => {
      await deps.audit.record({
        type: 'device-upload',
        outcome: 'failure',
        ...auditActor(user, req),
        details: { uploadId: id, refusal: reason, bytes: content.length, ...details },
      });
      throw new HttpError(status, ja, en);
    };
    if (content.length === 0) {
      await refuse(400, 'empty', 'ファイルが空です。', 'The file is empty.');
    }
    const declared = declaredMediaType(req.get('content-type'));
    const kind = sniffMediaType(content);
    if (!kind || kind !== declared) {
      await refuse(
        415,
        'media-type',
        '送れるのは写真（JPEG・PNG）と PDF だけです。iPhone では「設定」→「カメラ」→「フォーマット」を「互換性優先」にしてください。',
        'Only photos (JPEG, PNG) and PDF can be sent. On an iPhone, set Settings → Camera → Formats to “Most Compatible”.',
      );
    }
    const mediaType = kind as UploadMediaType;
    let verdict;
    try {
      verdict = await scanner.scan(content);
    } catch (error) {
      if (!(error instanceof ScannerUnavailableError)) throw error;
      deps.log(`uploads: ${error.message}`);
      return refuse(
        503,
        'scanner-unavailable',
        'ウイルス検査ができないため、いまは受け付けられません。少し待ってからもう一度送ってください。',
        'The virus scanner cannot be reached, so the file is not accepted now. Wait a moment and send it again.',
      );
    }
    if (!verdict.clean) {
      return refuse(
        422,
        'virus',
        'このファイルからウイルスが見つかったため、受け付けませんでした。ファイルは保存されていません。',
        'A virus was found in this file, so it was not accepted. Nothing was stored.',
        { signature: verdict.signature },
      );
    }
    let kept: Buffer;
    try {
      kept =
        mediaType === 'image/jpeg'
          ? stripJpegMetadata(content)
          : mediaType === 'image/png'
            ? stripPngMetadata(content)
            : content;
    } catch (error) {
      if (!(error instanceof UnreadablePictureError)) throw error;
      return refuse(
        415,
        'unreadable',
        '写真を読み取れませんでした。撮り直すか、別の写真を送ってください。',
        'The photo could not be read. Take it again or send another one.',
      );
    }
    const sha256 = createHash('sha256').update(kept).digest('hex');
    const receipt = await deps.portal
      .deliver({
        id,
        practitioner: practitionerOf(user),
        mediaType,
        content: kept.toString('base64'),
        sha256,
        scannedBy: verdict.scannedBy.slice(0, 200),
        metadataRemoved: mediaType !== 'application/pdf',
      })
      .catch(async (error: Error) => {
        // The portal's own refusal (too many files waiting to be attached) reaches the person as it is.
        if (error instanceof HttpError) {
          return refuse(error.status, 'portal-refused', error.messageJa, error.messageEn);
        }
        deps.log(`uploads: ${error.message}`);
        return refuse(
          503,
          'portal-unavailable',
          'ワークスペースに届けられませんでした。少し待ってからもう一度送ってください。',
          'The file could not be handed to the workspace. Wait a moment and send it again.',
        );
      });
    await deps.audit.record({
      type: 'device-upload',
      outcome: 'success',
      ...auditActor(user, req),
      details: {
        uploadId: receipt.id,
        mediaType,
        bytes: kept.length,
        sha256,
        metadataRemoved: mediaType !== 'application/pdf',
        duplicate: receipt.duplicate,
      },
    });
    res.status(receipt.duplicate ? 200 : 201).json({
      received: true,
      message: {
        ja: 'ワークスペースに届きました。デスクトップの患者の記録かスレッドで添付してください。',
        en: 'It reached the workspace. Attach it in a patient’s record or thread inside the desktop.',
      },
    });
  });

  return router;
}
