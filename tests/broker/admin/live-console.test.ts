import assert from 'node:assert/strict';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { SESSION_END_MESSAGES } from '#broker/auth/session.js';
import { GuacamoleParser } from '#broker/tunnel/guacamole-protocol.js';
import type { ConsoleSnapshot } from '#broker/admin/console-snapshot.js';
import { signInOverHttp, signOutOverHttp, type Cookies } from '#test-support/http-sign-in.js';
import { workspace } from '#test-support/workspace.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';

const ANDROID_PHONE =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36';

interface OpenTunnel {
  socket: WebSocket;
  closed: Promise<{ error?: readonly string[]; at: number }>;
}

describe('live console over socket.io, on the running broker', function () {
  this.timeout(120000);
  let stack: WorkspaceStack;
  const sockets: Socket[] = [];

  before(async () => {
    stack = await workspace();
  });
  after(() => {
    for (const socket of sockets) socket.close();
  });

  function consoleSocket(cookies: Cookies | undefined, origin = new URL(stack.brokerUrl).origin): Socket {
    const socket = io(stack.brokerUrl, {
      path: '/admin/live',
      transports: ['websocket'],
      reconnection: false,
      extraHeaders: { origin, ...(cookies ? { cookie: cookies.header() } : {}) },
    });
    sockets.push(socket);
    return socket;
  }

  function refusal(socket: Socket): Promise<string> {
    return new Promise((resolve, reject) => {
      socket.once('connect_error', (error) => resolve(error.message));
      socket.once('snapshot', () => reject(new Error('the console showed its data')));
    });
  }

  function snapshotWhere(
    socket: Socket,
    test: (s: ConsoleSnapshot) => boolean,
    timeoutMs = 15000,
  ): Promise<ConsoleSnapshot> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no such snapshot arrived')), timeoutMs);
      const listen = (snapshot: ConsoleSnapshot): void => {
        if (!test(snapshot)) return;
        clearTimeout(timer);
        socket.off('snapshot', listen);
        resolve(snapshot);
      };
      socket.on('snapshot', listen);
    });
  }

  async function openTunnel(cookies: Cookies, userAgent: string): Promise<OpenTunnel> {
    const response = await fetch(`${stack.brokerUrl}/api/desktop/connect`, {
      method: 'POST',
      headers: { cookie: cookies.header(), 'x-requested-with': 'hcw-client', 'user-agent': userAgent },
    });
    assert.equal(response.status, 200, await response.clone().text());
    const { token } = (await response.json()) as { token: string };
    const socket = new WebSocket(
      `${stack.brokerUrl.replace('http:', 'ws:')}/tunnel?token=${encodeURIComponent(token)}&width=800&height=600`,
      { headers: { Origin: new URL(stack.brokerUrl).origin, Cookie: cookies.header() } },
    );
    const parser = new GuacamoleParser();
    let error: readonly string[] | undefined;
    let drawn!: () => void;
    const isDrawn = new Promise<void>((resolve) => (drawn = resolve));
    socket.on('message', (data: Buffer) => {
      for (const { opcode, args } of parser.receive(data.toString('utf8'))) {
        if (opcode === 'error') error = args;
        if (opcode === 'sync') drawn();
      }
    });
    const closed = new Promise<{ error?: readonly string[]; at: number }>((resolve) =>
      socket.once('close', () => resolve({ error, at: Date.now() })),
    );
    await Promise.race([
      isDrawn,
      closed.then(() => assert.fail('the tunnel closed before the desktop drew')),
    ]);
    return { socket, closed };
  }

  it('refuses a practitioner’s socket and a socket from another origin', async () => {
    const nurse = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
    assert.equal(await refusal(consoleSocket(nurse.cookies)), 'forbidden');
    const admin = await signInOverHttp(stack.brokerUrl, 'admin.yamamoto');
    assert.ok(await refusal(consoleSocket(admin.cookies, 'http://evil.example')));
    assert.ok(await refusal(consoleSocket(undefined)));
    await signOutOverHttp(stack.brokerUrl, nurse.cookies);
    await signOutOverHttp(stack.brokerUrl, admin.cookies);
  });

  it('shows a live session with its figures and ends it with the administrator’s reason', async () => {
    const admin = await signInOverHttp(stack.brokerUrl, 'admin.yamamoto');
    const live = consoleSocket(admin.cookies);
    await snapshotWhere(live, () => true);

    const doctor = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
    const tunnel = await openTunnel(doctor.cookies, ANDROID_PHONE);
    // Figures arrive with the next sample, and the pool's picture with the keeper's next check.
    const seen = await snapshotWhere(
      live,
      (s) =>
        s.sessions.some((f) => f.userId === 'dr.tanaka' && f.tunnel === 'open' && f.bytesFromDesktop > 0) &&
        s.pools.some((p) => p.desktops.some((d) => d.userId === 'dr.tanaka')),
    );
    const fact = seen.sessions.find((f) => f.userId === 'dr.tanaka')!;
    assert.equal(fact.device, 'phone');
    assert.equal(fact.displayName, '田中 一郎');
    assert.equal(fact.guacd, `${stack.guacd.host}:${stack.guacd.port}`);
    assert.ok(stack.desktops.some((d) => d.id === fact.desktopId));
    const pool = seen.pools.find((p) => p.poolId === 'local');
    assert.equal(pool?.desktops.find((d) => d.userId === 'dr.tanaka')?.state, 'leased');
    assert.ok(pool.counts.leased >= 1);

    const changed = new Promise((resolve) => live.once('changed', resolve));
    const ended = await fetch(`${stack.brokerUrl}/admin/api/sessions/${fact.ref}/end`, {
      method: 'POST',
      headers: {
        cookie: admin.cookies.header(),
        'x-requested-with': 'hcw-client',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ note: 'テスト' }),
    });
    assert.equal(ended.status, 200);
    const { error } = await tunnel.closed;
    assert.equal(error?.[0], SESSION_END_MESSAGES['ended-by-administrator']);
    assert.deepEqual(await changed, { kind: 'session-ended', by: 'admin.yamamoto', subject: 'dr.tanaka' });
    await snapshotWhere(live, (s) => !s.sessions.some((f) => f.userId === 'dr.tanaka'));
    await signOutOverHttp(stack.brokerUrl, admin.cookies);
  });
});
