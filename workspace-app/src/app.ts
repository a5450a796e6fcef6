import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import type pg from 'pg';
import type { RedisClientType } from 'redis';
import { AuditTrail, DEVICE_UPLOAD_PATH, HANDOFF_PATH } from '@hcw/common';
import type { PortalConfig } from './config.js';
import './http/session-types.js';
import { refuseCrossSiteWrites } from './http/cross-site-guard.js';
import { errorHandler } from './http/errors.js';
import { securityHeaders } from './http/security-headers.js';
import { handoffRoutes } from './sso/handoff.js';
import { deviceUploadRoute } from './attachments/attachment-routes.js';
import { languageOf } from './ui/language.js';
import { messagePage, startPage } from './ui/start-page.js';
import { t } from './ui/i18n.js';
import { timelineRoutes } from './timeline/timeline-routes.js';
import { transfersRoutes } from './transfers/transfers-routes.js';
import { patientsRoutes } from './patients/patients-routes.js';
import { patientCareTeamLookup } from './patients/patient-care-team-lookup.js';
import { patientExists } from './patients/patient-access.js';
import { threadWriters } from './patients/thread-writers.js';

const assets = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'ui/assets');

/**
 * The only routes that change state without the session: their callers sign each request (the broker its
 * hand-offs, each push vendor its webhooks), so the cross-site guard has nothing to protect there.
 */
export function isSignedPath(path: string): boolean {
  return path === HANDOFF_PATH || path === DEVICE_UPLOAD_PATH || /^\/webhooks\/[^/]+$/.test(path);
}

export interface PortalDeps {
  config: PortalConfig;
  pool: pg.Pool;
  redis: RedisClientType;
  /** One writer per process, so that concurrent requests' audit records share transactions. */
  auditTrail?: AuditTrail;
}

export function createPortalApp({
  config,
  pool,
  redis,
  auditTrail = new AuditTrail(pool),
}: PortalDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(securityHeaders);

  app.get('/healthz', async (_req, res) => {
    const [db, cache] = await Promise.allSettled([pool.query('SELECT 1'), redis.ping()]);
    const status = {
      postgres: db.status === 'fulfilled' ? 'up' : 'down',
      redis: cache.status === 'fulfilled' ? 'up' : 'down',
    };
    res.status(Object.values(status).every((s) => s === 'up') ? 200 : 503).json(status);
  });
  app.use('/assets', express.static(assets, { index: false, maxAge: 0 }));

  app.use(
    session({
      name: 'portal.sid',
      store: new RedisStore({ client: redis, prefix: 'portal:sess:' }),
      secret: config.sessionSecret,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: {
        httpOnly: true,
        // The kiosk reaches the portal only through the hand-off's own navigation and the portal's links;
        // no other site ever needs to send this cookie (decision 0017).
        sameSite: 'strict',
        secure: config.publicUrl.startsWith('https:'),
        maxAge: config.sessionIdleMinutes * 60 * 1000,
      },
    }),
  );

  app.use(
    refuseCrossSiteWrites({
      publicOrigin: new URL(config.publicUrl).origin,
      isSignedPath,
      async onRefused(req, verdict) {
        const practitioner = req.session?.practitioner;
        // Requests without a session could change nothing anyway; recording them would let anyone fill the trail.
        if (!practitioner) return;
        await auditTrail
          .record({
            type: 'portal.cross-site-request-refused',
            outcome: 'failure',
            actorId: practitioner.id,
            actorOrganisation: practitioner.organisation,
            clientAddress: req.ip,
            details: {
              method: req.method.slice(0, 10),
              path: req.path.slice(0, 200),
              origin: verdict.origin?.slice(0, 200) ?? null,
              fetchSite: verdict.fetchSite?.slice(0, 40) ?? null,
            },
          })
          .catch((error: Error) => process.stderr.write(`portal audit: ${error.message}\n`));
      },
    }),
  );

  app.use(handoffRoutes({ pool, redis, handoffSecret: config.handoffSecret, publicUrl: config.publicUrl }));
  app.use(deviceUploadRoute({ pool, handoffSecret: config.handoffSecret }));

  app.get('/', (req, res) => {
    const lang = languageOf(req);
    const practitioner = req.session.practitioner;
    if (!practitioner) {
      res
        .status(401)
        .type('html')
        .send(messagePage(lang, t(lang, 'signInRequired')));
      return;
    }
    res.type('html').send(startPage(lang, practitioner));
  });

  app.use(
    timelineRoutes({ config, pool, auditTrail, isPatient: (patientId) => patientExists(pool, patientId) }),
  );
  app.use(
    transfersRoutes({
      pool,
      auditTrail,
      careTeamLookup: patientCareTeamLookup(pool, auditTrail),
      staleAfterHours: config.bedsStaleAfterHours,
    }),
  );
  app.use(
    patientsRoutes({
      pool,
      auditTrail,
      // The thread's posts go to the vendors with a writing API: the FHIR servers and Kanamic, when connected.
      threadVendors: threadWriters(config.connectors).map(({ id, name }) => ({ id, name })),
    }),
  );
  app.use(errorHandler);
  return app;
}
