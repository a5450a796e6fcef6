import { randomBytes } from 'node:crypto';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createAdapter } from '@socket.io/redis-adapter';
import type { RedisClientType } from 'redis';
import { Server } from 'socket.io';
import type { SignedInUser } from '../auth/signed-in-user.js';
import type { ConsoleSnapshot } from './console-snapshot.js';

export const LIVE_PATH = '/admin/live';
const ROOM = 'it-admins';
const BROADCAST_LOCK = 'console:broadcaster';

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** What the console is told at once, on every instance: a session ended, a pool's policy changed. */
export interface ConsoleEvent {
  kind: 'session-ended' | 'policy-changed' | 'desktop-returned';
  by: string;
  subject: string;
}

export interface LiveConsoleDeps {
  server: HttpServer;
  redis: RedisClientType;
  publicOrigin: string;
  sessionFromCookie(
    cookie: string | undefined,
  ): Promise<{ sessionId: string; user: SignedInUser } | undefined>;
  snapshot(): Promise<ConsoleSnapshot>;
  /** Called once a minute by one instance, with the number of live sessions (the sessions chart). */
  onMinute?(snapshot: ConsoleSnapshot): Promise<void>;
  intervalMs?: number;
  log(message: string): void;
}

/**
 * The console's live view over socket.io, shared by all broker instances through the Redis adapter: one
 * instance at a time (whoever holds a short lock) reads the sessions and pools from Redis and broadcasts
 * them to every administrator's console on every instance. Only an IT administrator's session may connect,
 * from the broker's own origin, and a socket whose session has ended is dropped.
 */
export class LiveConsole {
  private io: Server | undefined;
  private readonly clients: RedisClientType[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly token = randomBytes(9).toString('hex');
  private lastMinute = 0;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: LiveConsoleDeps) {}

  async start(): Promise<void> {
    const pub = this.deps.redis.duplicate();
    const sub = this.deps.redis.duplicate();
    for (const client of [pub, sub])
      client.on('error', (error: Error) => this.deps.log(`console redis: ${error.message}`));
    await Promise.all([pub.connect(), sub.connect()]);
    this.clients.push(pub, sub);
    const server = this.deps.server;
    const earlier = server.listeners('upgrade') as UpgradeListener[];
    const io = new Server(server, {
      path: LIVE_PATH,
      serveClient: false,
      // WebSocket only: a browser always sends Origin with it, so the origin check below cannot be skipped.
      transports: ['websocket'],
      destroyUpgrade: false,
      adapter: createAdapter(pub, sub, { key: 'hcw-console' }),
      allowRequest: (req, callback) => callback(null, req.headers.origin === this.deps.publicOrigin),
    });
    io.use((socket, next) => {
      this.deps
        .sessionFromCookie(socket.request.headers.cookie)
        .then((session) => {
          if (!session?.user.roles.includes('it-admin')) {
            next(new Error('forbidden'));
            return;
          }
          socket.data.sessionId = session.sessionId;
          void socket.join(ROOM);
          next();
        })
        .catch(() => next(new Error('unavailable')));
    });
    io.on('connection', (socket) => {
      this.deps
        .snapshot()
        .then((snapshot) => socket.emit('snapshot', snapshot))
        .catch((error: Error) => this.deps.log(`console snapshot: ${error.message}`));
    });
    this.io = io;
    // The tunnel's WebSocket server answers every upgrade that is not for its own path with 400, so each
    // upgrade is handed only to the server whose path it names: ours for the live view, the others' else.
    const mine = (server.listeners('upgrade') as UpgradeListener[]).filter((l) => !earlier.includes(l));
    server.removeAllListeners('upgrade');
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = new URL(req.url ?? '/', 'http://broker').pathname;
      const isLive = path === LIVE_PATH || path.startsWith(`${LIVE_PATH}/`);
      for (const listener of isLive ? mine : earlier) listener.call(server, req, socket, head);
    });
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, this.deps.intervalMs ?? 2000);
    this.timer.unref();
  }

  /** Tells every console on every instance that something changed. */
  notify(event: ConsoleEvent): void {
    this.io?.to(ROOM).emit('changed', event);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await new Promise<void>((resolve) => (this.io ? this.io.close(() => resolve()) : resolve()));
    await Promise.allSettled(this.clients.map((c) => c.quit()));
  }

  private async tick(): Promise<void> {
    try {
      await this.dropEndedSessions();
      if (!(await this.holdsLock())) return;
      const snapshot = await this.deps.snapshot();
      this.io?.to(ROOM).emit('snapshot', snapshot);
      const minute = Math.floor(Date.now() / 60000);
      if (minute !== this.lastMinute) {
        this.lastMinute = minute;
        await this.deps.onMinute?.(snapshot);
      }
    } catch (error) {
      this.deps.log(`console broadcast: ${(error as Error).message}`);
    }
  }

  private async holdsLock(): Promise<boolean> {
    const ms = Math.max(3 * (this.deps.intervalMs ?? 2000), 3000);
    const taken = await this.deps.redis.set(BROADCAST_LOCK, this.token, { NX: true, PX: ms });
    if (taken === 'OK') return true;
    if ((await this.deps.redis.get(BROADCAST_LOCK)) !== this.token) return false;
    await this.deps.redis.pExpire(BROADCAST_LOCK, ms);
    return true;
  }

  private async dropEndedSessions(): Promise<void> {
    for (const socket of this.io?.of('/').sockets.values() ?? []) {
      const sessionId = socket.data.sessionId as string | undefined;
      if (!sessionId || !(await this.deps.redis.exists(`broker:sess:${sessionId}`))) socket.disconnect(true);
    }
  }
}
