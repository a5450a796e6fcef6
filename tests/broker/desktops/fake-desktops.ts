import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { createClient, type RedisClientType } from 'redis';
import { BROKER_IDENTITY, redisClientOptions, uriNamesOf, type AgentHealth } from '@hcw/common';
import { AgentClient } from '#broker/desktops/agent-client.js';
import { DesktopPool, type DesktopPoolDeps } from '#broker/desktops/desktop-pool.js';
import type { DesktopProvider } from '#broker/desktops/desktop-provider.js';
import type { DesktopLauncher, LaunchedDesktop } from '#broker/desktops/local-provider.js';
import type { DesktopHost, PoolSettings } from '#broker/desktops/pool-settings.js';
import type { SignedInUser } from '#broker/auth/signed-in-user.js';
import { RECORDING_OFF } from '#broker/recording/recording-policy.js';
import { testInternalCa } from '#test-support/test-internal-ca.js';
import { workspace } from '#test-support/workspace.js';

/** The VNC password every fake agent hands out. */
export const FAKE_VNC_PASSWORD = 'Vnc-9xQz';

/**
 * A desktop agent that speaks the real agent API (mutual TLS with a certificate naming its desktop, the
 * broker's certificate required, the same answers) without an X server: fast enough to start dozens, and it
 * can be killed like a crashed host. Its certificates come from the tests' own internal CA.
 */
export class FakeAgent {
  readonly id: string;
  userId: string | undefined;
  imageVersion: string;
  /** Every session start and end, in order, as `start:<user>` / `end`. */
  readonly calls: string[] = [];
  /** How often the agent was asked for its health. */
  healthChecks = 0;
  /** While false the agent drops every request unanswered, as one restarting does. */
  answering = true;
  /** The agent's run, as the real agent's: a new one at each (simulated) restart. */
  run = randomBytes(8).toString('hex');
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: https.Server,
    id: string,
    imageVersion: string,
  ) {
    this.id = id;
    this.imageVersion = imageVersion;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  static async start(
    id = `fake-${randomBytes(4).toString('hex')}`,
    imageVersion = '2026.1',
  ): Promise<FakeAgent> {
    const tls = testInternalCa();
    const server = https.createServer({
      ...tls.agentPem(id),
      ca: tls.ca.pem,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const agent = new FakeAgent(server, id, imageVersion);
    server.on('request', (req, res) => agent.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return agent;
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get host(): DesktopHost {
    return { id: this.id, agentUrl: this.url, vncHost: '127.0.0.1', vncPort: 5999 };
  }

  /** Starts again as the agent's process would: a new run, without the session it had. */
  restart(): void {
    this.run = randomBytes(8).toString('hex');
    this.userId = undefined;
  }

  /** Stops answering at once, as a desktop that crashed. */
  async kill(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'https://agent').pathname;
      if (!this.answering) {
        req.socket.destroy();
        return;
      }
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      if (!uriNamesOf(peer.raw).includes(BROKER_IDENTITY)) {
        res.writeHead(403).end();
        return;
      }
      if (req.method === 'GET' && path === '/v1/health') {
        this.healthChecks += 1;
        const health: AgentHealth = {
          desktopId: this.id,
          status: this.userId ? 'in-session' : 'ready',
          imageVersion: this.imageVersion,
          display: { vncPort: 5999, running: true },
          kioskRunning: this.userId !== undefined,
          run: this.run,
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(health));
        return;
      }
      if (req.method === 'POST' && path === '/v1/sessions') {
        const { userId } = JSON.parse(body) as { userId: string };
        this.userId = userId;
        this.calls.push(`start:${userId}`);
        res
          .writeHead(201, { 'content-type': 'application/json' })
          .end(JSON.stringify({ vncPassword: FAKE_VNC_PASSWORD, run: this.run }));
        return;
      }
      if (req.method === 'DELETE' && path === '/v1/sessions/current') {
        this.userId = undefined;
        this.calls.push('end');
        res.writeHead(204).end();
        return;
      }
      res.writeHead(404).end();
    });
  }
}

/** Starts fake agents as a launcher would start desktops. */
export class FakeLauncher implements DesktopLauncher {
  readonly started: FakeAgent[] = [];
  readonly stopped: string[] = [];

  async launch(): Promise<LaunchedDesktop> {
    const agent = await FakeAgent.start();
    this.started.push(agent);
    return {
      host: agent.host,
      stop: async () => {
        this.stopped.push(agent.id);
        await agent.kill().catch(() => undefined);
      },
    };
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.started.map((a) => a.kill()));
  }
}

export const fakePortal = {
  async createHandoff(): Promise<{ url: string; expiresAt: string }> {
    return {
      url: 'http://portal.test/sso/handoff?code=x',
      expiresAt: new Date(Date.now() + 60000).toISOString(),
    };
  },
};

export function aUser(overrides: Partial<SignedInUser> = {}): SignedInUser {
  const id = overrides.id ?? `user-${randomBytes(4).toString('hex')}`;
  return {
    id,
    displayName: '佐藤 花子',
    displayNameKana: 'サトウ ハナコ',
    organisation: '新宿訪問看護ステーション',
    profession: '看護師',
    roles: ['practitioner'],
    authnContext: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
    mfaByIdp: false,
    ...overrides,
  };
}

export function aPool(overrides: Partial<PoolSettings> = {}): PoolSettings {
  return {
    id: `pool-${randomBytes(4).toString('hex')}`,
    provider: { type: 'static', desktops: [] },
    size: 0,
    guacd: [{ host: '127.0.0.1', port: 4822 }],
    roles: ['practitioner', 'msw', 'bed-manager'],
    policies: {
      canPaste: false,
      idleMinutes: 15,
      maxSessionHours: 12,
      imageVersions: [],
      recording: RECORDING_OFF,
    },
    ...overrides,
  };
}

/** The key VNC passwords are sealed with in the leases of the pools made here. */
export const LEASE_SECRETS = { key: Buffer.alloc(32, 9), previousKeys: [] };

/** A client of the shared workspace's Redis (TLS, verified against its internal CA). */
export async function connectRedis(url: string): Promise<RedisClientType> {
  const stack = await workspace();
  const redis: RedisClientType = createClient(redisClientOptions(url, stack.internalCa.pem));
  await redis.connect();
  return redis;
}

/** A pool of its own for a test, on the shared Redis, under names no other suite uses. */
export function aDesktopPool(
  redis: RedisClientType,
  pool: PoolSettings,
  provider: DesktopProvider,
  overrides: Partial<DesktopPoolDeps> = {},
): DesktopPool {
  return new DesktopPool({
    redis,
    pools: [pool],
    providers: new Map([[pool.id, provider]]),
    agents: new AgentClient(testInternalCa().brokerTls, 1000),
    portal: fakePortal,
    leaseSeconds: 60,
    leaseSecrets: LEASE_SECRETS,
    checkIntervalMs: 200,
    unhealthyAfter: 2,
    healthTimeoutMs: 500,
    ...overrides,
  });
}
