import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { createClient, type RedisClientType } from 'redis';
import { AuditTrail, redisClientOptions } from '@hcw/common';
import type { Express } from 'express';
import { createBrokerApp } from '#broker/app.js';
import { createSessionStore } from '#broker/auth/session.js';
import { loadConfig, type BrokerConfig } from '#broker/config.js';
import { AgentClient } from '#broker/desktops/agent-client.js';
import { DesktopPool } from '#broker/desktops/desktop-pool.js';
import { HealthMonitor } from '#broker/health.js';
import { SecondFactorStore } from '#broker/auth/second-factor/second-factor-store.js';
import { PortalHandoffClient } from '#broker/portal/handoff-client.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { freePort } from '#scripts/stack/managed-process.js';
import { scratchDir } from './scratch-dir.js';

/**
 * A broker app built in this process against the shared workspace's real Redis and PostgreSQL, with
 * configuration overrides: for tests that need the broker in a state the running one is not in. With
 * `listen`, it also serves on a free loopback port, its public address, so that another party (an IdP, a
 * browser) can reach it.
 */
export async function inProcessBroker(
  stack: WorkspaceStack,
  overrides: Record<string, string> = {},
  options: { listen?: boolean } = {},
): Promise<{
  app: Express;
  config: BrokerConfig;
  health: HealthMonitor;
  url: string;
  close(): Promise<void>;
}> {
  const port = options.listen ? await freePort() : 1;
  const dir = scratchDir('hcw-broker');
  const cert = path.join(dir, 'idp.crt');
  writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const config = loadConfig({
    BROKER_ENV: 'test',
    BROKER_PUBLIC_URL: `http://localhost:${port}`,
    BROKER_REDIS_URL: stack.serviceRedisUrls.broker,
    BROKER_REDIS_CA_FILE: stack.internalCa.certFile,
    BROKER_DATABASE_URL: stack.brokerDatabaseUrl,
    BROKER_INTERNAL_CA_FILE: stack.internalCa.certFile,
    BROKER_TLS_CERT_FILE: stack.brokerCertificate.certFile,
    BROKER_TLS_KEY_FILE: stack.brokerCertificate.keyFile,
    BROKER_SESSION_SECRET: 'x'.repeat(40),
    BROKER_TUNNEL_KEY: Buffer.alloc(32, 7).toString('base64'),
    BROKER_SECRETS_KEY: Buffer.alloc(32, 8).toString('base64'),
    SAML_IDP_SSO_URL: 'http://localhost:1/idp',
    SAML_IDP_ENTITY_ID: 'http://localhost:1/idp',
    SAML_IDP_CERT_FILE: cert,
    DESKTOPS: JSON.stringify(
      stack.desktops.map((d) => ({
        id: d.id,
        agentUrl: d.agentUrl,
        vncHost: '127.0.0.1',
        vncPort: d.vncPort,
        guacdHost: stack.guacd.host,
        guacdPort: stack.guacd.port,
      })),
    ),
    PORTAL_INTERNAL_URL: stack.portalUrl,
    PORTAL_HANDOFF_SECRET: stack.secrets.handoff,
    ...overrides,
  });
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
  pool.on('error', () => undefined); // an idle connection dropped by the server is simply replaced
  const redis: RedisClientType = createClient(redisClientOptions(config.redisUrl, config.redisCa));
  await redis.connect();
  const agents = new AgentClient(config.internalTls, 2000);
  const desktops = new DesktopPool({
    redis,
    desktops: config.desktops,
    agents,
    portal: new PortalHandoffClient(config.portal.internalUrl, config.portal.handoffSecret),
    leaseSeconds: 60,
    leaseSecrets: { key: config.secretsKey, previousKeys: config.previousSecretsKeys },
    guacdCa: config.internalTls.ca,
  });
  // Probed when a test asks (health.probeNow()), not on a timer that would outlive the test.
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
    sessionStore: createSessionStore(redis),
    audit: new AuditTrail(pool),
    agents,
    desktops,
    factors: new SecondFactorStore(pool, config.secretsKey),
    health,
    log: () => undefined,
  });
  const server = options.listen
    ? await new Promise<http.Server>((resolve) => {
        const listening = http.createServer(app).listen(port, '127.0.0.1', () => resolve(listening));
      })
    : undefined;
  return {
    app,
    config,
    health,
    url: config.publicUrl,
    async close() {
      await health.stop();
      if (server) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      await Promise.allSettled([pool.end(), redis.quit()]);
    },
  };
}
