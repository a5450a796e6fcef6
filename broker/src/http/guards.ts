import type { RequestHandler } from 'express';
import { HttpError } from '@hcw/common';

/** A signed-in session, or 401. */
export const requireUser: RequestHandler = (req, _res, next) => {
  if (!req.session.user) throw new HttpError(401, 'サインインが必要です。', 'Sign-in is required.');
  next();
};

/** Only our own page's script sends this header; a cross-site form cannot. */
export const requireClientHeader: RequestHandler = (req, _res, next) => {
  if (req.get('x-requested-with') !== 'hcw-client') {
    throw new HttpError(403, 'この要求は受け付けられません。', 'This request is not accepted.');
  }
  next();
};
