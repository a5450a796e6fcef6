import pg from 'pg';
import { createClient, type RedisClientType } from 'redis';
import { loadConfig } from './config.js';
import { PORTAL_MIGRATIONS } from './db/migrations.js';
import { AUDIT_MIGRATIONS, AuditTrail, migrate, redisClientOptions, startCheckpoints } from '@hcw/common';
import { createPortalApp } from './app.js';
import { startTimeline } from './timeline/start-timeline.js';
import { syncConnectorVitals } from './patients/sync-connector-vitals.js';
import { startThreadDelivery } from './patients/thread-delivery.js';
import { threadWriters } from './patients/thread-writers.js';

const config = loadConfig();
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 });
// An idle connection the server drops (a restart, a failover) is an error event, not a reason to exit.
pool.on('error', (error) => process.stderr.write(`portal: postgres: ${error.message}\n`));
const redis: RedisClientType = createClient(redisClientOptions(config.redisUrl, config.redisCa));
redis.on('error', (error: Error) => process.stderr.write(`portal redis: ${error.message}\n`));
await redis.connect();
// Every read of patient data in the portal is recorded in this database's audit trail.
await migrate(pool, AUDIT_MIGRATIONS);
await migrate(pool, PORTAL_MIGRATIONS);

if (config.demoData) {
  // Invented people only, from the demo's wing beside the product (workspace-app/demo/). The path is not
  // imported, so the product builds without that folder; the setting is refused in production (config.ts).
  const demoDoor = '../demo/seed-demo.js';
  const { seedDemo } = (await import(demoDoor)) as { seedDemo: (pool: pg.Pool) => Promise<void> };
  await seedDemo(pool);
}

// The audit writer has connections of its own, so a busy pool never holds back the records every read waits for.
const auditPool = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
auditPool.on('error', (error) => process.stderr.write(`portal: postgres (audit): ${error.message}\n`));
const auditTrail = new AuditTrail(auditPool);
const app = createPortalApp({ config, pool, redis, auditTrail });
const server = app.listen(config.port, config.host, () => {
  process.stdout.write(`portal listening on ${config.host}:${config.port}\n`);
});
const timeline = await startTimeline({
  server,
  pool,
  redis,
  config,
  log: (line) => process.stdout.write(`${line}\n`),
});

// Vital signs a connector delivered to the timeline go into the patients' records too, with their source:
// recent ones at the timeline's pace, everything at start and hourly (what a crash left, groups mapped later).
const syncVitals = (receivedWithinMinutes?: number) =>
  syncConnectorVitals({ pool, auditTrail }, { receivedWithinMinutes }).catch((error: Error) =>
    process.stderr.write(`portal: connector vitals not synchronised yet: ${error.message}\n`),
  );
void syncVitals();
const vitalsSync = setInterval(() => void syncVitals(60), config.timelinePollMs);
const vitalsCatchUp = setInterval(() => void syncVitals(), 60 * 60 * 1000);
vitalsSync.unref();
vitalsCatchUp.unref();

// The thread's posts leave for the patients' vendors that take writing (FHIR servers, Kanamic) from the outbox
// their transaction filled, so a crash between storing and sending loses nothing, and the vendor's
// conditional create or idempotency key stores nothing twice.
const threadDelivery = startThreadDelivery(
  { pool, auditTrail, writers: threadWriters(config.connectors) },
  { intervalMs: 5_000, log: (line) => process.stderr.write(`portal: ${line}\n`) },
);

// Signed checkpoints of the audit trail go to an archive the database cannot write (see audit-archive.ts).
const checkpoints =
  config.auditArchive &&
  startCheckpoints(pool, {
    ...config.auditArchive,
    log: (line) => process.stderr.write(`portal: ${line}\n`),
  });

async function shutdown(): Promise<void> {
  clearInterval(vitalsSync);
  clearInterval(vitalsCatchUp);
  await timeline.stop().catch(() => undefined);
  await threadDelivery.stop();
  server.close();
  server.closeAllConnections();
  await auditTrail.flush();
  await checkpoints?.stop();
  await Promise.allSettled([pool.end(), auditPool.end(), redis.quit()]);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
