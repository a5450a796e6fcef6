import type { IncomingMessage, Server } from 'node:http';
import GuacamoleLite from 'guacamole-lite';
import type { RedisClientType } from 'redis';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { BrokerConfig } from '../config.js';
import type { SignedInUser } from '../auth/signed-in-user.js';
import { decryptToken, type TokenClaims } from './connection-token.js';
import { encodeInstruction } from './guacamole-protocol.js';
import { HardenedConnection } from './hardened-connection.js';
import type { EgressCounters } from './egress-filter.js';
import { RECORDING_FAILED_MESSAGE } from '../recording/session-recorder.js';

export const TUNNEL_PATH = '/tunnel';

/** guacamole-lite's level names mapped here, never by the library: its own mapping turns QUIET into DEBUG. */
export const TUNNEL_LOG_LEVELS = { QUIET: 0, ERRORS: 10 } as const;

export interface LiveTunnel {
  connection: HardenedConnection;
  sessionId: string;
  user: SignedInUser;
}

/** Records a tunnel's display stream; `onFailure` ends the tunnel. Absent when the broker cannot record. */
export interface TunnelRecordings {
  start(
    subject: {
      user: SignedInUser;
      sessionId: string;
      desktopId: string;
      poolId: string;
      retentionDays: number;
    },
    onFailure: () => void,
  ): { write(text: string): void; stop(): Promise<void> };
}

export interface TunnelEvents {
  /**
   * Asked before guacd is contacted, awaited: undefined admits the connection; a message (Japanese and
   * English, separated by " / ") refuses it, and the user is shown that message.
   */
  admit?(tunnel: LiveTunnel): Promise<string | undefined>;
  /** The desktop answered: the tunnel is live. */
  onOpen?(tunnel: LiveTunnel): void;
  /** An admitted tunnel ended, whether or not it became live. */
  onClose?(tunnel: LiveTunnel, counters: EgressCounters, durationSeconds: number, wasOpen: boolean): void;
}

export interface TunnelDeps {
  server: Server;
  config: BrokerConfig;
  redis: RedisClientType;
  /** The signed-in user and session behind a Cookie header, for requests that do not pass through Express. */
  sessionFromCookie(
    cookieHeader: string | undefined,
  ): Promise<{ sessionId: string; user: SignedInUser } | undefined>;
  /** Why a session ended, if it did: used to tell the user when their live tunnel is closed. */
  endedReason(sessionId: string, userId: string, desktopId: string): Promise<string | undefined>;
  log(message: string): void;
  events?: TunnelEvents;
  recordings?: TunnelRecordings;
  logLevel?: keyof typeof TUNNEL_LOG_LEVELS;
  /** How often live tunnels are checked against their sessions and leases. */
  revocationCheckMs?: number;
}

const Display = z.object({
  width: z.coerce.number().int().min(200).max(7680).catch(1024),
  height: z.coerce.number().int().min(200).max(4320).catch(768),
  dpi: z.coerce.number().int().min(48).max(480).catch(96),
});

interface Grant {
  claims: TokenClaims;
  sessionId: string;
  user: SignedInUser;
}

/**
 * The WebSocket tunnel, built on guacamole-lite. Every upgrade is checked before the library sees it: a
 * current, single-use token of ours, from the broker's own origin, sent with the session of the very user
 * it was issued to. Live tunnels are checked against their sessions and leases, so ending either closes
 * the tunnel within a second, with the reason shown to the user.
 */
export class TunnelServer extends GuacamoleLite {
  private readonly grants = new WeakMap<IncomingMessage, Grant>();
  private readonly live = new Set<LiveTunnel>();
  private readonly watcher: NodeJS.Timeout;

  constructor(private readonly deps: TunnelDeps) {
    super(
      {
        server: deps.server,
        path: TUNNEL_PATH,
        verifyClient: (info, callback) => {
          this.checkUpgrade(info.req, info.origin)
            .then((refusal) => {
              if (refusal) {
                deps.log(`tunnel refused: ${refusal.reason}`);
                callback(false, refusal.status, refusal.reason);
              } else callback(true);
            })
            .catch((error: unknown) => {
              deps.log(`tunnel check failed: ${(error as Error).message}`);
              callback(false, 500, 'check failed');
            });
        },
      },
      { host: '127.0.0.1', port: 4822 },
      {
        crypt: { cypher: 'AES-256-CBC', key: deps.config.tunnel.key },
        // Never above ERRORS: the library's verbose levels write connection settings, passwords included.
        log: {
          level: TUNNEL_LOG_LEVELS[deps.logLevel ?? 'ERRORS'],
          stdLog: () => undefined,
          errorLog: (...parts: unknown[]) => deps.log(`tunnel: ${parts.map(String).join(' ').slice(0, 300)}`),
        },
        maxInactivityTime: 20000,
        connectionDefaultSettings: {
          vnc: {
            port: '5900',
            width: 1024,
            height: 768,
            dpi: 96,
            audio: [],
            video: null,
            image: ['image/png', 'image/jpeg', 'image/webp'],
            timezone: null,
          },
        },
        // The browser may choose display size and DPI; nothing else.
        allowedUnencryptedConnectionSettings: { vnc: ['width', 'height', 'dpi'] },
      },
    );
    // guacamole-lite installs signal handlers that swallow SIGINT and SIGTERM; the broker owns those.
    if (this.sigTermHandler) process.removeListener('SIGTERM', this.sigTermHandler);
    if (this.sigIntHandler) process.removeListener('SIGINT', this.sigIntHandler);
    this.watcher = setInterval(() => void this.revokeEnded(), deps.revocationCheckMs ?? 250);
    this.watcher.unref();
  }

  get liveTunnels(): ReadonlySet<LiveTunnel> {
    return this.live;
  }

  private async checkUpgrade(
    req: IncomingMessage,
    origin: string | undefined,
  ): Promise<{ status: number; reason: string } | undefined> {
    const { config, redis } = this.deps;
    if (origin !== config.publicOrigin) return { status: 403, reason: 'origin not allowed' };
    const token = new URL(req.url ?? '/', config.publicUrl).searchParams.get('token');
    const claims = decryptToken([config.tunnel.key, ...config.tunnel.previousKeys], token);
    if (!claims) return { status: 401, reason: 'missing, invalid or expired token' };
    const session = await this.deps.sessionFromCookie(req.headers.cookie);
    if (!session || session.user.id !== claims.userId)
      return { status: 401, reason: 'no session for this token' };
    const firstUse = await redis.set(`tunnel:token:${claims.jti}`, '1', {
      NX: true,
      EX: config.tunnel.tokenTtlSeconds + 60,
    });
    if (firstUse !== 'OK') return { status: 401, reason: 'token already used' };
    this.grants.set(req, { claims, ...session });
    return undefined;
  }

  /** Replaces the library's own: a refused or broken connection never reaches guacd and never throws. */
  override async newConnection(webSocket: WebSocket, request: IncomingMessage): Promise<void> {
    try {
      const grant = this.grants.get(request);
      this.grants.delete(request);
      if (!grant) {
        webSocket.close(1008, 'not authorised');
        return;
      }
      const query = Object.fromEntries(new URL(request.url ?? '/', 'http://tunnel').searchParams);
      const display = Display.parse(query);
      const id = ++this.connectionsCount;
      const connection = new HardenedConnection(this.clientOptions, id, webSocket, display, grant.claims);
      if (!connection.isOpen) return;
      const tunnel: LiveTunnel = { connection, sessionId: grant.sessionId, user: grant.user };
      let isAdmitted = false;
      let wasOpen = false;
      connection.on('ready', () => {
        wasOpen = true;
        this.live.add(tunnel);
        this.deps.events?.onOpen?.(tunnel);
      });
      connection.on('close', () => {
        this.activeConnections.delete(id);
        this.live.delete(tunnel);
        if (isAdmitted) {
          this.deps.events?.onClose?.(
            tunnel,
            connection.counters(),
            Math.round((Date.now() - connection.openedAt) / 1000),
            wasOpen,
          );
        }
      });
      connection.on('error', (error: unknown) =>
        this.deps.log(`tunnel connection error: ${(error as Error).message}`),
      );
      this.activeConnections.set(id, connection);
      const refusal = await this.admit(tunnel);
      if (refusal !== undefined) {
        // The browser is told why, as when a session ends; guacd and the desktop are never contacted.
        this.end(tunnel, refusal);
        return;
      }
      isAdmitted = true;
      if (webSocket.readyState !== webSocket.OPEN) {
        connection.close(); // the browser went away while the connection was being admitted
        return;
      }
      // Recorded from the first instruction on, once the connection is admitted (and so in the audit trail).
      if (grant.claims.recording && !this.record(tunnel, grant.claims.recording)) return;
      connection.connect({
        host: grant.claims.connection.guacdHost,
        port: grant.claims.connection.guacdPort,
        ca: this.deps.config.internalTls.ca,
      });
    } catch (error) {
      this.deps.log(`tunnel could not open: ${(error as Error).message}`);
      webSocket.terminate();
    }
  }

  private async admit(tunnel: LiveTunnel): Promise<string | undefined> {
    try {
      return await this.deps.events?.admit?.(tunnel);
    } catch (error) {
      this.deps.log(`tunnel admission failed: ${(error as Error).message}`);
      return '接続を開始できませんでした。もう一度お試しください。 / The connection could not be started. Please try again.';
    }
  }

  /**
   * Records everything the tunnel sends its device from the first instruction on. A broker that cannot record
   * refuses the connection, and a recording that fails ends it: the pool's policy says this session is
   * recorded, so it never runs unrecorded.
   */
  private record(tunnel: LiveTunnel, policy: { poolId: string; retentionDays: number }): boolean {
    const { connection } = tunnel;
    if (!this.deps.recordings) {
      this.deps.log('tunnel refused: the pool records sessions and this broker has no recording settings');
      this.end(tunnel, RECORDING_FAILED_MESSAGE);
      return false;
    }
    const recorder = this.deps.recordings.start(
      { user: tunnel.user, sessionId: tunnel.sessionId, desktopId: connection.claims.desktopId, ...policy },
      () => this.end(tunnel, RECORDING_FAILED_MESSAGE),
    );
    connection.on('display', (text: string) => recorder.write(text));
    connection.on('close', () => void recorder.stop());
    return true;
  }

  /** Ends one live tunnel, telling the user why in their language. */
  end(tunnel: LiveTunnel, message: string): void {
    tunnel.connection.send(encodeInstruction('error', message, String(0x0209)));
    tunnel.connection.close();
  }

  private async revokeEnded(): Promise<void> {
    for (const tunnel of [...this.live]) {
      try {
        const reason = await this.deps.endedReason(
          tunnel.sessionId,
          tunnel.user.id,
          tunnel.connection.claims.desktopId,
        );
        if (reason && this.live.has(tunnel)) this.end(tunnel, reason);
      } catch (error) {
        this.deps.log(`revocation check failed: ${(error as Error).message}`);
      }
    }
  }

  override close(): void {
    clearInterval(this.watcher);
    for (const connection of this.activeConnections.values()) connection.close();
    this.webSocketServer.close();
  }
}
