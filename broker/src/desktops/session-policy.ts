import type { RequestHandler } from 'express';
import type { RedisClientType } from 'redis';
import { deadlineKey, sessionKey } from '../auth/session.js';
import type { DesktopPool } from './desktop-pool.js';
import type { PoolPolicies } from './pool-settings.js';

declare module 'express-session' {
  interface SessionData {
    /** The pool whose desktop this session uses: its policies apply to the session. */
    poolId?: string;
  }
}

/**
 * Applies the idle timeout of the user's pool to every request of the session: the session's cookie and
 * its time to live in Redis follow the pool's current policy, so an administrator's change takes effect on
 * the next request.
 */
export function poolIdlePolicy(desktops: DesktopPool): RequestHandler {
  return async (req, _res, next) => {
    const poolId = req.session?.poolId;
    if (req.session?.user && poolId) {
      const settings = await desktops.policies.get(poolId).catch(() => undefined);
      if (settings) req.session.cookie.maxAge = settings.policies.idleMinutes * 60 * 1000;
    }
    next();
  };
}

/**
 * Brings a session's absolute deadline in line with its pool: a pool may shorten the longest sign-in, never
 * lengthen it past the broker's own limit. The tunnel's revocation check reads the deadline.
 */
export async function applySessionDeadline(
  redis: RedisClientType,
  sessionId: string,
  signedInAt: number,
  policies: PoolPolicies,
  brokerMaxHours: number,
): Promise<void> {
  const hours = Math.min(policies.maxSessionHours, brokerMaxHours);
  const deadline = signedInAt + hours * 3600 * 1000;
  const ttlSeconds = Math.max(60, Math.ceil((deadline - Date.now()) / 1000) + 3600);
  await redis.set(deadlineKey(sessionId), String(deadline), { EX: ttlSeconds });
}

/** Shortens a live session's idle expiry to a new, lower idle timeout; a longer one waits for the next request. */
export async function applyIdleTimeout(
  redis: RedisClientType,
  sessionId: string,
  idleMinutes: number,
): Promise<void> {
  const key = sessionKey(sessionId);
  const remainingMs = await redis.pTTL(key);
  const idleMs = idleMinutes * 60 * 1000;
  if (remainingMs > idleMs) await redis.pExpire(key, idleMs);
}
