import type { ErrorRequestHandler } from 'express';
import { errorBody, refusalOf } from '@hcw/common';

/** Every refusal as `{ error: { ja, en, code } }`; anything unexpected is logged without request data. */
export const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  // Failed halfway through an answer (a stream cut short): Express's own handler ends the connection.
  if (res.headersSent) return next(error);
  const refusal = refusalOf(error);
  if (!refusal.isOurs) process.stderr.write(`portal error: ${(error as Error).message}\n`);
  if (refusal.retryAfterSeconds !== undefined) res.set('Retry-After', String(refusal.retryAfterSeconds));
  res.status(refusal.status).json(errorBody(refusal.text, refusal.code, refusal.retryAfterSeconds));
};
