import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createClient, type RedisClientType } from 'redis';
import { HANDOFF_PATH, type Practitioner, redisClientOptions, signRequest } from '@hcw/common';
import { createPortalApp } from '#workspace-app/app.js';
import type { PortalConfig } from '#workspace-app/config.js';
import type { ConnectorSettings } from '#workspace-app/connectors/create-connectors.js';
import type { CanonicalEvent } from '#workspace-app/connectors/canonical-event.js';
import { attachTimelineLive, type TimelineLive } from '#workspace-app/timeline/timeline-live.js';
import { workspace } from '#test-support/workspace.js';
import { portalDatabase } from '#test-support/fresh-database.js';

export interface TimelineDatabase {
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
}

/** A database of the suite's own on the shared PostgreSQL, with the portal's migrations and the audit trail. */
export function timelineDatabase(name: string): Promise<TimelineDatabase> {
  return portalDatabase(name);
}

let nextMessage = 1;

/** A vendor event as a connector would produce it; each call a new message unless told otherwise. */
export function anEvent(overrides: Partial<CanonicalEvent> = {}): CanonicalEvent {
  const n = nextMessage++;
  return {
    vendor: 'kanamic',
    vendorMessageId: `msg-${String(n).padStart(6, '0')}`,
    vendorAccount: 'office-0001',
    patientGroupRef: 'grp-setagaya-0001',
    patientGroupName: '佐藤花子様 在宅チーム',
    author: { role: 'nurse', roleLabel: '訪問看護師', name: '中村 優子' },
    occurredAt: new Date(Date.UTC(2024, 4, 1, 0, 0, 0) + n * 60_000).toISOString(),
    kind: 'message',
    title: '訪問報告',
    body: '本日訪問しました。食事は普段どおり摂れています。',
    deepLink: `https://kanamic.example.jp/web/groups/grp-setagaya-0001/messages/msg-${n}`,
    receivedAt: new Date().toISOString(),
    ...overrides,
  };
}

/** Practitioners as the broker signs them in. */
export function aPractitioner(overrides: Partial<Practitioner> = {}): Practitioner {
  return {
    id: 'nurse.sato',
    displayName: '佐藤 花子',
    organisation: '新宿訪問看護ステーション',
    profession: '看護師',
    roles: ['practitioner'],
    ...overrides,
  };
}

export async function confirmedLink(
  pool: pg.Pool,
  practitionerId: string,
  vendor: string,
  vendorAccount: string,
): Promise<void> {
  await pool.query(
    `INSERT INTO timeline_account_links (practitioner_id, vendor, vendor_account, status, confirmed_at, confirmed_by)
     VALUES ($1, $2, $3, 'confirmed', now(), 'test') ON CONFLICT DO NOTHING`,
    [practitionerId, vendor, vendorAccount],
  );
}

export interface TestPortal {
  url: string;
  config: PortalConfig;
  live: TimelineLive;
  /** A portal session for the practitioner, through the real hand-off; returns the cookie header. */
  signIn(practitioner: Practitioner): Promise<string>;
  close(): Promise<void>;
}

/**
 * The portal app in this process, on a database of the suite's own and the shared Redis, with the
 * timeline's live updates attached to its server as main.ts does.
 */
export async function startTestPortal(
  database: TimelineDatabase,
  connectors: ConnectorSettings = {},
): Promise<TestPortal> {
  const stack = await workspace();
  const redis: RedisClientType = createClient(redisClientOptions(stack.redisUrl, stack.internalCa.pem));
  await redis.connect();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config: PortalConfig = {
    env: 'test',
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    publicUrl: url,
    databaseUrl: database.url,
    redisUrl: stack.redisUrl,
    redisCa: stack.internalCa.pem,
    sessionSecret: randomBytes(32).toString('base64url'),
    handoffSecret: randomBytes(32).toString('base64url'),
    sessionIdleMinutes: 15,
    connectors,
    timelinePollMs: 1_000,
    demoData: false,
    bedsStaleAfterHours: 48,
  };
  const app = createPortalApp({ config, pool: database.pool, redis });
  server.on('request', app);
  const live = await attachTimelineLive({
    server,
    databaseUrl: database.url,
    redis,
    sessionSecret: config.sessionSecret,
    publicUrl: url,
    sessionCheckMs: 200,
  });
  return {
    url,
    config,
    live,
    async signIn(practitioner) {
      const body = JSON.stringify({ practitioner });
      const created = await fetch(`${url}${HANDOFF_PATH}`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          ...signRequest(config.handoffSecret, 'POST', HANDOFF_PATH, body),
        },
      });
      if (created.status !== 201) throw new Error(`hand-off refused: ${created.status}`);
      const { url: handoffUrl } = (await created.json()) as { url: string };
      const swapped = await fetch(handoffUrl, { redirect: 'manual' });
      const cookie = swapped.headers.getSetCookie()[0]?.split(';')[0];
      if (!cookie) throw new Error('no session cookie');
      return cookie;
    },
    async close() {
      await live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redis.quit();
    },
  };
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
