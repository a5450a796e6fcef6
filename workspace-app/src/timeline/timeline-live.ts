import type { Server as HttpServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { RedisClientType } from 'redis';
import { Server } from 'socket.io';
import { sessionPractitioner } from './session-practitioner.js';
import { TIMELINE_CHANNEL, parseAnnouncement } from './timeline-announcement.js';
import { timelineRoles } from './timeline-session.js';

export interface TimelineLiveOptions {
  server: HttpServer;
  databaseUrl: string;
  redis: RedisClientType;
  sessionSecret: string;
  /** The portal's own address; a socket opened from any other page is refused. */
  publicUrl: string;
  /** How often an open socket checks that its session still exists. */
  sessionCheckMs?: number;
  /** Also told of every delivery (the alerts to the practitioners' devices). */
  onDeliveries?(deliveries: Map<string, number[]>): void;
}

export interface TimelineLive {
  io: Server;
  close(): Promise<void>;
}

/** Events the kiosk receives; IDs only, the items themselves come through the audited HTTP read. */
export const NEW_EVENTS = 'timeline:new';
export const RESYNC = 'timeline:resync';

const roomOf = (practitionerId: string) => `practitioner:${practitionerId}`;

/**
 * Live updates inside the desktop: a socket.io server on the portal's HTTP server. A socket is let in only
 * with a live portal session of someone who has a timeline, joins that practitioner's room alone, and is
 * closed when the session ends. Every portal instance listens for the announcements that storing
 * transactions send on commit and tells its own sockets; a socket never hears of another's events.
 */
export async function attachTimelineLive(options: TimelineLiveOptions): Promise<TimelineLive> {
  const publicOrigin = new URL(options.publicUrl).origin;
  const io = new Server(options.server, {
    serveClient: true,
    // Browsers always send Origin on WebSocket and cross-origin requests: a page elsewhere cannot ride
    // on the kiosk's session cookie.
    allowRequest: (request, answer) => {
      const origin = request.headers.origin;
      answer(null, origin === undefined || origin === publicOrigin);
    },
  });

  io.use((socket, next) => {
    sessionPractitioner(options.redis, options.sessionSecret, socket.request.headers.cookie)
      .then((practitioner) => {
        if (!practitioner || !practitioner.roles.some((role) => timelineRoles.includes(role))) {
          next(new Error('unauthorised'));
          return;
        }
        socket.data.practitionerId = practitioner.id;
        void socket.join(roomOf(practitioner.id));
        next();
      })
      .catch(() => next(new Error('unavailable')));
  });

  io.on('connection', (socket) => {
    const cookie = socket.request.headers.cookie;
    const check = setInterval(() => {
      sessionPractitioner(options.redis, options.sessionSecret, cookie)
        .then((practitioner) => {
          if (practitioner?.id !== socket.data.practitionerId) socket.disconnect(true);
        })
        .catch(() => undefined);
    }, options.sessionCheckMs ?? 15_000);
    check.unref();
    socket.on('disconnect', () => clearInterval(check));
  });

  const listener = listenForAnnouncements(options.databaseUrl, {
    onDeliveries(deliveries) {
      for (const [practitionerId, eventIds] of deliveries) {
        io.to(roomOf(practitionerId)).emit(NEW_EVENTS, { eventIds });
      }
      options.onDeliveries?.(deliveries);
    },
    // Announcements sent while the listener was away are lost; the kiosks fetch the newest page again.
    onReconnected() {
      io.emit(RESYNC);
    },
  });
  await listener.ready;

  return {
    io,
    async close() {
      await listener.close();
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
    },
  };
}

interface Listener {
  ready: Promise<void>;
  close(): Promise<void>;
}

function listenForAnnouncements(
  databaseUrl: string,
  handlers: { onDeliveries(deliveries: Map<string, number[]>): void; onReconnected(): void },
): Listener {
  const stopping = new AbortController();
  let client: pg.Client | undefined;
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });

  const connect = async (): Promise<pg.Client> => {
    const next = new pg.Client({ connectionString: databaseUrl });
    // A lost connection is handled by the loop below; unhandled, the error would end the process.
    next.on('error', () => undefined);
    next.on('notification', (message) => {
      if (message.channel !== TIMELINE_CHANNEL) return;
      const deliveries = parseAnnouncement(message.payload);
      if (deliveries) handlers.onDeliveries(deliveries);
    });
    await next.connect();
    await next.query(`LISTEN ${TIMELINE_CHANNEL}`);
    return next;
  };

  const run = async () => {
    let attempt = 0;
    let hasConnected = false;
    while (!stopping.signal.aborted) {
      try {
        client = await connect();
        if (hasConnected) handlers.onReconnected();
        hasConnected = true;
        attempt = 0;
        resolveReady();
        const current = client;
        await new Promise<void>((resolve) => {
          current.once('error', () => resolve());
          current.once('end', () => resolve());
          stopping.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        await current.end().catch(() => undefined);
      } catch {
        // The database is away: try again, a little later each time.
        attempt++;
        resolveReady();
      }
      await sleep(Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)), undefined, {
        signal: stopping.signal,
      }).catch(() => undefined);
    }
  };
  const running = run();

  return {
    ready,
    async close() {
      stopping.abort();
      await running;
    },
  };
}
