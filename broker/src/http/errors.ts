import type { ErrorRequestHandler, Request, Response } from 'express';
import { AuditUnavailableError } from '../audit/record-first.js';
import { noticePage, type Bilingual } from './pages.js';

/** Errors a person can act on, with a message in Japanese and English, and a code a page can act on. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly messageJa: string,
    readonly messageEn: string,
    readonly code?: string,
    /** When to ask again: sent as Retry-After and in the body, for pages that retry by themselves. */
    readonly retryAfterSeconds?: number,
  ) {
    super(messageEn);
  }
}

/** JSON for scripts and API clients; a page for a browser that navigated here (a form post, a link). */
function answer(
  req: Request,
  res: Response,
  status: number,
  text: Bilingual,
  title: string,
  extra: { code?: string; retryAfterSeconds?: number } = {},
): void {
  res.status(status);
  if (extra.retryAfterSeconds !== undefined) res.set('Retry-After', String(extra.retryAfterSeconds));
  if (req.accepts(['json', 'html']) === 'html') {
    res.type('html').send(noticePage(title, text, { href: '/', text: 'トップへ戻る' }));
    return;
  }
  res.json({
    error: extra.code ? { code: extra.code, ...text } : text,
    ...(extra.retryAfterSeconds !== undefined ? { retryAfterSeconds: extra.retryAfterSeconds } : {}),
  });
}

export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  if (error instanceof HttpError) {
    const { code, retryAfterSeconds } = error;
    answer(req, res, error.status, { ja: error.messageJa, en: error.messageEn }, 'この操作はできません', {
      code,
      retryAfterSeconds,
    });
    return;
  }
  if (error instanceof AuditUnavailableError) {
    process.stderr.write(`broker: ${error.message}\n`);
    res.set('Retry-After', '60');
    answer(req, res, 503, error.text, 'ただいま受け付けられません');
    return;
  }
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    answer(
      req,
      res,
      status,
      { ja: 'リクエストの形式が正しくありません。', en: 'The request is malformed.' },
      'この操作はできません',
    );
    return;
  }
  process.stderr.write(`broker error: ${(error as Error).message}\n`);
  answer(
    req,
    res,
    500,
    { ja: 'サーバーで問題が発生しました。', en: 'Something went wrong on the server.' },
    'エラーが発生しました',
  );
};
