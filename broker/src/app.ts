import type { AuditTrail } from '@hcw/common';
import type { RedisStore } from 'connect-redis';
import express, { type Express } from 'express';
import type pg from 'pg';
import type { RedisClientType } from 'redis';
import { adminUserRoutes } from './admin/admin-user-routes.js';
import { consoleRoutes, requireRole } from './admin/console-routes.js';
import { alertDispatcherFor } from './alerts/alert-dispatcher.js';
import { alertRoutes } from './alerts/alert-routes.js';
import { PushDevices } from './alerts/push-devices.js';
import { enrolmentCodeRoutes } from './admin/enrolment-code-routes.js';
import type { ConsoleEvent } from './admin/live-console.js';
import { SessionFacts } from './admin/session-facts.js';
import { DemoEnrolmentCodes } from './auth/demo-enrolment-codes.js';
import { devIdpRoutes } from './auth/dev-idp.js';
import { LogoutRefusals, SignInLimits } from './auth/rate-limits.js';
import { createSamlStrategy, samlRoutes } from './auth/saml.js';
import { EnrolmentCodes } from './auth/second-factor/enrolment-codes.js';
import { FactorChallenges } from './auth/second-factor/factor-challenges.js';
import { secondFactorRoutes } from './auth/second-factor/second-factor-routes.js';
import type { SecondFactorStore } from './auth/second-factor/second-factor-store.js';
import { sessionMiddleware } from './auth/session.js';
import { endSessionsPastTheirLifetime, signedInOnly } from './auth/session-guards.js';
import { afterIdentityProvider } from './auth/sign-in-flow.js';
import { signInRefused } from './auth/sign-in-refused.js';
import { signOutRoutes } from './auth/sign-out-routes.js';
import { SingleLogout, singleLogoutRoutes } from './auth/single-logout.js';
import type { BrokerConfig } from './config.js';
import type { AgentClient } from './desktops/agent-client.js';
import type { DesktopPool } from './desktops/desktop-pool.js';
import { desktopRoutes } from './desktops/desktop-routes.js';
import { poolIdlePolicy } from './desktops/session-policy.js';
import { healthRoutes, type HealthMonitor } from './health.js';
import { clientFiles, clientRoutes } from './http/client-routes.js';
import { errorHandler } from './http/errors.js';
import { requireClientHeader } from './http/guards.js';
import { securityHeaders } from './http/security-headers.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';
import { metricsRoutes } from './metrics/metrics-routes.js';
import type { PortalAuditReader } from './recording/patient-accesses.js';
import { recordingNoticeRoutes } from './recording/recording-notice.js';
import { recordingRoutes } from './recording/recording-routes.js';
import { RecordingStore } from './recording/recording-store.js';
import { screenRoutes } from './screen/screen-routes.js';
import { ScreenUpdates } from './screen/screen-updates.js';
import { PortalUploadClient } from './portal/upload-client.js';
import { uploadRoutes, type UploadRoutesDeps } from './uploads/upload-routes.js';
import { VirusScanner } from './uploads/virus-scanner.js';

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
  /** Where files sent from devices go; the portal's internal upload endpoint when not given. */
  portalUploads?: UploadRoutesDeps['portal'];
}

export function createBrokerApp(deps: BrokerDeps): Express {
  const { config, audit, desktops } = deps;
  const requireUser = signedInOnly(deps.redis, [config.session.secret, ...config.session.previousSecrets]);
  const facts = deps.facts ?? new SessionFacts(deps.redis, config.leases.ttlSeconds + 60);
  const metrics = deps.metrics ?? new BrokerMetrics();
  const enrolmentCodes = new EnrolmentCodes(deps.pool, config.signIn.enrolmentCodeLifetimeHours);
  const screens = new ScreenUpdates(deps.agents);
  const limits = new SignInLimits(deps.redis, config);
  const flow = { config, redis: deps.redis, sessionStore: deps.sessionStore, audit };
  // Logout has its own count, apart from the sign-in limit: a hospital's sign-outs must not lock out its sign-ins.
  const logoutDeps = { ...flow, refusals: new LogoutRefusals(deps.redis, config), desktops, log: deps.log };
  const singleLogout = new SingleLogout(logoutDeps);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(securityHeaders({ formTargets: config.saml.idpSloUrl ? [config.saml.idpSloUrl] : [] }));
  app.use(healthRoutes({ monitor: deps.health, metricsToken: config.metrics.token }));
  app.use(metricsRoutes({ metrics, token: config.metrics.token }));
  app.use(clientFiles());
  if (config.devIdp) {
    const codes = new DemoEnrolmentCodes({ factors: deps.factors, codes: enrolmentCodes, audit });
    app.use('/dev-idp', devIdpRoutes(devIdpSettings(config, config.devIdp, codes)));
  }

  // Everything below knows the session.
  app.use(sessionMiddleware(config, deps.sessionStore));
  app.use(poolIdlePolicy(desktops));
  app.use(endSessionsPastTheirLifetime(config));

  app.use(
    samlRoutes({
      strategy: createSamlStrategy(config, deps.redis),
      signingCert: config.saml.spSigning?.cert,
      limits,
      onSignedIn: (req, res, user) => afterIdentityProvider(flow, req, res, user),
      onRefused: signInRefused({ audit, log: deps.log }),
    }),
  );
  if (singleLogout.enabled) app.use(singleLogoutRoutes(singleLogout, logoutDeps));
  const challenges = new FactorChallenges(deps.redis);
  app.use(secondFactorRoutes({ ...flow, factors: deps.factors, enrolmentCodes, challenges, limits }));
  app.use(signOutRoutes({ ...flow, desktops, singleLogout }));

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

  const devices = new PushDevices(deps.pool);
  app.use(
    alertRoutes({
      audit,
      devices,
      dispatcher: alertDispatcherFor(config, devices, deps.redis, deps.log),
      pushServiceHosts: config.alerts.pushServiceHosts,
      portalSecret: config.portal.handoffSecret,
      requireUser,
      log: deps.log,
    }),
  );
  app.use(
    uploadRoutes({
      audit,
      scanner: config.uploads && new VirusScanner(config.uploads.scanner),
      maxBytes: config.uploads?.maxBytes ?? 0,
      portal:
        deps.portalUploads ?? new PortalUploadClient(config.portal.internalUrl, config.portal.handoffSecret),
      requireUser,
      log: deps.log,
    }),
  );
  app.use(clientRoutes(requireUser));
  app.use(desktopRoutes({ ...deps, screens, facts, requireUser }));
  app.use(screenRoutes({ redis: deps.redis, desktops, screens, log: deps.log }));

  app.use(errorHandler);
  return app;
}

/** The development IdP's settings: it signs in the demo's users against this broker's own SAML settings. */
function devIdpSettings(
  config: BrokerConfig,
  devIdp: NonNullable<BrokerConfig['devIdp']>,
  enrolmentCodes: DemoEnrolmentCodes,
): Parameters<typeof devIdpRoutes>[0] {
  return {
    entityId: config.saml.idpEntityId,
    spEntityId: config.saml.spEntityId,
    spAcsUrl: config.saml.acsUrl,
    spSloUrl: config.saml.sloUrl,
    spCert: config.saml.spSigning?.cert,
    key: devIdp.key,
    cert: devIdp.cert,
    password: devIdp.demoPassword,
    enrolmentCodes,
  };
}
