import type { Server } from 'node:http';
import GuacamoleLite from 'guacamole-lite';
import type { RedisClientType } from 'redis';
import type { BrokerConfig } from '../config.js';
import type { SignedInUser } from '../auth/signed-in-user.js';
import { decryptToken } from './connection-token.js';

export interface TunnelDeps {
  server: Server;
  config: BrokerConfig;
  redis: RedisClientType;
  userFromCookie(cookieHeader: string | undefined): Promise<SignedInUser | undefined>;
  log(message: string): void;
}

export const TUNNEL_PATH = '/tunnel';

/**
 * The WebSocket tunnel between the browser and guacd, built on guacamole-lite. Every upgrade is checked
 * before the library sees it: a current, single-use token of ours, from the broker's own origin, sent by
 * the browser of the very user the token was issued to. A bad request gets a refusal, never a crash.
 */
export function attachTunnel({ server, config, redis, userFromCookie, log }: TunnelDeps): { close(): void } {
  const lite = new GuacamoleLite(
    {
      server,
      path: TUNNEL_PATH,
      verifyClient: (info, callback) => {
        checkUpgrade(info.req.url ?? '', info.origin, info.req.headers.cookie)
          .then((refusal) => {
            if (refusal) {
              log(`tunnel refused: ${refusal.reason}`);
              callback(false, refusal.status, refusal.reason);
            } else callback(true);
          })
          .catch((error: unknown) => {
            log(`tunnel check failed: ${(error as Error).message}`);
            callback(false, 500, 'check failed');
          });
      },
    },
    { host: '127.0.0.1', port: 4822 },
    {
      crypt: { cypher: 'AES-256-CBC', key: config.tunnel.key },
      // Never above ERRORS: guacamole-lite's verbose levels write connection settings, passwords included.
      log: {
        level: 'ERRORS',
        stdLog: () => undefined,
        errorLog: (...parts: unknown[]) => log(`tunnel: ${parts.join(' ')}`),
      },
      maxInactivityTime: 15000,
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
      // The browser may choose display size, DPI and image formats; nothing else.
      allowedUnencryptedConnectionSettings: { vnc: ['width', 'height', 'dpi', 'image'] },
    },
  );
  // guacamole-lite installs its own signal handlers that swallow SIGINT and SIGTERM; the broker owns those.
  if (lite.sigTermHandler) process.removeListener('SIGTERM', lite.sigTermHandler);
  if (lite.sigIntHandler) process.removeListener('SIGINT', lite.sigIntHandler);

  async function checkUpgrade(
    url: string,
    origin: string | undefined,
    cookieHeader: string | undefined,
  ): Promise<{ status: number; reason: string } | undefined> {
    if (origin !== config.publicOrigin) return { status: 403, reason: 'origin not allowed' };
    const token = new URL(url, config.publicUrl).searchParams.get('token');
    const claims = decryptToken(config.tunnel.key, token);
    if (!claims) return { status: 401, reason: 'missing, invalid or expired token' };
    const user = await userFromCookie(cookieHeader);
    if (!user || user.id !== claims.userId) return { status: 401, reason: 'no session for this token' };
    const firstUse = await redis.set(`tunnel:token:${claims.jti}`, '1', {
      NX: true,
      EX: config.tunnel.tokenTtlSeconds + 60,
    });
    if (firstUse !== 'OK') return { status: 401, reason: 'token already used' };
    return undefined;
  }

  return {
    close() {
      for (const connection of lite.activeConnections.values()) connection.close();
      lite.webSocketServer.close();
    },
  };
}
