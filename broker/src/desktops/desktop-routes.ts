import { HttpError, splitBilingual, type AuditTrail } from '@hcw/common';
import express, { Router, type Request, type RequestHandler } from 'express';
import type { RedisClientType } from 'redis';
import { deviceType } from '../admin/device-type.js';
import type { SessionFacts } from '../admin/session-facts.js';
import { recordFirst } from '../audit/record-first.js';
import type { SignedInUser } from '../auth/signed-in-user.js';
import type { BrokerConfig } from '../config.js';
import { requireClientHeader } from '../http/guards.js';
import { DesktopText, typeOnDesktop } from '../input/desktop-text.js';
import { recordingForConnection } from '../recording/recording-notice.js';
import { desktopScreenFor } from '../screen/device-screen.js';
import { ConnectRequest, parseDeviceInput } from '../screen/screen-routes.js';
import type { ScreenUpdates } from '../screen/screen-updates.js';
import { encryptToken } from '../tunnel/connection-token.js';
import { lockdownSettings } from '../tunnel/lockdown.js';
import { TUNNEL_PATH } from '../tunnel/tunnel-server.js';
import { AgentError, type AgentClient } from './agent-client.js';
import {
  NoDesktopAvailableError,
  NoPoolForUserError,
  type DesktopPool,
  type LeasedDesktop,
} from './desktop-pool.js';
import { noFreeDesktop } from './no-free-desktop.js';
import { guacdAddressText } from './pool-settings.js';
import { applySessionDeadline } from './session-policy.js';
import { auditActor } from '../audit/audit-actor.js';

export interface DesktopRoutesDeps {
  config: BrokerConfig;
  redis: RedisClientType;
  audit: AuditTrail;
  agents: AgentClient;
  desktops: DesktopPool;
  screens: ScreenUpdates;
  facts: SessionFacts;
  requireUser: RequestHandler;
  log(message: string): void;
}

/**
 * The signed-in client's desktop: `connect` leases one (recorded before it is handed out) and answers a
 * connection token for the tunnel; `text` types what the device's input method composed into it.
 */
export function desktopRoutes(deps: DesktopRoutesDeps): Router {
  const router = Router();
  const signedInClient = [deps.requireUser, requireClientHeader];
  router.post('/api/desktop/connect', ...signedInClient, express.json({ limit: '1kb' }), async (req, res) => {
    const user = req.session.user as SignedInUser;
    const { viewport } = parseDeviceInput(ConnectRequest, req.body);
    const screen = viewport && desktopScreenFor(viewport);
    const leased = await leaseOrRefuse(deps, user, screen);
    if (screen && !leased.isNew) {
      // The desktop the user comes back to takes the shape of the device they come back on, before the first
      // frame; should that fail, the desktop is still theirs at its old size.
      await deps.screens
        .apply(user.id, leased.desktop, screen)
        .catch((error: Error) => deps.log(`screen change on reconnect failed: ${error.message}`));
    }
    if (leased.isNew) await recordLeaseOrGiveBack(deps, req, user, leased);
    await applyPoolPolicies(deps, req, user, leased);
    const token = connectionToken(deps.config, user, leased, recordingForConnection(req, user, leased));
    res.json({ token, tunnelPath: TUNNEL_PATH, ...(leased.notice ? { notice: leased.notice } : {}) });
  });

  router.post('/api/desktop/text', ...signedInClient, express.json({ limit: '16kb' }), async (req, res) => {
    const user = req.session.user as SignedInUser;
    const parsed = DesktopText.safeParse(req.body);
    if (!parsed.success) {
      const { ja, en } = splitBilingual(
        parsed.error.issues[0]?.message ?? '入力が正しくありません。 / The input is not valid.',
      );
      throw new HttpError(400, ja, en);
    }
    const lease = await deps.desktops.currentLease(user.id);
    const desktop = lease && deps.desktops.desktop(lease.desktopId);
    if (!desktop) {
      throw new HttpError(409, 'デスクトップに接続していません。', 'You are not connected to a desktop.');
    }
    try {
      await typeOnDesktop(deps.agents, desktop, parsed.data.text);
    } catch (error) {
      deps.log(`text input failed: ${(error as Error).message}`);
      throw new HttpError(
        503,
        '文字をデスクトップに送れませんでした。もう一度お試しください。',
        'The text could not be sent to the desktop. Please try again.',
      );
    }
    res.status(204).end();
  });
  return router;
}

/** The user's desktop, new or the one they hold, or a refusal they can act on. */
async function leaseOrRefuse(
  deps: DesktopRoutesDeps,
  user: SignedInUser,
  screen: ReturnType<typeof desktopScreenFor> | undefined,
): Promise<LeasedDesktop> {
  try {
    return await deps.desktops.leaseFor(user, { screen });
  } catch (error) {
    if (error instanceof NoPoolForUserError) {
      throw new HttpError(
        403,
        'この利用者にはデスクトップがありません。管理コンソールをご利用ください。',
        'No desktop is provided for this user. Please use the console.',
      );
    }
    if (error instanceof NoDesktopAvailableError) throw noFreeDesktop(error.expectedFreeInSeconds);
    if (error instanceof AgentError) {
      deps.log(`desktop start failed: ${error.message}`);
      throw new HttpError(
        503,
        'デスクトップを準備できませんでした。もう一度お試しください。',
        'The desktop could not be prepared. Please try again.',
      );
    }
    throw error;
  }
}

/** Unrecorded, a desktop is not handed out: it goes back (wiped) and the user is told why. */
async function recordLeaseOrGiveBack(
  deps: DesktopRoutesDeps,
  req: Request,
  user: SignedInUser,
  leased: LeasedDesktop,
): Promise<void> {
  try {
    await recordFirst(deps.audit, [
      {
        type: 'desktop-lease',
        outcome: 'success',
        ...auditActor(user, req),
        details: { desktopId: leased.desktop.id, pool: leased.poolId, guacd: guacdAddressText(leased.guacd) },
      },
    ]);
  } catch (error) {
    await deps.desktops
      .release(user.id)
      .catch((e: Error) => deps.log(`desktop release failed: ${e.message}`));
    throw error;
  }
}

/** The pool's policies apply to this session from now on: idle timeout, longest sign-in, paste. */
async function applyPoolPolicies(
  deps: DesktopRoutesDeps,
  req: Request,
  user: SignedInUser,
  leased: LeasedDesktop,
): Promise<void> {
  req.session.poolId = leased.poolId;
  req.session.cookie.maxAge = leased.settings.policies.idleMinutes * 60 * 1000;
  const signedInAt = req.session.signedInAt ?? Date.now();
  await applySessionDeadline(
    deps.redis,
    req.sessionID,
    signedInAt,
    leased.settings.policies,
    deps.config.session.maxHours,
  );
  await deps.facts.connected(req.sessionID, user, {
    device: deviceType(req.get('user-agent')),
    desktopId: leased.desktop.id,
    poolId: leased.poolId,
    guacd: guacdAddressText(leased.guacd),
    signedInAt,
  });
}

/** The sealed token the tunnel opens the user's desktop with: guacd, the VNC login and the lockdown. */
function connectionToken(
  config: BrokerConfig,
  user: SignedInUser,
  leased: LeasedDesktop,
  recording: ReturnType<typeof recordingForConnection>,
): string {
  return encryptToken(
    config.tunnel.key,
    {
      userId: user.id,
      desktopId: leased.desktop.id,
      ...(recording ? { recording } : {}),
      connection: {
        type: 'vnc',
        guacdHost: leased.guacd.host,
        guacdPort: leased.guacd.port,
        settings: {
          hostname: leased.desktop.vncHost,
          port: leased.desktop.vncPort,
          password: leased.lease.vncPassword,
          ...lockdownSettings({
            disablePaste: !leased.settings.policies.canPaste,
            disableCopy: !config.tunnel.copyToDevice,
          }),
        },
      },
    },
    config.tunnel.tokenTtlSeconds,
  ).token;
}
