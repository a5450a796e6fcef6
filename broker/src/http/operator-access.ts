import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Whether a request may read what only operators read (metrics, detailed readiness). With a token
 * configured, only a request bearing it. Without one, only a request from this machine that did not come
 * through a proxy: a TLS front on the same host would make every visitor look local, and it adds
 * forwarding headers.
 */
export function isOperatorRequest(req: Request, token: string | undefined): boolean {
  if (token) {
    const given = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
  const isProxied = ['x-forwarded-for', 'forwarded', 'x-real-ip'].some((h) => req.get(h) !== undefined);
  return LOOPBACK.has(req.socket.remoteAddress ?? '') && !isProxied;
}
