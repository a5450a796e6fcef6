import http from 'node:http';
import pg from 'pg';
import { createClient, type RedisClientType } from 'redis';
import { AUDIT_MIGRATIONS, migrate, redisClientOptions, startCheckpoints } from '@hcw/common';
import { loadConfig } from './config.js';
import { createBrokerApp } from './app.js';
import { createSessionStore, endedReason, sessionFromCookieHeader } from './auth/session.js';
import { AgentClient } from './desktops/agent-client.js';
import { DesktopPool } from './desktops/desktop-pool.js';
import { poolAuditEvents } from './desktops/pool-audit-events.js';
import { PortalHandoffClient } from './portal/handoff-client.js';
import { TunnelServer } from './tunnel/tunnel-server.js';
import { connectionAudit } from './tunnel/connection-audit.js';
import { SecondFactorStore } from './auth/second-factor/second-factor-store.js';
import { BROKER_MIGRATIONS } from './db/migrations.js';
import { createProviders } from './desktops/create-providers.js';
import { sampleSessions } from './admin/activity-charts.js';
import { consoleSnapshot } from './admin/console-snapshot.js';
import { LiveConsole } from './admin/live-console.js';
import { LiveTunnelWatch } from './admin/live-tunnel-watch.js';
import { SessionFacts } from './admin/session-facts.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';
import { MeteredAuditTrail } from './metrics/metered-audit-trail.js';
import { HealthMonitor } from './health.js';
import { PortalAuditReader } from './recording/patient-accesses.js';
import { RecordingRetention } from './recording/recording-retention.js';
import { alertDispatcherFor } from './alerts/alert-dispatcher.js';
import { PushDevices } from './alerts/push-devices.js';
import { RecordingStore } from './recording/recording-store.js';
import { SessionRecorder } from './recording/session-recorder.js';

const log = (message: string): void => void process.stdout.write(`${new Date().toISOString()} ${message}\n`);

const config = loadConfig();
const sessionSecrets = [config.session.secret, ...config.session.previousSecrets];
// A database that does not answer must not hold a sign-in forever: it is refused (audit first) instead.
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10, connectionTimeoutMillis: 5000 });
pool.on('error', (error) => log(`postgres: ${error.message}`));
const redis: RedisClientType = createClient(redisClientOptions(config.redisUrl, config.redisCa));
redis.on('error', (error: Error) => log(`redis: ${error.message}`));
await redis.connect();
await migrate(pool, AUDIT_MIGRATIONS);
await migrate(pool, BROKER_MIGRATIONS);

const sessionStore = createSessionStore(redis);
const agents = new AgentClient(config.internalTls);
const metrics = new BrokerMetrics({ processMetrics: true });
// The audit writer has connections of its own, so a busy pool never holds back the records every request waits for.
const auditPool = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
auditPool.on('error', (error) => log(`postgres (audit): ${error.message}`));
const audit = new MeteredAuditTrail(auditPool, metrics);
const desktops = new DesktopPool({
  redis,
  pools: config.pools,
  providers: createProviders(config.pools, { agents, internalCaFile: config.internalCaFile }),
  agents,
  portal: new PortalHandoffClient(config.portal.internalUrl, config.portal.handoffSecret),
  leaseSeconds: config.leases.ttlSeconds,
  leaseSecrets: { key: config.secretsKey, previousKeys: config.previousSecretsKeys },
  checkIntervalMs: config.poolChecks.intervalMs,
  unhealthyAfter: config.poolChecks.unhealthyAfter,
  log,
  events: poolAuditEvents(audit, log),
  guacdCa: config.internalTls.ca,
});
const facts = new SessionFacts(redis, config.leases.ttlSeconds + 60);
const health = new HealthMonitor({
  redis,
  pool,
  desktops,
  intervalMs: config.health.probeIntervalMs,
  guacdCa: config.internalTls.ca,
});
metrics.attach({
  liveSessions: async () => (await facts.list()).length,
  pools: async () =>
    (await desktops.status()).map((p) => ({
      poolId: p.poolId,
      states: p.desktops.reduce<Record<string, number>>((counts, d) => {
        counts[d.state] = (counts[d.state] ?? 0) + 1;
        return counts;
      }, {}),
      leases: p.desktops.filter((d) => d.userId).length,
    })),
  waitingForDesktop: () => desktops.waitingForDesktop,
  databaseWaiting: () => pool.waitingCount,
});
// Session recording: the store and the retention sweep, and read-only access to the portal's audit trail.
const recordings = config.recording && new RecordingStore(pool, config.recording.dir);
const retention =
  config.recording &&
  recordings &&
  new RecordingRetention({ store: recordings, audit, intervalMs: config.recording.sweepIntervalMs, log });
const portalAuditPool = config.recording?.portalAuditDatabaseUrl
  ? new pg.Pool({ connectionString: config.recording.portalAuditDatabaseUrl, max: 2 })
  : undefined;
portalAuditPool?.on('error', (error) => log(`portal audit trail: ${error.message}`));
/** Recordings being written: a shutdown seals each before the database connections go. */
const liveRecorders = new Set<SessionRecorder>();
const app = createBrokerApp({
  config,
  redis,
  pool,
  sessionStore,
  audit,
  agents,
  desktops,
  factors: new SecondFactorStore(pool, config.secretsKey, config.previousSecretsKeys),
  health,
  log,
  facts,
  metrics,
  notifyConsole: (event) => liveConsole.notify(event),
  portalAudit: portalAuditPool && new PortalAuditReader(portalAuditPool),
});
const server = http.createServer(app);
const watch = new LiveTunnelWatch({
  tunnels: () => tunnel.liveTunnels,
  facts,
  desktops,
  metrics,
  instanceId: config.instanceId,
  heartbeatMs: config.leases.heartbeatSeconds * 1000,
  log,
});
const connections = connectionAudit(audit, log);
const tunnel = new TunnelServer({
  server,
  config,
  redis,
  sessionFromCookie: (cookie) => sessionFromCookieHeader(cookie, sessionSecrets, sessionStore),
  endedReason: (sessionId, userId, desktopId) =>
    endedReason(redis, sessionStore, sessionId, userId, desktopId),
  log,
  recordings:
    config.recording && recordings
      ? {
          start: (subject, onFailure) => {
            const recorder = new SessionRecorder(
              { store: recordings, key: config.recording!.key, audit, instanceId: config.instanceId, log },
              subject,
              onFailure,
            );
            liveRecorders.add(recorder);
            return {
              write: (text: string) => recorder.write(text),
              stop: () => recorder.stop().finally(() => liveRecorders.delete(recorder)),
            };
          },
        }
      : undefined,
  events: {
    admit: (live) => connections.admit(live),
    onOpen: (live) => watch.opened(live),
    onClose: (live, counters, durationSeconds, wasOpen) => {
      if (wasOpen) watch.closed(live, counters);
      void connections.closed(live, counters, durationSeconds, wasOpen);
    },
  },
});
watch.start();
desktops.start();
health.start();
retention?.start();
// Alerts held back (quiet hours, one per interval) go out when they may, from whichever broker comes first.
const heldAlerts = alertDispatcherFor(config, new PushDevices(pool), redis, log);
const heldAlertsTimer =
  heldAlerts &&
  setInterval(() => {
    heldAlerts.flushHeld().catch((error: Error) => log(`held alerts: ${error.message}`));
  }, 30_000);
const liveConsole = new LiveConsole({
  server,
  redis,
  publicOrigin: config.publicOrigin,
  sessionFromCookie: (cookie) => sessionFromCookieHeader(cookie, sessionSecrets, sessionStore),
  snapshot: () => consoleSnapshot(facts, desktops),
  onMinute: (snapshot) => sampleSessions(redis, snapshot.sessions.length),
  log,
});
await liveConsole.start();

// Signed checkpoints of the audit trail go to an archive the database cannot write (see audit-archive.ts).
const checkpoints = config.auditArchive && startCheckpoints(pool, { ...config.auditArchive, log });

server.listen(config.port, config.host, () => log(`broker listening on ${config.publicUrl}`));

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  tunnel.close();
  clearInterval(heldAlertsTimer);
  await Promise.allSettled([...liveRecorders].map((recorder) => recorder.stop()));
  await Promise.allSettled([
    watch.stop(),
    liveConsole.close(),
    desktops.close(),
    health.stop(),
    retention?.stop(),
  ]);
  server.close();
  server.closeAllConnections();
  await audit.flush();
  await checkpoints?.stop();
  await Promise.allSettled([pool.end(), auditPool.end(), redis.quit(), portalAuditPool?.end()]);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
