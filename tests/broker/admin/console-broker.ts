import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import pg from 'pg';
import type { RedisClientType } from 'redis';
import type { RedisStore } from 'connect-redis';
import { AUDIT_MIGRATIONS, migrate } from '@hcw/common';
import { createBrokerApp } from '#broker/app.js';
import { createSessionStore, SESSION_COOKIE } from '#broker/auth/session.js';
import { userSessionKey } from '#broker/auth/sign-in-flow.js';
import type { SignedInUser } from '#broker/auth/signed-in-user.js';
import { SecondFactorStore } from '#broker/auth/second-factor/second-factor-store.js';
import { loadConfig, type BrokerConfig } from '#broker/config.js';
import { BROKER_MIGRATIONS } from '#broker/db/migrations.js';
import { AgentClient } from '#broker/desktops/agent-client.js';
import { DesktopPool, type DesktopPoolDeps } from '#broker/desktops/desktop-pool.js';
import { poolAuditEvents } from '#broker/desktops/pool-audit-events.js';
import { HealthMonitor } from '#broker/health.js';
import { SessionFacts } from '#broker/admin/session-facts.js';
import type { ConsoleEvent } from '#broker/admin/live-console.js';
import { BrokerMetrics } from '#broker/metrics/broker-metrics.js';
import { MeteredAuditTrail } from '#broker/metrics/metered-audit-trail.js';
import type { PortalAuditReader } from '#broker/recording/patient-accesses.js';
import { workspace } from '#test-support/workspace.js';
import { aUser, connectRedis, FakeAgent, fakePortal } from '../desktops/fake-desktops.js';
import { inDatabase, recreateDatabase } from '#test-support/fresh-database.js';
import { testInternalCa } from '#test-support/test-internal-ca.js';

export interface ConsoleBroker {
  app: Express;
  config: BrokerConfig;
  redis: RedisClientType;
  pool: pg.Pool;
  sessionStore: RedisStore;
  desktops: DesktopPool;
  facts: SessionFacts;
  metrics: BrokerMetrics;
  /** Probed when a test asks (health.probeNow()). */
  health: HealthMonitor;
  poolId: string;
  agents: FakeAgent[];
  events: ConsoleEvent[];
  /** Signs a user in (a session in the store, as the sign-in flow leaves it) and returns their Cookie header. */
  signIn(user: SignedInUser): Promise<{ cookie: string; sessionId: string }>;
  /** A session as the IdP's sign-in leaves it when the second factor is still to come. */
  startSignIn(user: SignedInUser): Promise<{ cookie: string; sessionId: string }>;
  close(): Promise<void>;
}

export const anAdmin = (): SignedInUser =>
  aUser({
    id: 'admin.console',
    displayName: '山本 誠一',
    organisation: '東京都医師会 情報システム部',
    roles: ['it-admin'],
  });
export const anAuditor = (): SignedInUser =>
  aUser({
    id: 'audit.console',
    displayName: '渡辺 恵',
    organisation: '東京都 福祉保健局',
    roles: ['auditor'],
  });

/**
 * A broker built in this process with the console mounted: the shared workspace's Redis, a PostgreSQL
 * database of its own (so its audit trail holds only what the suite wrote), and a pool of fake desktops.
 */
export async function consoleBroker(
  database: string,
  options: {
    desktops?: number;
    env?: Record<string, string>;
    broker?: Partial<ConsoleBroker>;
    /** How long the broker waits for an agent (a real one restarts its X server when it wipes). */
    agentTimeoutMs?: number;
    portal?: DesktopPoolDeps['portal'];
    /**
     * A PostgreSQL server of the test's own instead of the workspace's: its superuser's URL, and the URL of
     * a login role there, which will own the test's database (`startPostgres`'s `adminUrl` and `urlFor`).
     */
    postgres?: { adminUrl: string; serviceUrl: string };
    /** The portal's audit trail, for finding recordings by patient. */
    portalAudit?: PortalAuditReader;
  } = {},
): Promise<ConsoleBroker> {
  const stack = await workspace();
  const server = options.postgres ?? {
    adminUrl: stack.adminDatabaseUrl,
    serviceUrl: stack.brokerDatabaseUrl,
  };
  const databaseUrl = options.broker
    ? inDatabase(server.serviceUrl, database)
    : await recreateDatabase(server.adminUrl, database, server.serviceUrl);
  const agents =
    options.broker?.agents ??
    (await Promise.all(Array.from({ length: options.desktops ?? 2 }, () => FakeAgent.start())));
  const poolId = options.broker?.poolId ?? `console-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hcw-console-'));
  const cert = path.join(dir, 'idp.crt');
  writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const bothCas = path.join(dir, 'internal-cas.crt');
  writeFileSync(bothCas, testInternalCa().ca.pem + stack.internalCa.pem);
  const config = loadConfig({
    BROKER_ENV: 'test',
    BROKER_PUBLIC_URL: 'http://localhost:1',
    BROKER_REDIS_URL: stack.redisUrl,
    BROKER_DATABASE_URL: databaseUrl,
    // The fake agents' certificates come from the tests' own CA; guacd's from the workspace's.
    ...testInternalCa().brokerEnv,
    BROKER_INTERNAL_CA_FILE: bothCas,
    BROKER_SESSION_SECRET: 'c'.repeat(40),
    BROKER_TUNNEL_KEY: Buffer.alloc(32, 7).toString('base64'),
    BROKER_SECRETS_KEY: Buffer.alloc(32, 8).toString('base64'),
    SAML_IDP_SSO_URL: 'http://localhost:1/idp',
    SAML_IDP_ENTITY_ID: 'http://localhost:1/idp',
    SAML_IDP_CERT_FILE: cert,
    POOLS: JSON.stringify([
      {
        id: poolId,
        provider: { type: 'static', desktops: agents.map((a) => a.host) },
        size: agents.length,
        guacd: [{ host: stack.guacd.host, port: stack.guacd.port }],
      },
    ]),
    PORTAL_INTERNAL_URL: 'http://portal.test',
    PORTAL_HANDOFF_SECRET: 'h'.repeat(40),
    ...options.env,
  });
  rmSync(dir, { recursive: true, force: true });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // An idle connection that a stopped server drops must not take the test process down with it.
  pool.on('error', () => undefined);
  if (!options.broker) {
    await migrate(pool, AUDIT_MIGRATIONS);
    await migrate(pool, BROKER_MIGRATIONS);
  }
  const redis = await connectRedis(stack.redisUrl);
  const sessionStore = createSessionStore(redis);
  const metrics = new BrokerMetrics();
  const agentClient = new AgentClient(config.internalTls, options.agentTimeoutMs ?? 1000);
  const audit = new MeteredAuditTrail(pool, metrics);
  const desktops = new DesktopPool({
    redis,
    pools: config.pools,
    agents: agentClient,
    portal: options.portal ?? fakePortal,
    leaseSeconds: 60,
    leaseSecrets: { key: config.secretsKey, previousKeys: config.previousSecretsKeys },
    checkIntervalMs: 200,
    // As main.ts wires them.
    events: poolAuditEvents(audit, () => undefined),
    guacdCa: config.internalTls.ca,
  });
  const facts = new SessionFacts(redis, 120);
  const events: ConsoleEvent[] = [];
  const health = new HealthMonitor({
    redis,
    pool,
    desktops,
    intervalMs: config.health.probeIntervalMs,
    guacdCa: config.internalTls.ca,
  });
  const app = createBrokerApp({
    config,
    redis,
    pool,
    sessionStore,
    audit,
    agents: agentClient,
    desktops,
    factors: new SecondFactorStore(pool, config.secretsKey),
    health,
    log: () => undefined,
    facts,
    metrics,
    notifyConsole: (event) => events.push(event),
    portalAudit: options.portalAudit,
  });
  metrics.attach({
    liveSessions: async () => (await facts.list()).length,
    pools: async () =>
      (await desktops.status()).map((p) => ({
        poolId: p.poolId,
        states: { warm: p.desktops.filter((d) => d.state === 'warm').length },
        leases: p.desktops.filter((d) => d.userId).length,
      })),
    waitingForDesktop: () => desktops.waitingForDesktop,
    databaseWaiting: () => pool.waitingCount,
  });
  async function storeSession(
    data: Record<string, unknown>,
    signedInAs?: string,
  ): Promise<{ cookie: string; sessionId: string }> {
    const sessionId = randomBytes(18).toString('base64url');
    const now = Date.now();
    await new Promise<void>((resolve, reject) =>
      sessionStore.set(
        sessionId,
        {
          cookie: {
            originalMaxAge: 15 * 60000,
            expires: new Date(now + 15 * 60000),
            httpOnly: true,
            path: '/',
          },
          ...data,
        } as unknown as Parameters<RedisStore['set']>[1],
        (error) => (error ? reject(error as Error) : resolve()),
      ),
    );
    if (signedInAs) await redis.set(userSessionKey(signedInAs), sessionId, { EX: 3600 });
    const signature = createHmac('sha256', config.session.secret)
      .update(sessionId)
      .digest('base64')
      .replace(/=+$/, '');
    return { cookie: `${SESSION_COOKIE}=${encodeURIComponent(`s:${sessionId}.${signature}`)}`, sessionId };
  }

  return {
    app,
    config,
    redis,
    pool,
    sessionStore,
    desktops,
    facts,
    metrics,
    health,
    poolId,
    agents,
    events,
    signIn: (user) => storeSession({ user, signedInAt: Date.now() }, user.id),
    startSignIn: (user) => storeSession({ pendingUser: user, pendingSince: Date.now() }),
    async close() {
      await health.stop();
      await desktops.close();
      await Promise.allSettled([pool.end(), redis.quit()]);
      if (!options.broker) await Promise.allSettled(agents.map((a) => a.kill()));
    },
  };
}
