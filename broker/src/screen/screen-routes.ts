import { HttpError } from '@hcw/common';
import express, { type Router } from 'express';
import type { RedisClientType } from 'redis';
import { z } from 'zod';
import type { SignedInUser } from '../auth/signed-in-user.js';
import type { DesktopPool } from '../desktops/desktop-pool.js';
import { countInWindow } from '../auth/rate-limits.js';
import { requireClientHeader, requireUser } from '../http/guards.js';
import { DeviceViewport, desktopScreenFor } from './device-screen.js';
import type { ScreenUpdates } from './screen-updates.js';

/** A phone turned back and forth, a window dragged: the client sends at most a few a second after settling. */
export const SCREEN_CHANGES_PER_WINDOW = 20;
export const SCREEN_WINDOW_SECONDS = 10;

export interface ScreenDeps {
  redis: RedisClientType;
  desktops: DesktopPool;
  screens: ScreenUpdates;
  log(message: string): void;
}

/** The connect call's body: the device's viewport, when the client knows it. */
export const ConnectRequest = z.object({ viewport: DeviceViewport.optional() }).strict();

/** Parses a device's report, refusing it with a message a person can act on. */
export function parseDeviceInput<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const detail = issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid';
  throw new HttpError(
    400,
    `画面の大きさを受け付けられません（${detail}）。`,
    `The screen size is not accepted (${detail}).`,
  );
}

/**
 * `POST /api/desktop/screen` with the device's viewport: the user's desktop takes the device's shape. The
 * broker decides the size and scale (device-screen.ts) and tells the agent of the user's own lease; the
 * device never reaches an agent. Limited per session, and changes for one user are sent one at a time,
 * latest first.
 */
export function screenRoutes(deps: ScreenDeps): Router {
  const router = express.Router();
  router.post(
    '/api/desktop/screen',
    requireUser,
    requireClientHeader,
    express.json({ limit: '1kb' }),
    async (req, res) => {
      const user = req.session.user as SignedInUser;
      const viewport = parseDeviceInput(DeviceViewport, req.body);
      // Counted before anything is done, in one step, so a burst cannot slip past the limit.
      const { used, msLeft } = await countInWindow(
        deps.redis,
        `limit:screen:${req.sessionID}`,
        SCREEN_WINDOW_SECONDS * 1000,
      );
      if (used > SCREEN_CHANGES_PER_WINDOW) {
        res.set('retry-after', String(Math.max(1, Math.ceil(msLeft / 1000))));
        throw new HttpError(
          429,
          '画面の大きさの変更が多すぎます。少し待ってからお試しください。',
          'Too many screen changes. Please wait a moment.',
        );
      }
      const lease = await deps.desktops.currentLease(user.id);
      const desktop = lease?.state === 'active' ? deps.desktops.desktop(lease.desktopId) : undefined;
      if (!desktop) {
        throw new HttpError(409, 'デスクトップに接続していません。', 'You are not connected to a desktop.');
      }
      try {
        const screen = await deps.screens.apply(user.id, desktop, desktopScreenFor(viewport));
        res.json({ screen });
      } catch (error) {
        deps.log(`screen change failed: ${(error as Error).message}`);
        throw new HttpError(
          503,
          'デスクトップの画面を変えられませんでした。',
          'The desktop’s screen could not be changed.',
        );
      }
    },
  );
  return router;
}
