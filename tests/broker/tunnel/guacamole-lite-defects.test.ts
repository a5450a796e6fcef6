import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import path from 'node:path';
import { createRequire } from 'node:module';
import GuacamoleLite from 'guacamole-lite';
import { createClient, type RedisClientType } from 'redis';
import { redisClientOptions } from '@hcw/common';
import WebSocket from 'ws';
import { loadConfig, type BrokerConfig } from '#broker/config.js';
import { encryptToken } from '#broker/tunnel/connection-token.js';
import { encodeInstruction, GuacamoleParser } from '#broker/tunnel/guacamole-protocol.js';
import { lockdownSettings } from '#broker/tunnel/lockdown.js';
import { TunnelServer } from '#broker/tunnel/tunnel-server.js';
import type { SignedInUser } from '#broker/auth/signed-in-user.js';
import { testInternalCa } from '#test-support/test-internal-ca.js';
import { workspace } from '#test-support/workspace.js';

/**
 * guacamole-lite 1.2.0 has defects that were reproduced against it; the broker extends its classes to be
 * rid of them. Each test here drives the broker's tunnel (the real library underneath) against a guacd
 * stand-in that records every byte, so the wire shows the defect is gone. The stand-in is used because
 * these are byte-level faults a real guacd cannot be made to produce on demand.
 */

const LIBRARY_VERSION = (
  JSON.parse(readFileSync(createRequire(import.meta.url).resolve('guacamole-lite/package.json'), 'utf8')) as {
    version: string;
  }
).version;

const USER: SignedInUser = {
  id: 'nurse.sato',
  displayName: '佐藤 花子',
  displayNameKana: 'サトウ ハナコ',
  organisation: '新宿訪問看護ステーション',
  profession: '看護師',
  roles: ['practitioner'],
  authnContext: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
  mfaByIdp: false,
};
const GOOD_COOKIE = 'hcw.sid=the-good-one';
const VNC_PASSWORD = 'vnc-Pa55-word-9731';

/**
 * A guacd that answers the handshake, records what it is sent, and sends what a test tells it to; over TLS
 * with a guacd certificate of the tests' internal CA, as the broker speaks to guacd.
 */
class GuacdStandIn {
  readonly server = tls.createServer(testInternalCa().agentPem('guacd-stand-in'), (socket) =>
    this.accept(socket),
  );
  readonly received: string[][] = [];
  connections = 0;
  socket?: net.Socket;
  private closedResolve?: () => void;
  readonly closed = new Promise<void>((resolve) => (this.closedResolve = resolve));

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  private accept(socket: net.Socket): void {
    this.connections++;
    this.socket = socket;
    const parser = new GuacamoleParser();
    socket.on('data', (chunk) => {
      for (const { opcode, args } of parser.receive(chunk.toString('utf8'))) {
        this.received.push([opcode, ...args]);
        if (opcode === 'select')
          socket.write(
            encodeInstruction(
              'args',
              'VERSION_1_1_0',
              'hostname',
              'port',
              'password',
              'client-name',
              'disable-copy',
            ),
          );
        if (opcode === 'connect') socket.write(encodeInstruction('ready', '$stand-in-connection'));
      }
    });
    socket.on('close', () => this.closedResolve?.());
    socket.on('error', () => undefined);
  }

  opcodes(): string[] {
    return this.received.map(([opcode]) => opcode!);
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe(`guacamole-lite ${LIBRARY_VERSION} defects the broker does not inherit`, function () {
  this.timeout(60000);
  let redis: RedisClientType;
  let dir: string;

  before(async () => {
    const stack = await workspace();
    redis = createClient(redisClientOptions(stack.redisUrl, stack.internalCa.pem));
    await redis.connect();
    dir = mkdtempSync(path.join(os.tmpdir(), 'hcw-defects-'));
  });
  after(async () => {
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  interface Harness {
    config: BrokerConfig;
    guacd: GuacdStandIn;
    tunnel: TunnelServer;
    logs: string[];
    url(settings?: Record<string, string>): string;
    stop(): Promise<void>;
  }

  async function harness(logLevel?: 'QUIET' | 'ERRORS'): Promise<Harness> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const cert = path.join(dir, 'idp.crt');
    writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const config = loadConfig({
      BROKER_ENV: 'test',
      BROKER_PUBLIC_URL: `http://127.0.0.1:${port}`,
      BROKER_REDIS_URL: 'redis://127.0.0.1:1',
      BROKER_DATABASE_URL: 'postgres://x@127.0.0.1:1/x',
      ...testInternalCa().brokerEnv,
      BROKER_SESSION_SECRET: 'x'.repeat(40),
      BROKER_TUNNEL_KEY: Buffer.alloc(32, 7).toString('base64'),
      BROKER_SECRETS_KEY: Buffer.alloc(32, 8).toString('base64'),
      SAML_IDP_SSO_URL: 'http://localhost:1/idp',
      SAML_IDP_ENTITY_ID: 'http://localhost:1/idp',
      SAML_IDP_CERT_FILE: cert,
      DESKTOPS: JSON.stringify([
        {
          id: 'desktop-1',
          agentUrl: 'https://127.0.0.1:1',
          vncHost: '127.0.0.1',
          vncPort: 5901,
          guacdHost: '127.0.0.1',
          guacdPort: 1,
        },
      ]),
      PORTAL_INTERNAL_URL: 'http://127.0.0.1:1',
      PORTAL_HANDOFF_SECRET: 'h'.repeat(40),
    });
    const guacd = new GuacdStandIn();
    const guacdPort = await guacd.listen();
    const logs: string[] = [];
    const tunnel = new TunnelServer({
      server,
      config,
      redis,
      sessionFromCookie: async (cookie) =>
        cookie === GOOD_COOKIE ? { sessionId: 's-1', user: USER } : undefined,
      endedReason: async () => undefined,
      log: (message) => logs.push(message),
      logLevel,
    });
    return {
      config,
      guacd,
      tunnel,
      logs,
      url(settings = {}) {
        const { token } = encryptToken(
          config.tunnel.key,
          {
            userId: USER.id,
            desktopId: 'desktop-1',
            connection: {
              type: 'vnc',
              guacdHost: '127.0.0.1',
              guacdPort,
              settings: {
                hostname: '127.0.0.1',
                port: 5901,
                password: VNC_PASSWORD,
                ...lockdownSettings({ disablePaste: true }),
                ...settings,
              },
            },
          },
          30,
        );
        return `ws://127.0.0.1:${port}/tunnel?token=${encodeURIComponent(token)}&width=1024&height=768`;
      },
      async stop() {
        tunnel.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await guacd.close();
      },
    };
  }

  /** A browser: opens the tunnel with the good session and collects every instruction it is sent. */
  function browser(url: string, cookie = GOOD_COOKIE) {
    const socket = new WebSocket(url, {
      headers: { Origin: new URL(url.replace('ws:', 'http:')).origin, Cookie: cookie },
    });
    const parser = new GuacamoleParser();
    const received: string[][] = [];
    const waiters: Array<() => void> = [];
    socket.on('message', (data: Buffer) => {
      for (const { opcode, args } of parser.receive(data.toString('utf8'))) received.push([opcode, ...args]);
      for (const wake of waiters.splice(0)) wake();
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const upgraded = new Promise<boolean>((resolve) => {
      socket.once('open', () => resolve(true));
      socket.once('unexpected-response', () => resolve(false));
      socket.once('error', () => resolve(false));
    });
    async function until(test: () => boolean, what: string): Promise<void> {
      const deadline = Date.now() + 5000;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await Promise.race([
          new Promise<void>((resolve) => waiters.push(resolve)),
          new Promise((resolve) => setTimeout(resolve, 50)),
        ]);
      }
    }
    return { socket, received, closed, upgraded, until };
  }

  async function openedBrowser(h: Harness, settings?: Record<string, string>) {
    const b = browser(h.url(settings));
    assert.equal(await b.upgraded, true);
    // guacamole-lite tells the browser the connection ID with an empty opcode once guacd is ready.
    await b.until(() => b.received.some(([opcode]) => opcode === ''), 'the connection to be ready');
    return b;
  }

  it('1: a missing, garbage or malformed token is refused and the process keeps serving', async () => {
    const h = await harness();
    try {
      const base = h.url().split('?')[0]!;
      for (const query of ['', '?token=', '?token=%%%', '?token=e30=', `?token=${'A'.repeat(50_000)}`]) {
        const b = browser(base + query);
        assert.equal(await b.upgraded, false, query);
      }
      const ok = await openedBrowser(h);
      ok.socket.close();
      assert.equal(h.guacd.connections, 1, 'only the good connection reached guacd');
    } finally {
      await h.stop();
    }
  });

  it('2: a refused connection never opens guacd or sends it a handshake', async () => {
    const h = await harness();
    try {
      const refused = browser(h.url(), 'hcw.sid=someone-else');
      assert.equal(await refused.upgraded, false);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(h.guacd.connections, 0);
      assert.deepEqual(h.guacd.received, []);
    } finally {
      await h.stop();
    }
  });

  it('2: the settings guacd receives are exactly the broker’s, lock-down included', async () => {
    const h = await harness();
    try {
      const b = await openedBrowser(h);
      const connect = h.guacd.received.find(([opcode]) => opcode === 'connect')!;
      // args were: VERSION, hostname, port, password, client-name, disable-copy
      assert.deepEqual(connect.slice(1), ['VERSION_1_1_0', '127.0.0.1', '5901', VNC_PASSWORD, '', 'true']);
      b.socket.close();
    } finally {
      await h.stop();
    }
  });

  it('3: Japanese values in the token reach guacd intact', async () => {
    const h = await harness();
    try {
      const b = await openedBrowser(h, { 'client-name': '佐藤 花子の端末・訪問看護' });
      const connect = h.guacd.received.find(([opcode]) => opcode === 'connect')!;
      assert.equal(connect[5], '佐藤 花子の端末・訪問看護');
      b.socket.close();
    } finally {
      await h.stop();
    }
  });

  it('4: a character split between two TCP chunks from guacd arrives whole, and nothing crashes', async () => {
    const h = await harness();
    try {
      const b = await openedBrowser(h);
      const bytes = Buffer.from(encodeInstruction('error', '接続が切断されました', '519'), 'utf8');
      const cut = bytes.indexOf(Buffer.from('接', 'utf8')) + 1; // inside the three bytes of 接
      h.guacd.socket!.write(bytes.subarray(0, cut));
      await new Promise((resolve) => setTimeout(resolve, 100));
      h.guacd.socket!.write(bytes.subarray(cut));
      await b.until(() => b.received.some(([opcode]) => opcode === 'error'), 'the error instruction');
      assert.deepEqual(
        b.received.find(([opcode]) => opcode === 'error'),
        ['error', '接続が切断されました', '519'],
      );
    } finally {
      await h.stop();
    }
  });

  for (const level of ['QUIET', 'ERRORS'] as const) {
    it(`5: at log level ${level} nothing of the connection's secrets or clipboard is written`, async () => {
      const written: string[] = [];
      const original = { log: console.log, error: console.error, write: process.stdout.write };
      console.log = (...parts: unknown[]) => void written.push(parts.map(String).join(' '));
      console.error = (...parts: unknown[]) => void written.push(parts.map(String).join(' '));
      const h = await harness(level);
      try {
        const b = await openedBrowser(h);
        h.guacd.socket!.write(encodeInstruction('clipboard', '7', 'text/plain'));
        h.guacd.socket!.write(
          encodeInstruction('blob', '7', Buffer.from('患者 山田太郎').toString('base64')),
        );
        b.socket.send(encodeInstruction('key', '65', '1'));
        await new Promise((resolve) => setTimeout(resolve, 300));
        b.socket.close();
        await h.guacd.closed;
      } finally {
        console.log = original.log;
        console.error = original.error;
        await h.stop();
      }
      const everything = [...written, ...h.logs].join('\n');
      assert.ok(!everything.includes(VNC_PASSWORD), 'the VNC password was logged');
      assert.ok(
        !everything.includes(Buffer.from('患者 山田太郎').toString('base64')),
        'clipboard data was logged',
      );
      assert.ok(!everything.includes('Sending to guacd'), 'debug logging is on');
    });
  }

  it('5: the plain library, told QUIET by name, writes debug lines (control: the checks above can fail)', () => {
    const server = http.createServer();
    const options = { log: { level: 'QUIET' as unknown as number } };
    const plain = new GuacamoleLite({ server }, { host: '127.0.0.1', port: 1 }, options);
    try {
      // QUIET is 0, which the library's name lookup treats as "not found", so the name stays a string…
      const level = (plain as unknown as { clientOptions: typeof options }).clientOptions.log.level;
      assert.equal(level, 'QUIET');
      // …and its logger, comparing numbers with that string, lets every level through.
      const { Logger } = createRequire(import.meta.url)('guacamole-lite/lib/Logger.js') as {
        Logger: new (
          level: unknown,
          stdLog: (line: string) => void,
        ) => { log(level: number, line: string): void };
      };
      const written: string[] = [];
      new Logger(level, (line) => written.push(line)).log(40, 'Sending to guacd: password');
      assert.equal(written.length, 1);
    } finally {
      if (plain.sigTermHandler) process.removeListener('SIGTERM', plain.sigTermHandler);
      if (plain.sigIntHandler) process.removeListener('SIGINT', plain.sigIntHandler);
      plain.webSocketServer.close();
    }
  });

  it('6: the browser’s keep-alive ping is answered by the broker and never reaches guacd', async () => {
    const h = await harness();
    try {
      const b = await openedBrowser(h);
      b.socket.send(encodeInstruction('', 'ping', '1234567'));
      await b.until(
        () => b.received.some(([opcode, what]) => opcode === '' && what === 'ping'),
        'the ping answer',
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.ok(!h.guacd.received.some(([opcode, what]) => opcode === '' && what === 'ping'));
      b.socket.close();
    } finally {
      await h.stop();
    }
  });

  it('7: the connection to guacd is made with TCP_NODELAY', async () => {
    const calls: Array<{ socket: net.Socket; noDelay: boolean | undefined }> = [];
    const original = net.Socket.prototype.setNoDelay;
    net.Socket.prototype.setNoDelay = function (this: net.Socket, noDelay?: boolean) {
      calls.push({ socket: this, noDelay });
      return original.call(this, noDelay);
    };
    const h = await harness();
    try {
      const b = await openedBrowser(h);
      const [live] = [...h.tunnel.liveTunnels];
      const guacdSocket = (live!.connection.guacdClient as unknown as { guacdConnection: net.Socket })
        .guacdConnection;
      assert.ok(calls.some((call) => call.socket === guacdSocket && call.noDelay !== false));
      b.socket.close();
    } finally {
      net.Socket.prototype.setNoDelay = original;
      await h.stop();
    }
  });

  it('8: guacd is told to disconnect as soon as the browser leaves', async () => {
    const h = await harness();
    try {
      const b = await openedBrowser(h);
      b.socket.close();
      await h.guacd.closed;
      assert.equal(h.guacd.opcodes().at(-1), 'disconnect');
    } finally {
      await h.stop();
    }
  });

  it('9: SIGTERM and SIGINT are left to the broker', async () => {
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    const h = await harness();
    try {
      assert.equal(process.listenerCount('SIGTERM'), before.term);
      assert.equal(process.listenerCount('SIGINT'), before.int);
    } finally {
      await h.stop();
    }
  });

  it('9: the plain library does take them (control: the check above can fail)', async () => {
    const server = http.createServer();
    const before = process.listenerCount('SIGTERM');
    const plain = new GuacamoleLite({ server }, { host: '127.0.0.1', port: 1 }, { log: { level: 0 } });
    try {
      assert.equal(process.listenerCount('SIGTERM'), before + 1);
    } finally {
      if (plain.sigTermHandler) process.removeListener('SIGTERM', plain.sigTermHandler);
      if (plain.sigIntHandler) process.removeListener('SIGINT', plain.sigIntHandler);
      plain.webSocketServer.close();
    }
  });
});
