import type { Server as HttpServer } from 'node:http';
import type pg from 'pg';
import type { RedisClientType } from 'redis';
import type { PortalConfig } from '../config.js';
import { createConnectors } from '../connectors/create-connectors.js';
import { startTimelineIngestion } from './start-timeline-ingestion.js';
import { DeviceAlerts } from './device-alerts.js';
import { attachTimelineLive } from './timeline-live.js';

export interface StartTimelineOptions {
  server: HttpServer;
  pool: pg.Pool;
  redis: RedisClientType;
  config: PortalConfig;
  log?(line: string): void;
}

/** What main.ts starts for the timeline: live updates on the portal's server, and ingestion. */
export async function startTimeline(options: StartTimelineOptions): Promise<{ stop(): Promise<void> }> {
  const { config } = options;
  const log = options.log ?? (() => undefined);
  const alerts =
    config.brokerInternalUrl &&
    new DeviceAlerts({
      pool: options.pool,
      redis: options.redis,
      brokerUrl: config.brokerInternalUrl,
      secret: config.handoffSecret,
      log,
    });
  const live = await attachTimelineLive({
    server: options.server,
    databaseUrl: config.databaseUrl,
    redis: options.redis,
    sessionSecret: config.sessionSecret,
    publicUrl: config.publicUrl,
    ...(alerts ? { onDeliveries: (deliveries) => alerts.onDeliveries(deliveries) } : {}),
  });
  const ingestion = startTimelineIngestion({
    pool: options.pool,
    registry: createConnectors(config.connectors),
    pollMs: config.timelinePollMs,
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    async stop() {
      if (alerts) alerts.stop();
      await ingestion.stop();
      await live.close();
    },
  };
}
