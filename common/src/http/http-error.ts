import type { Bilingual } from '../text/bilingual.js';

/**
 * The one error kit of the broker and the portal: an error a person can act on, with its message in Japanese
 * and English and a machine-readable code, answered as `{ error: { ja, en, code } }`.
 */

/** The code an answer carries when the error names none: what kind of refusal it is. */
const CODE_OF_STATUS: Record<number, string> = {
  400: 'bad-request',
  401: 'sign-in-required',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  410: 'gone',
  413: 'too-large',
  415: 'unsupported-type',
  422: 'unprocessable',
  429: 'too-many-requests',
  503: 'unavailable',
};

export class HttpError extends Error {
  readonly code: string;

  constructor(
    readonly status: number,
    readonly messageJa: string,
    readonly messageEn: string,
    code?: string,
    /** When to ask again: sent as Retry-After and in the body, for pages that retry by themselves. */
    readonly retryAfterSeconds?: number,
  ) {
    super(messageEn);
    this.code = code ?? CODE_OF_STATUS[status] ?? (status >= 500 ? 'server-error' : 'refused');
  }

  get text(): Bilingual {
    return { ja: this.messageJa, en: this.messageEn };
  }
}

export class BadRequestError extends HttpError {
  constructor(ja: string, en: string, code?: string) {
    super(400, ja, en, code);
  }
}

export class UnauthorisedError extends HttpError {
  constructor(ja = 'サインインが必要です。', en = 'Sign-in is required.') {
    super(401, ja, en);
  }
}

export class ForbiddenError extends HttpError {
  constructor(ja = 'この操作は許可されていません。', en = 'You are not allowed to do this.', code?: string) {
    super(403, ja, en, code);
  }
}

export class NotFoundError extends HttpError {
  constructor(ja: string, en: string, code?: string) {
    super(404, ja, en, code);
  }
}

export const MALFORMED_REQUEST: Bilingual = {
  ja: 'リクエストの形式が正しくありません。',
  en: 'The request is malformed.',
};

export const SERVER_ERROR: Bilingual = {
  ja: 'サーバーで問題が発生しました。',
  en: 'Something went wrong on the server.',
};

/** The JSON body of a refusal: Japanese first, then English, then the code. */
export function errorBody(
  text: Bilingual,
  code: string,
  retryAfterSeconds?: number,
): { error: Bilingual & { code: string }; retryAfterSeconds?: number } {
  return {
    error: { ja: text.ja, en: text.en, code },
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
}

/**
 * What an error that reached a service's error handler answers: its own status and text when it is an
 * HttpError, 4xx "malformed" for what the body parsers refused, 500 for anything else (`isOurs` false, to be
 * logged without request data).
 */
export function refusalOf(error: unknown): {
  status: number;
  text: Bilingual;
  code: string;
  retryAfterSeconds?: number;
  isOurs: boolean;
} {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      text: error.text,
      code: error.code,
      retryAfterSeconds: error.retryAfterSeconds,
      isOurs: true,
    };
  }
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, text: MALFORMED_REQUEST, code: 'malformed-request', isOurs: true };
  }
  return { status: 500, text: SERVER_ERROR, code: 'server-error', isOurs: false };
}
