import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import type pg from 'pg';
import { AuditTrail } from '@hcw/common';
import type { RedisClientType } from 'redis';
import type { PortalConfig } from './config.js';
import './http/session-types.js';
import { errorHandler } from './http/errors.js';
import { securityHeaders } from './http/security-headers.js';
import { handoffRoutes } from './sso/handoff.js';
import { languageOf } from './ui/language.js';
import { messagePage, startPage } from './ui/start-page.js';
import { t } from './ui/i18n.js';
import { timelineRoutes } from './timeline/timeline-routes.js';
import { transfersRoutes } from './transfers/transfers-routes.js';
import { patientsRoutes } from './patients/patients-routes.js';
import { patientCareTeamLookup } from './patients/patient-care-team-lookup.js';

const assets = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'ui/assets');

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
        sameSite: 'lax',
        secure: config.publicUrl.startsWith('https:'),
        maxAge: config.sessionIdleMinutes * 60 * 1000,
      },
    }),
  );

  app.use(handoffRoutes({ pool, redis, handoffSecret: config.handoffSecret, publicUrl: config.publicUrl }));

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

  app.use(timelineRoutes({ config, pool, auditTrail }));
  app.use(
    transfersRoutes({
      pool,
      auditTrail,
      careTeamLookup: patientCareTeamLookup(pool),
      staleAfterHours: config.bedsStaleAfterHours,
    }),
  );
  app.use(patientsRoutes({ pool, auditTrail }));
  app.use(errorHandler);
  return app;
}
