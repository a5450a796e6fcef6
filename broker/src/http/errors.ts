import type { ErrorRequestHandler, Request, Response } from 'express';
import { AuditUnavailableError } from '../audit/record-first.js';
import { noticePage, type Bilingual } from './pages.js';

/** Errors a person can act on, with a message in Japanese and English. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly messageJa: string,
    readonly messageEn: string,
  ) {
    super(messageEn);
  }
}

/** JSON for scripts and API clients; a page for a browser that navigated here (a form post, a link). */
function answer(req: Request, res: Response, status: number, text: Bilingual, title: string): void {
  res.status(status);
  if (req.accepts(['json', 'html']) === 'html') {
    res.type('html').send(noticePage(title, text, { href: '/', text: 'トップへ戻る' }));
    return;
  }
  res.json({ error: text });
}

export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  if (error instanceof HttpError) {
    answer(req, res, error.status, { ja: error.messageJa, en: error.messageEn }, 'この操作はできません');
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
