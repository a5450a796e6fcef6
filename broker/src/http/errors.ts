import type { ErrorRequestHandler } from 'express';

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

export const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  if (error instanceof HttpError) {
    const { code, messageJa: ja, messageEn: en, retryAfterSeconds } = error;
    if (retryAfterSeconds !== undefined) res.set('Retry-After', String(retryAfterSeconds));
    res.status(error.status).json({
      error: code ? { code, ja, en } : { ja, en },
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    });
    return;
  }
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    res
      .status(status)
      .json({ error: { ja: 'リクエストの形式が正しくありません。', en: 'The request is malformed.' } });
    return;
  }
  process.stderr.write(`broker error: ${(error as Error).message}\n`);
  res
    .status(500)
    .json({ error: { ja: 'サーバーで問題が発生しました。', en: 'Something went wrong on the server.' } });
};
