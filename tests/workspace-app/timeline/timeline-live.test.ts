import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { io as connect, type Socket } from 'socket.io-client';
import { notifyPractitioners } from '#workspace-app/timeline/notify-practitioners.js';
import { storePushedEvents } from '#workspace-app/timeline/store-pushed-events.js';
import { redisClientOptions, withTransaction } from '@hcw/common';
import {
  aPractitioner,
  anEvent,
  confirmedLink,
  startTestPortal,
  timelineDatabase,
  type TestPortal,
  type TimelineDatabase,
} from './timeline-fixtures.js';

const sato = aPractitioner();
const tanaka = aPractitioner({
  id: 'dr.tanaka',
  displayName: '田中 一郎',
  organisation: '中野在宅クリニック',
});

interface Announced {
  eventIds: number[];
}

describe('live timeline updates', function () {
  this.timeout(60_000);
  let db: TimelineDatabase;
  let portal: TestPortal;
  let satoCookie: string;
  let tanakaCookie: string;
  const sockets: Socket[] = [];

  before(async () => {
    db = await timelineDatabase('timeline_live_test');
    portal = await startTestPortal(db);
    satoCookie = await portal.signIn(sato);
    tanakaCookie = await portal.signIn(tanaka);
    await confirmedLink(db.pool, 'nurse.sato', 'kanamic', 'office-0001');
    await confirmedLink(db.pool, 'dr.tanaka', 'kanamic', 'office-0002');
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
  });
  after(async () => {
    await portal.close();
    await db.close();
  });

  /** A socket as the kiosk opens it; resolves once connected, or rejects with the refusal. */
  function openSocket(headers: Record<string, string>): Promise<{ socket: Socket; announced: Announced[] }> {
    const socket = connect(portal.url, {
      transports: ['websocket'],
      extraHeaders: headers,
      reconnection: false,
    });
    sockets.push(socket);
    const announced: Announced[] = [];
    socket.on('timeline:new', (message: { eventIds: number[] }) =>
      announced.push({ eventIds: message.eventIds }),
    );
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve({ socket, announced }));
      socket.once('connect_error', (error) => reject(error));
    });
  }

  const until = async (check: () => boolean, what: string, timeoutMs = 2_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('serves the kiosk its scripts from the portal itself, as the strict CSP requires', async () => {
    for (const script of ['/socket.io/socket.io.min.js', '/assets/timeline/timeline.js']) {
      const response = await fetch(`${portal.url}${script}`);
      assert.equal(response.status, 200, script);
      assert.match(response.headers.get('content-type') ?? '', /javascript/);
    }
  });

  it('tells the practitioner’s desktop of a new event once it is committed', async () => {
    const { announced } = await openSocket({ cookie: satoCookie });
    const stored = await storePushedEvents(db.pool, 'kanamic', [anEvent({ title: 'ライブの投稿' })]);
    await until(() => announced.length > 0, 'the announcement');
    assert.deepEqual(announced[0]!.eventIds, stored.deliveries.get('nurse.sato'));

    const items = await fetch(
      `${portal.url}/timeline/api/items?ids=${announced[0]!.eventIds.join(',')}&lang=ja`,
      {
        headers: { cookie: satoCookie },
      },
    );
    const body = (await items.json()) as { items: Array<{ html: string }>; unreadHtml: string };
    assert.match(body.items[0]!.html, /ライブの投稿/);
    assert.match(body.unreadHtml, /未読/);
  });

  it('never tells a practitioner of another’s events', async () => {
    const own = await openSocket({ cookie: satoCookie });
    const other = await openSocket({ cookie: tanakaCookie });
    await storePushedEvents(db.pool, 'kanamic', [anEvent()]);
    await until(() => own.announced.length > 0, 'the owner’s announcement');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(other.announced, []);
    // Control: the other practitioner hears of their own.
    await storePushedEvents(db.pool, 'kanamic', [anEvent({ vendorAccount: 'office-0002' })]);
    await until(() => other.announced.length > 0, 'the other practitioner’s own event');
  });

  it('refuses a socket without a session, with a forged session cookie, or from another site', async () => {
    await assert.rejects(openSocket({}), /unauthorised/);
    const [name, value] = satoCookie.split('=');
    const forged = `${name}=${value!.replace(/\.[^.]+$/, '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')}`;
    await assert.rejects(openSocket({ cookie: forged }), /unauthorised/);
    await assert.rejects(openSocket({ cookie: satoCookie, origin: 'https://evil.example' }));
    // Control: the same cookie from the portal's own page is let in.
    await openSocket({ cookie: satoCookie, origin: portal.url });
  });

  it('closes the socket when the portal session ends', async () => {
    const { socket } = await openSocket({ cookie: satoCookie });
    const redis = createClient(redisClientOptions(portal.config.redisUrl, portal.config.redisCa));
    await redis.connect();
    try {
      const sessionId = decodeURIComponent(satoCookie.split('=')[1]!)
        .slice(2)
        .replace(/\.[^.]+$/, '');
      assert.equal(await redis.del(`portal:sess:${sessionId}`), 1);
      await until(() => socket.disconnected, 'the socket to close');
    } finally {
      await redis.quit();
    }
  });

  it('delivers a portal notification live when, and only when, the caller’s transaction commits', async () => {
    const { announced } = await openSocket({ cookie: tanakaCookie });
    const notification = {
      recipients: ['dr.tanaka'],
      source: 'transfers' as const,
      kind: 'inquiry-received',
      patientId: 'patient-0001',
      title: '転院の問い合わせが届きました',
      link: '/transfers/requests/7',
      occurredAt: new Date(),
      idempotencyKey: 'inquiry-7',
    };
    await assert.rejects(
      withTransaction(db.pool, async (client) => {
        await notifyPractitioners(client, notification);
        throw new Error('the transfer could not be saved');
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(announced, []);
    await withTransaction(db.pool, (client) => notifyPractitioners(client, notification));
    await until(() => announced.length === 1, 'the notification');
  });
});
