import { randomBytes } from 'node:crypto';
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import pg from 'pg';
import { createClient, type RedisClientType } from 'redis';
import supertest from 'supertest';
import { AuditTrail, HANDOFF_PATH, type Practitioner, redisClientOptions, signRequest } from '@hcw/common';
import { errorHandler } from '#workspace-app/http/errors.js';
import '#workspace-app/http/session-types.js';
import { handoffRoutes } from '#workspace-app/sso/handoff.js';
import { notifyPractitioners } from '#workspace-app/timeline/notify-practitioners.js';
import type { PortalNotification } from '#workspace-app/timeline/portal-notification.js';
import type { CareTeamLookup, CareTeamStanding } from '#workspace-app/transfers/care-team-lookup.js';
import { HospitalProfileCache } from '#workspace-app/transfers/hospital-profile-cache.js';
import type { TransferDeps } from '#workspace-app/transfers/transfer-deps.js';
import { transfersRoutes } from '#workspace-app/transfers/transfers-routes.js';
import { stopWorkspace, workspace } from '#test-support/workspace.js';
import { portalDatabase } from '#test-support/fresh-database.js';

/**
 * A care team the test controls: practitioner id → the patients whose team they are on. A patient is known
 * once someone is added to their team; any other id is no patient at all.
 */
export class FakeCareTeams implements CareTeamLookup {
  private readonly members = new Map<string, Set<string>>();

  add(practitionerId: string, patientId: string): void {
    const patients = this.members.get(practitionerId) ?? new Set<string>();
    patients.add(patientId);
    this.members.set(practitionerId, patients);
  }

  async isOnCareTeam(practitioner: Pick<Practitioner, 'id'>, patientId: string): Promise<boolean> {
    return this.members.get(practitioner.id)?.has(patientId) ?? false;
  }

  async standing(practitioner: Pick<Practitioner, 'id'>, patientId: string): Promise<CareTeamStanding> {
    if (await this.isOnCareTeam(practitioner, patientId)) return 'on-care-team';
    const isKnown = [...this.members.values()].some((patients) => patients.has(patientId));
    return isKnown ? 'not-on-care-team' : 'no-such-patient';
  }
}

export interface RecordedNotice {
  notification: PortalNotification;
  /** Whether the notifier was handed a transaction's client rather than the pool. */
  wasInTransaction: boolean;
}

export interface TransferTestEnv {
  pool: pg.Pool;
  deps: TransferDeps;
  app: express.Express;
  careTeams: FakeCareTeams;
  notices: RecordedNotice[];
  /** Set to make the next notifications fail, as a broken timeline would. */
  failNotifications: { isOn: boolean };
  /** The portal's "now"; tests move it. */
  clock: { now: Date };
  /** A supertest agent holding a portal session for the practitioner, signed in through the hand-off. */
  signIn(practitioner: Practitioner): Promise<supertest.Agent>;
  /** Known to the portal (as after a first sign-in), so notices can find bed managers by organisation. */
  register(practitioner: Practitioner): Promise<void>;
  close(): Promise<void>;
}

/**
 * The transfer routes in this process, as the portal mounts them, on a database of the suite's own
 * on the shared PostgreSQL and on the shared Redis for sessions. Sessions come from the real hand-off.
 */
/**
 * The shared workspace, started again once if its first start failed: PostgreSQL can refuse the very
 * first login while it is still starting up, and one such refusal should not fail every suite.
 */
async function startedWorkspace(): ReturnType<typeof workspace> {
  try {
    return await workspace();
  } catch {
    await stopWorkspace();
    return workspace();
  }
}

export async function startTransferTestEnv(databaseName: string): Promise<TransferTestEnv> {
  const stack = await startedWorkspace();
  const { pool } = await portalDatabase(databaseName, 20);
  const redis: RedisClientType = createClient(redisClientOptions(stack.redisUrl, stack.internalCa.pem));
  try {
    await redis.connect();
  } catch (error) {
    await pool.end();
    throw error;
  }

  const careTeams = new FakeCareTeams();
  const notices: RecordedNotice[] = [];
  const failNotifications = { isOn: false };
  const clock = { now: new Date('2025-04-01T09:00:00+09:00') };
  const handoffSecret = randomBytes(32).toString('base64url');
  const deps: TransferDeps = {
    pool,
    auditTrail: new AuditTrail(pool),
    careTeam: careTeams,
    notify: async (db, notification) => {
      if (failNotifications.isOn) throw new Error('the timeline is unavailable');
      notices.push({ notification, wasInTransaction: db !== pool && 'release' in db });
      await notifyPractitioners(db, notification);
    },
    clock: () => clock.now,
    staleAfterHours: 48,
    profiles: new HospitalProfileCache(pool),
  };

  const app = express();
  app.use(
    session({
      name: 'portal.sid',
      store: new RedisStore({ client: redis, prefix: `transfers-test:${databaseName}:` }),
      secret: randomBytes(32).toString('base64url'),
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax' },
    }),
  );
  app.use(handoffRoutes({ pool, redis, handoffSecret, publicUrl: 'http://portal.test' }));
  app.use(
    transfersRoutes({
      pool,
      careTeamLookup: careTeams,
      auditTrail: deps.auditTrail,
      notify: deps.notify,
      clock: deps.clock,
      staleAfterHours: deps.staleAfterHours,
    }),
  );
  app.use(errorHandler);

  const register = async (practitioner: Practitioner): Promise<void> => {
    await pool.query(
      `INSERT INTO practitioners (id, display_name, organisation, profession, roles)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET organisation = EXCLUDED.organisation, roles = EXCLUDED.roles`,
      [
        practitioner.id,
        practitioner.displayName,
        practitioner.organisation,
        practitioner.profession,
        practitioner.roles,
      ],
    );
  };

  return {
    pool,
    deps,
    app,
    careTeams,
    notices,
    failNotifications,
    clock,
    register,
    async signIn(practitioner) {
      const body = JSON.stringify({ practitioner });
      const created = await supertest(app)
        .post(HANDOFF_PATH)
        .set('content-type', 'application/json')
        .set(signRequest(handoffSecret, 'POST', HANDOFF_PATH, body))
        .send(body)
        .expect(201);
      const handoffUrl = new URL((created.body as { url: string }).url);
      const agent = supertest.agent(app);
      await agent.get(`${handoffUrl.pathname}${handoffUrl.search}`).expect(303);
      return agent;
    },
    async close() {
      await Promise.allSettled([pool.end(), redis.quit()]);
    },
  };
}
