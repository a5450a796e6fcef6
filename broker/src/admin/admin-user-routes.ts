import { HttpError } from '@hcw/common';
import express, { type Router } from 'express';
import { z } from 'zod';
import type { AuditTrail } from '@hcw/common';
import type { SecondFactorStore } from '../auth/second-factor/second-factor-store.js';
import type { SignedInUser } from '../auth/signed-in-user.js';
import type { DesktopPool } from '../desktops/desktop-pool.js';
import { auditActor } from '../audit/audit-actor.js';

const UserId = z.string().min(1).max(200);

/**
 * Administration of users' sign-in: an IT administrator resets a user's second factors (a lost device, a
 * suspected compromise); the user then needs a new enrolment code to enrol again.
 */
export function adminUserRoutes(deps: {
  audit: AuditTrail;
  factors: SecondFactorStore;
  desktops: DesktopPool;
}): Router {
  const router = express.Router();

  router.post('/api/admin/users/:userId/second-factors/reset', async (req, res) => {
    const admin = req.session.user as SignedInUser | undefined;
    if (!admin) throw new HttpError(401, 'サインインが必要です。', 'Sign-in is required.');
    if (!admin.roles.includes('it-admin')) {
      await deps.audit.record({
        type: 'admin-action',
        outcome: 'failure',
        ...auditActor(admin, req),
        details: { action: 'reset-second-factors', reason: 'not an administrator' },
      });
      throw new HttpError(403, 'システム管理者のみが行えます。', 'Only IT administrators can do this.');
    }
    if (req.get('x-requested-with') !== 'hcw-client') {
      throw new HttpError(403, 'この要求は受け付けられません。', 'This request is not accepted.');
    }
    const userId = UserId.parse(req.params.userId);
    // The user needs an enrolment code (or the IdP's multi-factor) to enrol again.
    const removed = await deps.factors.resetByAdministrator(userId, admin.id);
    await deps.audit.record({
      type: 'admin-action',
      outcome: 'success',
      ...auditActor(admin, req),
      details: { action: 'reset-second-factors', subject: userId, removed },
    });
    res.json({ userId, removed });
  });

  return router;
}
