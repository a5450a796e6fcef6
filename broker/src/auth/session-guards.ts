import { HttpError, splitBilingual } from '@hcw/common';
import type { RequestHandler } from 'express';
import type { RedisClientType } from 'redis';
import type { BrokerConfig } from '../config.js';
import { endedSessionMessage, sessionIdFromCookieHeader } from './session.js';

/**
 * Lets signed-in requests through. Any other gets 401; when the browser's cookie names a session that has
 * ended, the answer says why (code `session-ended`), so the client page can tell its user instead of
 * sending them to sign in again without a word.
 */
export function signedInOnly(redis: RedisClientType, secrets: string[]): RequestHandler {
  return (req, _res, next) => {
    if (req.session.user) {
      next();
      return;
    }
    const sessionId = sessionIdFromCookieHeader(req.headers.cookie, secrets);
    (sessionId ? endedSessionMessage(redis, sessionId) : Promise.resolve(undefined))
      .then((ended) => {
        if (!ended) throw new HttpError(401, 'サインインが必要です。', 'Sign-in is required.');
        const { ja, en } = splitBilingual(ended);
        throw new HttpError(401, ja, en, 'session-ended');
      })
      .catch(next);
  };
}

/** Ends a session older than the longest sign-in allowed, whatever its activity. */
export function endSessionsPastTheirLifetime(config: BrokerConfig): RequestHandler {
  const maxMs = config.session.maxHours * 3600 * 1000;
  return (req, _res, next) => {
    const signedInAt = req.session?.signedInAt;
    if (signedInAt !== undefined && Date.now() - signedInAt > maxMs) {
      req.session.destroy(() => next());
      return;
    }
    next();
  };
}
