import http from 'node:http';
import pg from 'pg';
import { createClient, type RedisClientType } from 'redis';
import { AUDIT_MIGRATIONS, AuditTrail, migrate } from '@hcw/common';
import { loadConfig } from './config.js';
import { createBrokerApp } from './app.js';
import { createSessionStore, endedReason, sessionFromCookieHeader } from './auth/session.js';
import { AgentClient } from './desktops/agent-client.js';
import { DesktopPool } from './desktops/desktop-pool.js';
import { PortalHandoffClient } from './portal/handoff-client.js';
import { TunnelServer } from './tunnel/tunnel-server.js';
import { SecondFactorStore } from './auth/second-factor/second-factor-store.js';
import { BROKER_MIGRATIONS } from './db/migrations.js';

const log = (message: string): void => void process.stdout.write(`${new Date().toISOString()} ${message}\n`);

const config = loadConfig();
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 });
pool.on('error', (error) => log(`postgres: ${error.message}`));
const redis: RedisClientType = createClient({ url: config.redisUrl });
redis.on('error', (error: Error) => log(`redis: ${error.message}`));
await redis.connect();
await migrate(pool, AUDIT_MIGRATIONS);
await migrate(pool, BROKER_MIGRATIONS);

const sessionStore = createSessionStore(redis);
const agents = new AgentClient(config.agentSecret);
const desktops = new DesktopPool({
  redis,
  desktops: config.desktops,
  agents,
  portal: new PortalHandoffClient(config.portal.internalUrl, config.portal.handoffSecret),
  leaseSeconds: Math.ceil(config.session.maxHours * 3600),
});
const audit = new AuditTrail(pool);
const app = createBrokerApp({
  config,
  redis,
  pool,
  sessionStore,
  audit,
  agents,
  desktops,
  factors: new SecondFactorStore(pool, config.secretsKey),
  log,
});
const server = http.createServer(app);
const tunnel = new TunnelServer({
  server,
  config,
  redis,
  sessionFromCookie: (cookie) => sessionFromCookieHeader(cookie, config.session.secret, sessionStore),
  endedReason: (sessionId, userId, desktopId) =>
    endedReason(redis, sessionStore, sessionId, userId, desktopId),
  log,
  events: {
    onOpen: ({ user, connection }) =>
      void audit
        .record({
          type: 'connection-open',
          outcome: 'success',
          actorId: user.id,
          actorOrganisation: user.organisation,
          details: { desktopId: connection.claims.desktopId },
        })
        .catch((error: Error) => log(`audit: ${error.message}`)),
    onClose: ({ user, connection }, counters, durationSeconds) =>
      void audit
        .record({
          type: 'connection-close',
          outcome: 'success',
          actorId: user.id,
          actorOrganisation: user.organisation,
          details: {
            desktopId: connection.claims.desktopId,
            durationSeconds,
            droppedFromDesktop: Object.values(counters.fromGuacd.dropped).reduce((a, b) => a + b, 0),
            droppedFromBrowser: Object.values(counters.fromClient.dropped).reduce((a, b) => a + b, 0),
          },
        })
        .catch((error: Error) => log(`audit: ${error.message}`)),
  },
});

server.listen(config.port, config.host, () => log(`broker listening on ${config.publicUrl}`));

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  tunnel.close();
  server.close();
  server.closeAllConnections();
  await Promise.allSettled([pool.end(), redis.quit()]);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
