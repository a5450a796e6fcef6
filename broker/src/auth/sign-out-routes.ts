import type { AuditTrail } from '@hcw/common';
import type { RedisStore } from 'connect-redis';
import { Router } from 'express';
import type { RedisClientType } from 'redis';
import type { DesktopPool } from '../desktops/desktop-pool.js';
import { noticePage } from '../http/pages.js';
import { endSession, SESSION_COOKIE } from './session.js';
import type { SingleLogout } from './single-logout.js';
import { auditActor } from '../audit/audit-actor.js';

export interface SignOutDeps {
  redis: RedisClientType;
  sessionStore: RedisStore;
  audit: AuditTrail;
  desktops: DesktopPool;
  singleLogout: SingleLogout;
}

/** Signing out: the session ends, the desktop is given back (wiped), and with single logout the IdP's too. */
export function signOutRoutes(deps: SignOutDeps): Router {
  const router = Router();
  router.post('/auth/logout', async (req, res) => {
    const user = req.session.user;
    // The session ends first: a client that reconnects while its desktop is being wiped must find no session,
    // or it would be given a fresh desktop nobody then gives back.
    await endSession(deps.redis, deps.sessionStore, req.sessionID, 'signed-out');
    // Dropped from the request too: otherwise the rolling session cookie is sent again with this response,
    // leaving the browser a cookie for a session that no longer exists.
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    if (user) {
      await deps.desktops.release(user.id);
      await deps.audit.record({
        type: 'sign-out',
        outcome: 'success',
        ...auditActor(user, req),
      });
    }
    res.clearCookie(SESSION_COOKIE);
    // With single logout, the IdP ends its own session too and sends the browser back to /signed-out.
    const atIdp = user ? await deps.singleLogout.requestUrl(user) : undefined;
    res.redirect(303, atIdp ?? '/signed-out');
  });

  router.get('/signed-out', (_req, res) => {
    res.type('html').send(
      noticePage('サインアウトしました', 'デスクトップは閉じられました。', {
        href: '/',
        text: 'もう一度サインイン',
      }),
    );
  });
  return router;
}
