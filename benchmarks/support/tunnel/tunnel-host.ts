import { createHmac, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PerformanceObserver, constants, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createClient, type RedisClientType } from 'redis';
import { redisClientOptions } from '@hcw/common';
import type { SessionData } from 'express-session';
import {
  SESSION_COOKIE,
  createSessionStore,
  endedReason,
  sessionFromCookieHeader,
} from '#broker/auth/session.js';
import type { SignedInUser } from '#broker/auth/signed-in-user.js';
import { loadConfig } from '#broker/config.js';
import { userLeaseKey } from '#broker/desktops/lease-store.js';
import { TunnelServer } from '#broker/tunnel/tunnel-server.js';
import { HostRequest, type HostMemory, type HostReply } from './tunnel-host-protocol.js';

/**
 * The broker's tunnel in a process of its own, so that what is measured about it (event-loop delay,
 * memory, CPU) is its own and not the benchmark's clients'. It is the broker's TunnelServer with the
 * broker's own session lookup and revocation check against a real Redis; only Express, SAML and the
 * audit trail are left out, as none of them is on the path of a byte through an open tunnel.
 */

const ELD_RESOLUTION_MS = 10;
const MAX_LOGS = 50;

interface Host {
  server: http.Server;
  tunnel: TunnelServer;
  redis: RedisClientType;
  sessionSecret: string;
  store: ReturnType<typeof createSessionStore>;
}

let host: Host | undefined;
const logs: string[] = [];
const eventLoopDelay = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
let window:
  | {
      cpu: NodeJS.CpuUsage;
      startedAt: number;
      utilization: ReturnType<typeof performance.eventLoopUtilization>;
    }
  | undefined;
let gcPauses: number[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    // The collections forced before each memory reading are the benchmark's, not the tunnels'.
    const flags = (entry as { detail?: { flags?: number } }).detail?.flags ?? 0;
    if ((flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) === 0) gcPauses.push(entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

const collectGarbage = (globalThis as { gc?: () => void }).gc;

function memory(): HostMemory {
  collectGarbage?.();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heapUsed, external };
}

function reply(message: HostReply): void {
  process.send?.(message);
}

function log(message: string): void {
  logs.push(message);
  if (logs.length > MAX_LOGS) logs.shift();
}

async function start(request: Extract<HostRequest, { type: 'start' }>): Promise<HostReply> {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const cert = path.join(request.dataDir, 'unused-idp.crt');
  writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const sessionSecret = randomBytes(32).toString('base64url');
  const config = loadConfig({
    BROKER_ENV: 'test',
    BROKER_PUBLIC_URL: `http://127.0.0.1:${port}`,
    BROKER_REDIS_URL: request.redisUrl,
    BROKER_REDIS_CA_FILE: request.tls.caFile,
    BROKER_DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused?sslmode=verify-full',
    BROKER_INTERNAL_CA_FILE: request.tls.caFile,
    BROKER_TLS_CERT_FILE: request.tls.certFile,
    BROKER_TLS_KEY_FILE: request.tls.keyFile,
    BROKER_SESSION_SECRET: sessionSecret,
    BROKER_TUNNEL_KEY: request.tunnelKey,
    BROKER_SECRETS_KEY: randomBytes(32).toString('base64'),
    SAML_IDP_SSO_URL: 'http://127.0.0.1:1/idp',
    SAML_IDP_ENTITY_ID: 'http://127.0.0.1:1/idp',
    SAML_IDP_CERT_FILE: cert,
    DESKTOPS: JSON.stringify([
      {
        id: 'bench-desktop',
        agentUrl: 'https://127.0.0.1:1',
        vncHost: '127.0.0.1',
        vncPort: 1,
        guacdHost: '127.0.0.1',
        guacdPort: 1,
      },
    ]),
    PORTAL_INTERNAL_URL: 'http://127.0.0.1:1',
    PORTAL_HANDOFF_SECRET: randomBytes(32).toString('base64url'),
  });
  const redis: RedisClientType = createClient(redisClientOptions(request.redisUrl, config.redisCa));
  await redis.connect();
  const store = createSessionStore(redis);
  const tunnel = new TunnelServer({
    server,
    config,
    redis,
    sessionFromCookie: (cookie) => sessionFromCookieHeader(cookie, [sessionSecret], store),
    endedReason: (sessionId, userId, desktopId) => endedReason(redis, store, sessionId, userId, desktopId),
    log,
  });
  host = { server, tunnel, redis, sessionSecret, store };
  return { type: 'started', port, origin: config.publicOrigin };
}

/** What the broker's sign-in and desktop lease leave in Redis, for users named bench-user-NNN. */
async function signIn(current: Host, count: number, desktopId: string): Promise<HostReply> {
  const users: { userId: string; cookie: string }[] = [];
  for (let i = 1; i <= count; i++) {
    const user: SignedInUser = {
      id: `bench-user-${String(i).padStart(3, '0')}`,
      displayName: `ベンチ 利用者${i}`,
      displayNameKana: undefined,
      organisation: '新宿訪問看護ステーション',
      profession: '看護師',
      roles: ['practitioner'],
      authnContext: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
      mfaByIdp: true,
    };
    const sessionId = randomBytes(24).toString('base64url');
    const data = {
      cookie: {
        originalMaxAge: 3_600_000,
        expires: new Date(Date.now() + 3_600_000),
        httpOnly: true,
        path: '/',
      },
      user,
      signedInAt: Date.now(),
    } satisfies SessionData;
    await new Promise<void>((resolve, reject) =>
      current.store.set(sessionId, data, (error: unknown) => (error ? reject(error) : resolve())),
    );
    await current.redis.set(
      userLeaseKey(user.id),
      JSON.stringify({ userId: user.id, desktopId, state: 'active', leasedAt: new Date().toISOString() }),
      { EX: 3600 },
    );
    // express-session's signed cookie: `s:` + id + `.` + HMAC-SHA256 in base64 without padding.
    const signature = createHmac('sha256', current.sessionSecret)
      .update(sessionId)
      .digest('base64')
      .replace(/=+$/, '');
    users.push({
      userId: user.id,
      cookie: `${SESSION_COOKIE}=${encodeURIComponent(`s:${sessionId}.${signature}`)}`,
    });
  }
  return { type: 'signed-in', users };
}

function mark(): HostReply {
  eventLoopDelay.disable();
  eventLoopDelay.reset();
  const baseline = memory();
  window = {
    cpu: process.cpuUsage(),
    startedAt: performance.now(),
    utilization: performance.eventLoopUtilization(),
  };
  gcPauses = [];
  eventLoopDelay.enable();
  return { type: 'marked', memory: baseline };
}

function measure(current: Host): HostReply {
  eventLoopDelay.disable();
  const since = window ?? {
    cpu: process.cpuUsage(),
    startedAt: performance.now(),
    utilization: performance.eventLoopUtilization(),
  };
  const cpu = process.cpuUsage(since.cpu);
  const elapsedMs = performance.now() - since.startedAt;
  const beyondTimer = (nanoseconds: number): number => Math.max(0, nanoseconds / 1e6 - ELD_RESOLUTION_MS);
  const samples = eventLoopDelay.count;
  const pauses = gcPauses.splice(0);
  return {
    type: 'measured',
    memory: memory(),
    eventLoopDelay: {
      p50: samples > 0 ? beyondTimer(eventLoopDelay.percentile(50)) : 0,
      p99: samples > 0 ? beyondTimer(eventLoopDelay.percentile(99)) : 0,
      max: samples > 0 ? beyondTimer(eventLoopDelay.max) : 0,
      samples,
    },
    cpuShare: elapsedMs > 0 ? (cpu.user + cpu.system) / 1000 / elapsedMs : 0,
    loopUtilization: performance.eventLoopUtilization(since.utilization).utilization,
    gc: { count: pauses.length, totalMs: pauses.reduce((a, b) => a + b, 0), maxMs: Math.max(0, ...pauses) },
    liveTunnels: current.tunnel.liveTunnels.size,
    logs: logs.splice(0),
  };
}

async function stop(): Promise<HostReply> {
  if (host) {
    host.tunnel.close();
    host.server.closeAllConnections();
    await new Promise<void>((resolve) => host?.server.close(() => resolve()));
    await host.redis.quit();
    host = undefined;
  }
  return { type: 'stopped' };
}

async function handle(request: HostRequest): Promise<HostReply> {
  if (request.type === 'start') return start(request);
  if (request.type === 'stop') return stop();
  if (!host) throw new Error('the tunnel host has not been started');
  if (request.type === 'sign-in') return signIn(host, request.count, request.desktopId);
  if (request.type === 'mark') return mark();
  return measure(host);
}

process.on('message', (raw: unknown) => {
  const parsed = HostRequest.safeParse(raw);
  if (!parsed.success) {
    reply({ type: 'failed', message: `unreadable request: ${parsed.error.message}` });
    return;
  }
  handle(parsed.data)
    .then((answer) => {
      reply(answer);
      if (answer.type === 'stopped') process.disconnect();
    })
    .catch((error: unknown) => reply({ type: 'failed', message: (error as Error).message }));
});
// Nothing of the host may outlive the benchmark, however the benchmark ends.
process.on('disconnect', () => process.exit(0));
