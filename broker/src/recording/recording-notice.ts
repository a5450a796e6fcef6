import { html, HttpError } from '@hcw/common';
import express, { type Request, type Router } from 'express';
import type { AuditTrail } from '@hcw/common';
import type { SignedInUser } from '../auth/signed-in-user.js';
import type { DesktopPool, LeasedDesktop } from '../desktops/desktop-pool.js';
import { authPage } from '../http/pages.js';
import { isRecorded, recordingPolicyText } from './recording-policy.js';
import { auditActor } from '../audit/audit-actor.js';

declare module 'express-session' {
  interface SessionData {
    /** When this sign-in was told that its sessions are recorded (and went on). */
    recordingNoticeSeenAt?: number;
  }
}

export interface RecordingNoticeDeps {
  desktops: DesktopPool;
  audit: AuditTrail;
}

export const RECORDING_NOTICE_PATH = '/recording/notice';

/**
 * Tells a user whose sessions are recorded, before their desktop appears: the client page (`/`) is replaced
 * by the notice until they go on, once per sign-in. Going on is audited, so the trail shows that they were
 * told. The pool is the one the session already uses, or else the one the user's roles lead to.
 */
export function recordingNoticeRoutes(deps: RecordingNoticeDeps): Router {
  const router = express.Router();

  router.get('/', async (req, res, next) => {
    const user = req.session.user;
    if (!user || req.session.recordingNoticeSeenAt !== undefined) {
      next();
      return;
    }
    const poolId = req.session.poolId ?? deps.desktops.poolFor(user)?.id;
    const settings = poolId ? await deps.desktops.policies.get(poolId).catch(() => undefined) : undefined;
    if (!settings || !isRecorded(settings.policies.recording, user.roles)) {
      next();
      return;
    }
    res.type('html').send(noticePage(settings.policies.recording.retentionDays));
  });

  router.post(RECORDING_NOTICE_PATH, async (req, res) => {
    const user = req.session.user;
    if (!user) {
      res.redirect(303, '/auth/login');
      return;
    }
    // Another site's form arrives without the session (SameSite=Lax); a page of the same site on another
    // origin is named by the browser, and must not be able to say the user has seen the notice.
    const fetchSite = req.get('sec-fetch-site');
    if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
      throw new HttpError(403, 'この要求は受け付けられません。', 'This request is not accepted.');
    }
    const poolId = req.session.poolId ?? deps.desktops.poolFor(user)?.id;
    const settings = poolId ? await deps.desktops.policies.get(poolId).catch(() => undefined) : undefined;
    await deps.audit.record({
      type: 'recording-notice',
      outcome: 'success',
      ...auditActor(user, req),
      details: {
        pool: poolId ?? null,
        policy: settings ? recordingPolicyText(settings.policies.recording) : null,
      },
    });
    req.session.recordingNoticeSeenAt = Date.now();
    res.redirect(303, '/');
  });

  return router;
}

/**
 * Whether the connection about to be granted on this desktop is recorded. When it is and the user has not
 * been told in this sign-in (the policy changed since, or they came another way), it is refused with a
 * message that says to reload, which shows the notice.
 */
export function recordingForConnection(
  req: Request,
  user: SignedInUser,
  leased: Pick<LeasedDesktop, 'poolId' | 'settings'>,
): { poolId: string; retentionDays: number } | undefined {
  if (!isRecorded(leased.settings.policies.recording, user.roles)) return undefined;
  if (req.session.recordingNoticeSeenAt === undefined) {
    throw new HttpError(
      409,
      'この接続は録画されます。ページを再読み込みして、録画のお知らせをご確認ください。',
      'This session is recorded. Reload the page to read the notice about recording.',
      'recording-notice',
    );
  }
  return { poolId: leased.poolId, retentionDays: leased.settings.policies.recording.retentionDays };
}

function noticePage(retentionDays: number): string {
  const days = formatDays(retentionDays);
  const keptJa = `録画は暗号化して保管し、${days.ja}後に自動的に削除します。`;
  const keptEn = `Recordings are stored encrypted and deleted automatically after ${days.en}.`;
  return authPage(
    '録画のお知らせ / Session recording',
    html`<section class="recording-notice">
        <h2>この接続は録画されます</h2>
        <ul>
          <li>
            監査のため、このデスクトップに表示された画面を録画します。音声や、お使いの端末の中のものは録画しません。
          </li>
          <li>${keptJa}録画がお使いの端末に送られることはありません。</li>
          <li>録画を再生できるのは監査担当者だけです。再生するたびに監査ログに記録されます。</li>
        </ul>
      </section>
      <section class="recording-notice" lang="en">
        <h2>This session is recorded</h2>
        <ul>
          <li>
            For auditing, what this desktop shows you is recorded: the screen only, no sound and nothing on
            your own device.
          </li>
          <li>${keptEn} A recording is never sent to your device.</li>
          <li>
            Only auditors can play recordings back, and every playback is itself recorded in the audit trail.
          </li>
        </ul>
      </section>
      <form method="post" action="${RECORDING_NOTICE_PATH}">
        <button type="submit">了解して接続する / <span lang="en">Continue to the desktop</span></button>
      </form>
      <form method="post" action="/auth/logout">
        <button type="submit">サインアウト / <span lang="en">Sign out</span></button>
      </form>`,
  );
}

function formatDays(days: number): { ja: string; en: string } {
  if (days >= 1 && Number.isInteger(days))
    return { ja: `${days}日`, en: `${days} day${days === 1 ? '' : 's'}` };
  const hours = Math.max(1, Math.round(days * 24));
  return { ja: `${hours}時間`, en: `${hours} hour${hours === 1 ? '' : 's'}` };
}
