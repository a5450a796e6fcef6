import { createHmac, timingSafeEqual } from 'node:crypto';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import type { RequestHandler } from 'express';
import type { RedisClientType } from 'redis';
import type { BrokerConfig } from '../config.js';
import { leaseEndMessage } from '../desktops/lease-end-messages.js';
import { leaseEndedKey } from '../desktops/lease-store.js';
import type { SignedInUser } from './signed-in-user.js';

declare module 'express-session' {
  interface SessionData {
    user?: SignedInUser;
    signedInAt?: number;
  }
}

export const SESSION_COOKIE = 'broker.sid';

const SESSION_PREFIX = 'broker:sess:';
/** Where a session lives in Redis; its time to live is what is left of its idle timeout. */
export const sessionKey = (sessionId: string): string => `${SESSION_PREFIX}${sessionId}`;

export function createSessionStore(redis: RedisClientType): RedisStore {
  return new RedisStore({ client: redis, prefix: SESSION_PREFIX });
}

export function sessionMiddleware(config: BrokerConfig, store: RedisStore): RequestHandler {
  return session({
    name: SESSION_COOKIE,
    store,
    // The first signs; earlier ones still verify while a rotation rolls out.
    secret: [config.session.secret, ...config.session.previousSecrets],
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
function unsignSessionId(cookieValue: string, secrets: readonly string[]): string | undefined {
  if (!cookieValue.startsWith('s:')) return undefined;
  const signed = cookieValue.slice(2);
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const id = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1));
  const isSignedWith = (secret: string): boolean => {
    const expected = Buffer.from(createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, ''));
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  return secrets.some(isSignedWith) ? id : undefined;
}

/** The session ID a Cookie header carries, when the cookie is ours and signed by a current or earlier secret. */
export function sessionIdFromCookieHeader(
  cookieHeader: string | undefined,
  secrets: readonly string[],
): string | undefined {
  if (!cookieHeader) return undefined;
  const raw = cookieHeader
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${SESSION_COOKIE}=`));
  if (!raw) return undefined;
  try {
    return unsignSessionId(decodeURIComponent(raw.slice(SESSION_COOKIE.length + 1)), secrets);
  } catch {
    return undefined;
  }
}

/** The session and signed-in user behind a Cookie header, for requests that do not pass through Express. */
export async function sessionFromCookieHeader(
  cookieHeader: string | undefined,
  secrets: readonly string[],
  store: RedisStore,
): Promise<{ sessionId: string; user: SignedInUser } | undefined> {
  const id = sessionIdFromCookieHeader(cookieHeader, secrets);
  if (!id) return undefined;
  const data = await new Promise<session.SessionData | null | undefined>((resolve, reject) =>
    store.get(id, (error, sess) => (error ? reject(error) : resolve(sess))),
  );
  return data?.user ? { sessionId: id, user: data.user } : undefined;
}

/** Why sessions end; each has what the user is told when their desktop connection closes. */
export const SESSION_END_MESSAGES = {
  'signed-out': 'サインアウトしたため接続を終了しました。 / You signed out.',
  'signed-out-at-idp':
    '所属組織のサインイン（IdP）でサインアウトしたため接続を終了しました。 / You signed out at your organisation’s sign-in service.',
  'taken-over': '別の端末でサインインしたため、この接続を終了しました。 / You signed in on another device.',
  idle: '一定時間操作がなかったため、安全のため接続を終了しました。もう一度サインインしてください。 / Closed after a period without activity. Please sign in again.',
  lifetime:
    'サインインの有効期間が終わったため接続を終了しました。もう一度サインインしてください。 / Your sign-in has reached its maximum length. Please sign in again.',
  'lease-ended': 'デスクトップの利用が終了しました。 / Your desktop lease has ended.',
  'ended-by-administrator': '管理者が接続を終了しました。 / An administrator ended your session.',
} as const;
export type SessionEndReason = keyof typeof SESSION_END_MESSAGES;

const endedKey = (sessionId: string) => `session:ended:${sessionId}`;
/** As long as the longest sign-in: a tab left open learns why its session ended whenever it looks. */
const ENDED_REASON_KEPT_SECONDS = 24 * 3600;
export const deadlineKey = (sessionId: string) => `session:deadline:${sessionId}`;

/** Ends a session on purpose, leaving the reason for whoever holds its live tunnel. */
export async function endSession(
  redis: RedisClientType,
  store: RedisStore,
  sessionId: string,
  reason: SessionEndReason,
): Promise<void> {
  await redis.set(endedKey(sessionId), reason, { EX: ENDED_REASON_KEPT_SECONDS });
  await new Promise<void>((resolve) => store.destroy(sessionId, () => resolve()));
}

/**
 * Why the session a browser's cookie names is over, when it is: the reason recorded when it was ended on
 * purpose, the end of its lifetime, or else the idle timeout (the session simply expired). Undefined while
 * the session lives (a sign-in still waiting for its second factor, say). Read by the client page when it
 * finds itself signed out, so the reason reaches it even when its tunnel closed before it could be told.
 */
export async function endedSessionMessage(
  redis: RedisClientType,
  sessionId: string,
): Promise<(typeof SESSION_END_MESSAGES)[SessionEndReason] | undefined> {
  const [exists, reason, deadline] = await Promise.all([
    redis.exists(`broker:sess:${sessionId}`),
    redis.get(endedKey(sessionId)),
    redis.get(deadlineKey(sessionId)),
  ]);
  if (exists) return undefined;
  if (reason && reason in SESSION_END_MESSAGES) return SESSION_END_MESSAGES[reason as SessionEndReason];
  if (deadline && Date.now() > Number(deadline)) return SESSION_END_MESSAGES.lifetime;
  return SESSION_END_MESSAGES.idle;
}

/**
 * Whether a live tunnel's session or lease has ended, and why: on purpose (a recorded reason), by its
 * absolute lifetime (then it is ended here), by its lease, or by idle expiry (the session is simply gone).
 */
export async function endedReason(
  redis: RedisClientType,
  store: RedisStore,
  sessionId: string,
  userId: string,
  desktopId: string,
): Promise<string | undefined> {
  const [exists, reason, deadline, lease] = await Promise.all([
    redis.exists(sessionKey(sessionId)),
    redis.get(endedKey(sessionId)),
    redis.get(deadlineKey(sessionId)),
    redis.get(`lease:user:${userId}`),
  ]);
  if (reason && reason in SESSION_END_MESSAGES) return SESSION_END_MESSAGES[reason as SessionEndReason];
  if (!exists) return SESSION_END_MESSAGES.idle;
  if (deadline && Date.now() > Number(deadline)) {
    await endSession(redis, store, sessionId, 'lifetime');
    return SESSION_END_MESSAGES.lifetime;
  }
  const leased = lease ? (JSON.parse(lease) as { desktopId?: string }).desktopId : undefined;
  if (leased !== desktopId) {
    return leaseEndMessage(await redis.get(leaseEndedKey(userId))) ?? SESSION_END_MESSAGES['lease-ended'];
  }
  return undefined;
}
