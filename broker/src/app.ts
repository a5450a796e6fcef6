import { HttpError, splitBilingual } from '@hcw/common';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler } from 'express';
import type pg from 'pg';
import type { RedisClientType } from 'redis';
import type { RedisStore } from 'connect-redis';
import type { AuditTrail } from '@hcw/common';
import type { BrokerConfig } from './config.js';
import { devIdpRoutes } from './auth/dev-idp.js';
import { createSamlStrategy, samlRoutes, UnusableIdentity, unusableIdentityPage } from './auth/saml.js';
import { SingleLogout, singleLogoutRoutes } from './auth/single-logout.js';
import {
  endedSessionMessage,
  endSession,
  SESSION_COOKIE,
  sessionIdFromCookieHeader,
  sessionMiddleware,
} from './auth/session.js';
import { LogoutRefusals, SignInLimits } from './auth/rate-limits.js';
import { afterIdentityProvider, clientAddress } from './auth/sign-in-flow.js';
import { DemoEnrolmentCodes } from './auth/demo-enrolment-codes.js';
import { EnrolmentCodes } from './auth/second-factor/enrolment-codes.js';
import { FactorChallenges } from './auth/second-factor/factor-challenges.js';
import { secondFactorRoutes } from './auth/second-factor/second-factor-routes.js';
import type { SecondFactorStore } from './auth/second-factor/second-factor-store.js';
import { adminUserRoutes } from './admin/admin-user-routes.js';
import { enrolmentCodeRoutes } from './admin/enrolment-code-routes.js';
import { noticePage } from './http/pages.js';
import { recordFirst } from './audit/record-first.js';
import type { SignedInUser } from './auth/signed-in-user.js';
import { AgentError, type AgentClient } from './desktops/agent-client.js';
import { NoDesktopAvailableError, NoPoolForUserError, type DesktopPool } from './desktops/desktop-pool.js';
import { noFreeDesktop } from './desktops/no-free-desktop.js';
import { guacdAddressText } from './desktops/pool-settings.js';
import { applySessionDeadline, poolIdlePolicy } from './desktops/session-policy.js';
import { consoleRoutes, requireRole } from './admin/console-routes.js';
import { deviceType } from './admin/device-type.js';
import type { ConsoleEvent } from './admin/live-console.js';
import { SessionFacts } from './admin/session-facts.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';
import { metricsRoutes } from './metrics/metrics-routes.js';
import { healthRoutes, type HealthMonitor } from './health.js';
import { errorHandler } from './http/errors.js';
import { requireClientHeader } from './http/guards.js';
import { securityHeaders } from './http/security-headers.js';
import { encryptToken } from './tunnel/connection-token.js';
import { lockdownSettings } from './tunnel/lockdown.js';
import { DesktopText, typeOnDesktop } from './input/desktop-text.js';
import { TUNNEL_PATH } from './tunnel/tunnel-server.js';
import { desktopScreenFor } from './screen/device-screen.js';
import { ConnectRequest, parseDeviceInput, screenRoutes } from './screen/screen-routes.js';
import { ScreenUpdates } from './screen/screen-updates.js';
import type { PortalAuditReader } from './recording/patient-accesses.js';
import { recordingForConnection, recordingNoticeRoutes } from './recording/recording-notice.js';
import { recordingRoutes } from './recording/recording-routes.js';
import { RecordingStore } from './recording/recording-store.js';

const clientDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'client');
// The ES module build: it loads in the browser as a module, where the CommonJS file would throw.
const guacamoleCommon = fileURLToPath(import.meta.resolve('guacamole-common-js'));
const simpleWebAuthnBrowser = path.dirname(fileURLToPath(import.meta.resolve('@simplewebauthn/browser')));

export interface BrokerDeps {
  config: BrokerConfig;
  redis: RedisClientType;
  pool: pg.Pool;
  sessionStore: RedisStore;
  audit: AuditTrail;
  agents: AgentClient;
  desktops: DesktopPool;
  factors: SecondFactorStore;
  /** Probes the broker's dependencies in the background; /readyz answers from its last probe. */
  health: HealthMonitor;
  log(message: string): void;
  /** The console's facts about live sessions; built from Redis when not given. */
  facts?: SessionFacts;
  metrics?: BrokerMetrics;
  /** Tells the live consoles of every broker instance about a change. */
  notifyConsole?(event: ConsoleEvent): void;
  /** The portal's audit trail, read-only: lets auditors find recordings by patient. */
  portalAudit?: PortalAuditReader;
}

export function createBrokerApp(deps: BrokerDeps): Express {
  const { config, audit, desktops } = deps;
  const requireUser = signedInOnly(deps.redis, [config.session.secret, ...config.session.previousSecrets]);
  const facts = deps.facts ?? new SessionFacts(deps.redis, config.leases.ttlSeconds + 60);
  const metrics = deps.metrics ?? new BrokerMetrics();
  const enrolmentCodes = new EnrolmentCodes(deps.pool, config.signIn.enrolmentCodeLifetimeHours);
  const screens = new ScreenUpdates(deps.agents);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(securityHeaders({ formTargets: config.saml.idpSloUrl ? [config.saml.idpSloUrl] : [] }));

  app.use(healthRoutes({ monitor: deps.health, metricsToken: config.metrics.token }));

  app.use(metricsRoutes({ metrics, token: config.metrics.token }));

  app.get('/client/vendor/guacamole-common.js', (_req, res) =>
    res.type('application/javascript').sendFile(guacamoleCommon),
  );
  app.use(
    '/client/vendor/simplewebauthn',
    express.static(simpleWebAuthnBrowser, { index: false, maxAge: 0 }),
  );
  app.use(
    '/client',
    express.static(clientDir, { index: false, maxAge: 0, etag: false, lastModified: false }),
  );

  if (config.devIdp) {
    app.use(
      '/dev-idp',
      devIdpRoutes({
        entityId: config.saml.idpEntityId,
        spEntityId: config.saml.spEntityId,
        spAcsUrl: config.saml.acsUrl,
        spSloUrl: config.saml.sloUrl,
        spCert: config.saml.spSigning?.cert,
        key: config.devIdp.key,
        cert: config.devIdp.cert,
        password: config.devIdp.demoPassword,
        enrolmentCodes: new DemoEnrolmentCodes({ factors: deps.factors, codes: enrolmentCodes, audit }),
      }),
    );
  }

  app.use(sessionMiddleware(config, deps.sessionStore));
  app.use(poolIdlePolicy(desktops));
  app.use(endSessionsPastTheirLifetime(config));

  const limits = new SignInLimits(deps.redis, config);
  const flow = { config, redis: deps.redis, sessionStore: deps.sessionStore, audit };
  app.use(
    samlRoutes({
      strategy: createSamlStrategy(config, deps.redis),
      signingCert: config.saml.spSigning?.cert,
      limits,
      onSignedIn: (req, res, user) => afterIdentityProvider(flow, req, res, user),
      onRefused: async (req, res, error) => {
        const reason = error instanceof Error ? error.message : 'no user';
        deps.log(`sign-in refused: ${reason}`);
        if (error instanceof UnusableIdentity) {
          // A signed assertion from an IdP set up in a way the broker cannot use: not a guess, so not counted.
          await recordFirst(audit, [
            {
              type: 'sign-in',
              outcome: 'failure',
              clientAddress: clientAddress(req),
              details: { reason: error.code, nameIdFormat: error.nameIdFormat.slice(0, 200) },
            },
          ]);
          res.status(403).type('html').send(unusableIdentityPage(error));
          return;
        }
        await recordFirst(audit, [
          {
            type: 'sign-in',
            outcome: 'failure',
            clientAddress: clientAddress(req),
            details: { reason: reason.slice(0, 300) },
          },
        ]);
        res
          .status(401)
          .type('html')
          .send(
            noticePage(
              'サインインできませんでした',
              'サインインの応答を確認できませんでした。もう一度お試しください。',
              {
                href: '/auth/login',
                text: 'もう一度サインイン',
              },
            ),
          );
      },
    }),
  );
  // Logout has its own count, apart from the sign-in limit: a hospital's sign-outs must not lock out its sign-ins.
  const logoutDeps = { ...flow, refusals: new LogoutRefusals(deps.redis, config), desktops, log: deps.log };
  const singleLogout = new SingleLogout(logoutDeps);
  if (singleLogout.enabled) app.use(singleLogoutRoutes(singleLogout, logoutDeps));
  app.use(
    secondFactorRoutes({
      ...flow,
      factors: deps.factors,
      enrolmentCodes,
      challenges: new FactorChallenges(deps.redis),
      limits,
    }),
  );
  app.use(adminUserRoutes({ audit, factors: deps.factors, desktops }));
  app.use(enrolmentCodeRoutes({ audit, codes: enrolmentCodes }));
  app.use(consoleRoutes({ ...deps, facts, notify: deps.notifyConsole }));
  // Mounted without recording settings too: the auditor's page then says there are none.
  app.use(
    recordingRoutes({
      store: new RecordingStore(deps.pool, config.recording?.dir ?? ''),
      keys: config.recording ? [config.recording.key, ...config.recording.previousKeys] : [],
      audit,
      portalAudit: deps.portalAudit,
      auditorsOnly: requireRole('auditor', { audit }),
      clientOnly: requireClientHeader,
      isConfigured: config.recording !== undefined,
    }),
  );
  app.use(recordingNoticeRoutes({ desktops, audit }));

  app.get('/', (req, res) => {
    if (!req.session.user) {
      res.redirect(303, '/auth/login');
      return;
    }
    res.sendFile(path.join(clientDir, 'index.html'));
  });

  app.get('/api/me', requireUser, (req, res) => {
    const user = req.session.user as SignedInUser;
    res.json({ id: user.id, displayName: user.displayName });
  });

  app.post(
    '/api/desktop/text',
    requireUser,
    requireClientHeader,
    express.json({ limit: '16kb' }),
    async (req, res) => {
      const user = req.session.user as SignedInUser;
      const parsed = DesktopText.safeParse(req.body);
      if (!parsed.success) {
        const message =
          parsed.error.issues[0]?.message ?? '入力が正しくありません。 / The input is not valid.';
        const { ja, en } = splitBilingual(message);
        throw new HttpError(400, ja, en);
      }
      const lease = await desktops.currentLease(user.id);
      const desktop = lease && desktops.desktop(lease.desktopId);
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
    },
  );

  app.use(screenRoutes({ redis: deps.redis, desktops, screens, log: deps.log }));

  app.post(
    '/api/desktop/connect',
    requireUser,
    requireClientHeader,
    express.json({ limit: '1kb' }),
    async (req, res) => {
      const user = req.session.user as SignedInUser;
      const { viewport } = parseDeviceInput(ConnectRequest, req.body);
      const screen = viewport && desktopScreenFor(viewport);
      let leased;
      try {
        leased = await desktops.leaseFor(user, { screen });
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
      if (screen && !leased.isNew) {
        // The desktop the user comes back to takes the shape of the device they come back on, before the
        // first frame; should that fail, the desktop is still theirs at its old size.
        await screens
          .apply(user.id, leased.desktop, screen)
          .catch((error: Error) => deps.log(`screen change on reconnect failed: ${error.message}`));
      }
      if (leased.isNew) {
        try {
          await recordFirst(audit, [
            {
              type: 'desktop-lease',
              outcome: 'success',
              actorId: user.id,
              actorOrganisation: user.organisation,
              clientAddress: clientAddress(req),
              details: {
                desktopId: leased.desktop.id,
                pool: leased.poolId,
                guacd: guacdAddressText(leased.guacd),
              },
            },
          ]);
        } catch (error) {
          // Unrecorded, the desktop is not handed out: it goes back (wiped) and the user is told why.
          await desktops
            .release(user.id)
            .catch((e: Error) => deps.log(`desktop release failed: ${e.message}`));
          throw error;
        }
      }
      // The pool's policies apply to this session from now on: idle timeout, longest sign-in, paste.
      req.session.poolId = leased.poolId;
      req.session.cookie.maxAge = leased.settings.policies.idleMinutes * 60 * 1000;
      const signedInAt = req.session.signedInAt ?? Date.now();
      await applySessionDeadline(
        deps.redis,
        req.sessionID,
        signedInAt,
        leased.settings.policies,
        config.session.maxHours,
      );
      await facts.connected(req.sessionID, user, {
        device: deviceType(req.get('user-agent')),
        desktopId: leased.desktop.id,
        poolId: leased.poolId,
        guacd: guacdAddressText(leased.guacd),
        signedInAt,
      });
      const recording = recordingForConnection(req, user, leased);
      const { token } = encryptToken(
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
      );
      res.json({ token, tunnelPath: TUNNEL_PATH, ...(leased.notice ? { notice: leased.notice } : {}) });
    },
  );

  app.post('/auth/logout', async (req, res) => {
    const user = req.session.user;
    // The session ends first: a client that reconnects while its desktop is being wiped must find no session,
    // or it would be given a fresh desktop nobody then gives back.
    await endSession(deps.redis, deps.sessionStore, req.sessionID, 'signed-out');
    // Dropped from the request too: otherwise the rolling session cookie is sent again with this response,
    // leaving the browser a cookie for a session that no longer exists.
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    if (user) {
      await desktops.release(user.id);
      await audit.record({
        type: 'sign-out',
        outcome: 'success',
        actorId: user.id,
        actorOrganisation: user.organisation,
        clientAddress: clientAddress(req),
      });
    }
    res.clearCookie(SESSION_COOKIE);
    // With single logout, the IdP ends its own session too and sends the browser back to /signed-out.
    const atIdp = user ? await singleLogout.requestUrl(user) : undefined;
    res.redirect(303, atIdp ?? '/signed-out');
  });

  // The client reports that its user is active in the desktop; the session's idle timer restarts (AUTH-4).
  app.post('/api/session/activity', requireUser, requireClientHeader, (req, res) => {
    req.session.touch();
    res.status(204).end();
  });

  app.get('/signed-out', (_req, res) => {
    res.type('html').send(
      noticePage('サインアウトしました', 'デスクトップは閉じられました。', {
        href: '/',
        text: 'もう一度サインイン',
      }),
    );
  });

  app.use(errorHandler);
  return app;
}

/**
 * Lets signed-in requests through. Any other gets 401; when the browser's cookie names a session that has
 * ended, the answer says why (code `session-ended`), so the client page can tell its user instead of
 * sending them to sign in again without a word.
 */
function signedInOnly(redis: RedisClientType, secrets: string[]): RequestHandler {
  return (req, _res, next) => {
    if (req.session.user) {
      next();
      return;
    }
    const sessionId = sessionIdFromCookieHeader(req.headers.cookie, secrets);
    (sessionId ? endedSessionMessage(redis, sessionId) : Promise.resolve(undefined))
      .then((ended) => {
        if (!ended) throw new HttpError(401, 'サインインが必要です。', 'Sign-in is required.');
        const { ja, en } = splitBilingual(ended);
        throw new HttpError(401, ja, en, 'session-ended');
      })
      .catch(next);
  };
}

function endSessionsPastTheirLifetime(config: BrokerConfig): RequestHandler {
  const maxMs = config.session.maxHours * 3600 * 1000;
  return (req, _res, next) => {
    const signedInAt = req.session?.signedInAt;
    if (signedInAt !== undefined && Date.now() - signedInAt > maxMs) {
      req.session.destroy(() => next());
      return;
    }
    next();
  };
}
