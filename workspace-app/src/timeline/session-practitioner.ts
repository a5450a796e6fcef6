import { createHmac, timingSafeEqual } from 'node:crypto';
import { Practitioner } from '@hcw/common';
import type { RedisClientType } from 'redis';
import { z } from 'zod';

/**
 * Where and how the portal keeps sessions; must match the session middleware in app.ts. A socket.io
 * handshake does not pass through Express, so the timeline reads the same session itself.
 */
export const PORTAL_SESSION_COOKIE = 'portal.sid';
export const PORTAL_SESSION_PREFIX = 'portal:sess:';

const storedSession = z.object({ practitioner: Practitioner.optional() });

/**
 * The practitioner signed in with the session cookie in `cookieHeader`, or undefined when there is no
 * cookie, its signature is not the portal's, or the session has ended (idle timeout, sign-out).
 */
export async function sessionPractitioner(
  redis: RedisClientType,
  sessionSecret: string,
  cookieHeader: string | undefined,
): Promise<Practitioner | undefined> {
  const sessionId = sessionIdFromCookie(cookieHeader, sessionSecret);
  if (sessionId === undefined) return undefined;
  const stored = await redis.get(`${PORTAL_SESSION_PREFIX}${sessionId}`);
  if (stored === null) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(stored);
  } catch {
    return undefined;
  }
  const parsed = storedSession.safeParse(json);
  return parsed.success ? parsed.data.practitioner : undefined;
}

/** The session ID from express-session's signed cookie (`s:<id>.<HMAC-SHA256, base64 without padding>`). */
export function sessionIdFromCookie(cookieHeader: string | undefined, secret: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0 || part.slice(0, separator).trim() !== PORTAL_SESSION_COOKIE) continue;
    let value: string;
    try {
      value = decodeURIComponent(part.slice(separator + 1).trim());
    } catch {
      return undefined;
    }
    if (!value.startsWith('s:')) return undefined;
    const signed = value.slice(2);
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const sessionId = signed.slice(0, dot);
    const expected = Buffer.from(
      createHmac('sha256', secret).update(sessionId).digest('base64').replace(/=+$/, ''),
    );
    const given = Buffer.from(signed.slice(dot + 1));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return sessionId;
  }
  return undefined;
}
