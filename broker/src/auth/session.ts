import { createHmac, timingSafeEqual } from 'node:crypto';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import type { RequestHandler } from 'express';
import type { RedisClientType } from 'redis';
import type { BrokerConfig } from '../config.js';
import type { SignedInUser } from './signed-in-user.js';

declare module 'express-session' {
  interface SessionData {
    user?: SignedInUser;
    signedInAt?: number;
  }
}

export const SESSION_COOKIE = 'broker.sid';

export function createSessionStore(redis: RedisClientType): RedisStore {
  return new RedisStore({ client: redis, prefix: 'broker:sess:' });
}

export function sessionMiddleware(config: BrokerConfig, store: RedisStore): RequestHandler {
  return session({
    name: SESSION_COOKIE,
    store,
    secret: config.session.secret,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: {
      httpOnly: true,
      secure: config.session.secureCookie,
      sameSite: 'lax',
      maxAge: config.session.idleMinutes * 60 * 1000,
    },
  });
}

/** express-session's cookie format: `s:` + id + `.` + base64 HMAC-SHA256 of the id, without padding. */
function unsignSessionId(cookieValue: string, secret: string): string | undefined {
  if (!cookieValue.startsWith('s:')) return undefined;
  const signed = cookieValue.slice(2);
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const id = signed.slice(0, dot);
  const expected = createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '');
  const given = signed.slice(dot + 1);
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b) ? id : undefined;
}

/** The signed-in user behind a Cookie header, for requests that do not pass through Express (WebSocket). */
export async function userFromCookieHeader(
  cookieHeader: string | undefined,
  secret: string,
  store: RedisStore,
): Promise<SignedInUser | undefined> {
  if (!cookieHeader) return undefined;
  const raw = cookieHeader
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${SESSION_COOKIE}=`));
  if (!raw) return undefined;
  let value: string;
  try {
    value = decodeURIComponent(raw.slice(SESSION_COOKIE.length + 1));
  } catch {
    return undefined;
  }
  const id = unsignSessionId(value, secret);
  if (!id) return undefined;
  const data = await new Promise<session.SessionData | null | undefined>((resolve, reject) =>
    store.get(id, (error, sess) => (error ? reject(error) : resolve(sess))),
  );
  return data?.user;
}
