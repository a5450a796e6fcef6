import assert from 'node:assert/strict';
import { createClient, type RedisClientType } from 'redis';
import { redisClientOptions } from '@hcw/common';
import WebSocket from 'ws';
import { Cookies, signInOverHttp, signOutOverHttp } from '#test-support/http-sign-in.js';
import { idpLogoutRequestUrl, sessionIndexOf } from '#test-support/saml-attack.js';
import { workspace } from '#test-support/workspace.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { SESSION_COOKIE } from '#broker/auth/session.js';
import { GuacamoleParser } from '#broker/tunnel/guacamole-protocol.js';

/** The Guacamole status the broker uses when it ends a tunnel because the session behind it ended. */
const SESSION_CLOSED = String(0x0209);

interface OpenTunnel {
  cookies: Cookies;
  sessionId: string;
  /** Resolves with the `error` instruction (if any) and the time the socket closed. */
  closed: Promise<{ error?: readonly string[]; at: number }>;
  socket: WebSocket;
}

describe('a tunnel ends with its session', function () {
  this.timeout(120000);
  let stack: WorkspaceStack;
  let redis: RedisClientType;

  before(async () => {
    stack = await workspace();
    redis = createClient(redisClientOptions(stack.redisUrl, stack.internalCa.pem));
    await redis.connect();
  });
  after(async () => {
    await redis.quit();
  });

  async function openTunnel(username: string, cookies?: Cookies): Promise<OpenTunnel> {
    const signedIn = cookies ?? (await signInOverHttp(stack.brokerUrl, username)).cookies;
    const response = await fetch(`${stack.brokerUrl}/api/desktop/connect`, {
      method: 'POST',
      headers: { cookie: signedIn.header(), 'x-requested-with': 'hcw-client' },
    });
    assert.equal(response.status, 200, await response.clone().text());
    const { token } = (await response.json()) as { token: string };
    const socket = new WebSocket(
      `${stack.brokerUrl.replace('http:', 'ws:')}/tunnel?token=${encodeURIComponent(token)}&width=800&height=600`,
      { headers: { Origin: new URL(stack.brokerUrl).origin, Cookie: signedIn.header() } },
    );
    const parser = new GuacamoleParser();
    let error: readonly string[] | undefined;
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    socket.on('message', (data: Buffer) => {
      for (const { opcode, args } of parser.receive(data.toString('utf8'))) {
        if (opcode === 'error') error = args;
        if (opcode === 'sync') ready();
      }
    });
    const closed = new Promise<{ error?: readonly string[]; at: number }>((resolve) =>
      socket.once('close', () => resolve({ error, at: Date.now() })),
    );
    await Promise.race([
      isReady,
      closed.then(() => assert.fail('the tunnel closed before the desktop drew')),
    ]);
    const raw = decodeURIComponent(signedIn.header().match(new RegExp(`${SESSION_COOKIE}=([^;]+)`))![1]!);
    return { cookies: signedIn, socket, closed, sessionId: raw.slice(2, raw.lastIndexOf('.')) };
  }

  /** The tunnel closes, telling the browser why; how soon is measured in benchmarks/time-limits.bench.ts. */
  async function assertEnded(tunnel: OpenTunnel, message: RegExp): Promise<void> {
    const { error } = await tunnel.closed;
    assert.ok(error, 'the browser was not told why');
    assert.equal(error[1], SESSION_CLOSED);
    assert.match(error[0]!, message);
  }

  it('stays open while the session lives (control)', async () => {
    const tunnel = await openTunnel('nurse.sato');
    const early = await Promise.race([
      tunnel.closed.then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('open'), 1500)),
    ]);
    assert.equal(early, 'open');
    await signOutOverHttp(stack.brokerUrl, tunnel.cookies);
    await tunnel.closed;
  });

  it('closes when the user signs out, saying so', async () => {
    const tunnel = await openTunnel('nurse.sato');
    await signOutOverHttp(stack.brokerUrl, tunnel.cookies);
    await assertEnded(tunnel, /サインアウト/);
  });

  it('closes on single logout started at the IdP, saying so', async () => {
    // A user whose IdP asserts multi-factor: no wait for a fresh TOTP window after the earlier sign-ins.
    const signedIn = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
    const tunnel = await openTunnel('dr.tanaka', signedIn.cookies);
    const { url } = idpLogoutRequestUrl(stack, 'dr.tanaka', {
      sessionIndex: sessionIndexOf(signedIn.samlResponse),
    });
    const answer = await fetch(url, { redirect: 'manual' });
    assert.equal(answer.status, 303, await answer.clone().text());
    await assertEnded(tunnel, /IdP/);
  });

  it('closes at the idle timeout, saying so', async () => {
    const tunnel = await openTunnel('cm.suzuki');
    // What the idle timeout does: the session's key in Redis reaches the end of its time to live.
    await redis.pExpire(`broker:sess:${tunnel.sessionId}`, 1);
    await assertEnded(tunnel, /操作がなかった/);
    await signOutOverHttp(stack.brokerUrl, tunnel.cookies);
  });

  it('closes at the end of the absolute lifetime, however busy the user is', async () => {
    const tunnel = await openTunnel('cm.suzuki');
    const deadline = await redis.get(`session:deadline:${tunnel.sessionId}`);
    assert.ok(deadline && Number(deadline) > Date.now(), 'sign-in sets the absolute deadline');
    await redis.set(`session:deadline:${tunnel.sessionId}`, String(Date.now()));
    await assertEnded(tunnel, /有効期間/);
    await signOutOverHttp(stack.brokerUrl, tunnel.cookies);
  });

  it('closes the first device when the user signs in on another', async () => {
    const first = await openTunnel('pharm.kobayashi');
    const second = await signInOverHttp(stack.brokerUrl, 'pharm.kobayashi');
    await assertEnded(first, /別の端末/);
    await signOutOverHttp(stack.brokerUrl, second.cookies);
  });
});
