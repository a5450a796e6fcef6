import type { ErrorRequestHandler, Request, Response } from 'express';
import { errorBody, refusalOf, type Bilingual } from '@hcw/common';
import { AuditUnavailableError } from '../audit/record-first.js';
import { noticePage } from './pages.js';

/** JSON for scripts and API clients; a page for a browser that navigated here (a form post, a link). */
function answer(
  req: Request,
  res: Response,
  status: number,
  text: Bilingual,
  title: string,
  code: string,
  retryAfterSeconds?: number,
): void {
  res.status(status);
  if (retryAfterSeconds !== undefined) res.set('Retry-After', String(retryAfterSeconds));
  if (req.accepts(['json', 'html']) === 'html') {
    res.type('html').send(noticePage(title, text, { href: '/', text: 'トップへ戻る' }));
    return;
  }
  res.json(errorBody(text, code, retryAfterSeconds));
}

export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, next) => {
  // Failed halfway through an answer (a stream cut short): Express's own handler ends the connection.
  if (res.headersSent) return next(error);
  if (error instanceof AuditUnavailableError) {
    process.stderr.write(`broker: ${error.message}\n`);
    res.set('Retry-After', '60');
    answer(req, res, 503, error.text, 'ただいま受け付けられません', 'audit-unavailable');
    return;
  }
  const refusal = refusalOf(error);
  if (!refusal.isOurs) process.stderr.write(`broker error: ${(error as Error).message}\n`);
  const title = refusal.isOurs ? 'この操作はできません' : 'エラーが発生しました';
  answer(req, res, refusal.status, refusal.text, title, refusal.code, refusal.retryAfterSeconds);
};
