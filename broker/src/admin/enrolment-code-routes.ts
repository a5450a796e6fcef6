import { HttpError } from '@hcw/common';
import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import type { AuditTrail } from '@hcw/common';
import type { EnrolmentCodes } from '../auth/second-factor/enrolment-codes.js';
import type { SignedInUser } from '../auth/signed-in-user.js';
import { consoleLanguage, consoleMessages } from './console-messages.js';
import { enrolmentCodesPage } from './console-pages.js';
import { requireClientHeader } from '../http/guards.js';
import { requireRole } from './console-routes.js';
import { auditActor } from '../audit/audit-actor.js';

/** A user as the IdP names them (the NameID): printable, no spaces. */
export const IssueEnrolmentCode = z
  .object({
    userId: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[^\p{Cc}\s]+$/u),
  })
  .strict();
const CodeId = z.string().regex(/^[1-9][0-9]{0,18}$/);

/**
 * Enrolment codes in the administrator's console and API (role it-admin): issue one for a user (the code
 * is in this answer only), list the pending ones without their codes, revoke one. Every issue and revoke
 * is audited; refusals are audited by `requireRole`.
 */
export function enrolmentCodeRoutes(deps: { audit: AuditTrail; codes: EnrolmentCodes }): Router {
  const router = express.Router();
  const admins = requireRole('it-admin', deps);
  const json = express.json({ limit: '4kb' });
  const signedIn = (req: Request): SignedInUser => req.session.user as SignedInUser;

  router.get('/admin/enrolment-codes', admins, async (req, res) => {
    const language = consoleLanguage(req);
    res
      .type('html')
      .send(
        enrolmentCodesPage(language, consoleMessages(language), signedIn(req), await deps.codes.pending()),
      );
  });

  router.get('/admin/api/enrolment-codes', admins, async (_req, res) => {
    const pending = await deps.codes.pending();
    res.json({
      pending: pending.map((p) => ({
        ...p,
        issuedAt: p.issuedAt.toISOString(),
        expiresAt: p.expiresAt.toISOString(),
      })),
    });
  });

  router.post('/admin/api/enrolment-codes', admins, requireClientHeader, json, async (req, res) => {
    const admin = signedIn(req);
    const input = IssueEnrolmentCode.safeParse(req.body ?? {});
    if (!input.success) {
      throw new HttpError(
        400,
        '利用者IDを正しく入力してください（空白を含まない200文字以内）。',
        'Please give a valid user ID (up to 200 characters, no spaces).',
      );
    }
    const { code, pending, replaced } = await deps.codes.issue(input.data.userId, admin.id);
    await deps.audit.record({
      type: 'admin-action',
      outcome: 'success',
      ...auditActor(admin, req),
      details: {
        action: 'issue-enrolment-code',
        subject: pending.userId,
        codeId: pending.id,
        expiresAt: pending.expiresAt.toISOString(),
        replaced,
      },
    });
    res.status(201).json({
      id: pending.id,
      userId: pending.userId,
      code,
      expiresAt: pending.expiresAt.toISOString(),
      replaced,
    });
  });

  router.post('/admin/api/enrolment-codes/:id/revoke', admins, requireClientHeader, async (req, res) => {
    const admin = signedIn(req);
    const id = CodeId.safeParse(req.params.id);
    const revoked = id.success ? await deps.codes.revoke(id.data, admin.id) : undefined;
    if (!revoked) {
      throw new HttpError(
        404,
        'その登録コードはないか、すでに使用・取り消し・期限切れになっています。',
        'No such enrolment code is pending (it may be used, revoked or expired).',
      );
    }
    await deps.audit.record({
      type: 'admin-action',
      outcome: 'success',
      ...auditActor(admin, req),
      details: { action: 'revoke-enrolment-code', subject: revoked.userId, codeId: revoked.id },
    });
    res.json({ revoked: revoked.id, userId: revoked.userId });
  });

  return router;
}
