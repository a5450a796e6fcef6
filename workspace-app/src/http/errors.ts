import type { ErrorRequestHandler } from 'express';

/** Errors a person can act on, each with a message in Japanese and English. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly messageJa: string,
    readonly messageEn: string,
  ) {
    super(messageEn);
  }
}

export class BadRequestError extends HttpError {
  constructor(ja: string, en: string) {
    super(400, ja, en);
  }
}

export class UnauthorisedError extends HttpError {
  constructor(ja = 'サインインが必要です。', en = 'Sign-in is required.') {
    super(401, ja, en);
  }
}

export class ForbiddenError extends HttpError {
  constructor(ja = 'この操作は許可されていません。', en = 'You are not allowed to do this.') {
    super(403, ja, en);
  }
}

export const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  if (error instanceof HttpError) {
    res.status(error.status).json({ error: { ja: error.messageJa, en: error.messageEn } });
    return;
  }
  // Body parser errors carry a status; anything else is ours and is logged without request data.
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    res
      .status(status)
      .json({ error: { ja: 'リクエストの形式が正しくありません。', en: 'The request is malformed.' } });
    return;
  }
  process.stderr.write(`portal error: ${(error as Error).message}\n`);
  res
    .status(500)
    .json({ error: { ja: 'サーバーで問題が発生しました。', en: 'Something went wrong on the server.' } });
};
