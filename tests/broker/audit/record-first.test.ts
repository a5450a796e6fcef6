import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import request from 'supertest';
import WebSocket from 'ws';
import { verifyAuditChain } from '@hcw/common';
import { AUDIT_UNAVAILABLE } from '#broker/audit/record-first.js';
import { GuacamoleParser } from '#broker/tunnel/guacamole-protocol.js';
import { internalCa } from '#scripts/stack/internal-ca.js';
import { startPostgres, type PostgresService } from '#scripts/stack/services.js';
import { delay, freePort, type ManagedProcess } from '#scripts/stack/managed-process.js';
import { startWorkspaceStack, type WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { Cookies, signInOverHttp, signOutOverHttp } from '#test-support/http-sign-in.js';
import { TEST_DEMO_PASSWORD } from '#test-support/workspace.js';
import { consoleBroker, type ConsoleBroker } from '../admin/console-broker.js';
import { aUser } from '../desktops/fake-desktops.js';

interface Tunnel {
  /** Resolves when the desktop drew its first frame, or with the `error` instruction that closed it instead. */
  outcome: Promise<{ reachedDesktop: boolean; error?: readonly string[] }>;
  closed: Promise<void>;
  socket: WebSocket;
}

/**
 * The audit trail cannot miss a sign-in or a connection: each is recorded before it is allowed. With the
 * workspace's PostgreSQL really stopped, new sign-ins and desktop connections are refused with a message
 * saying why, and nothing happens that the trail does not hold; the control is the same steps while it
 * runs, and again once it is back.
 */
describe('the audit trail cannot miss a sign-in or a connection: the workspace with PostgreSQL stopped', function () {
  this.timeout(600000);
  let dataDir: string;
  let stack: WorkspaceStack;
  let postgres: ManagedProcess;
  let postgresPort: number;
  let tanaka: Cookies; // signed in, and connected to a desktop, while the audit store ran
  let firstTunnel: Tunnel;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'hcw-audit-first-'));
    stack = await startWorkspaceStack({
      dataDir,
      demoPassword: TEST_DEMO_PASSWORD,
      desktops: 2,
      brokerEnv: { SIGN_IN_FAILURES_PER_ADDRESS: '100000' },
    });
    postgres = stack.processes.find((p) => p.name === 'postgres')!;
    postgresPort = Number(new URL(stack.brokerDatabaseUrl).port);
  });
  after(async () => {
    await stack?.stop();
    if (!process.env.KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
  });

  async function connect(cookies: Cookies): Promise<Response> {
    return fetch(`${stack.brokerUrl}/api/desktop/connect`, {
      method: 'POST',
      headers: { cookie: cookies.header(), 'x-requested-with': 'hcw-client' },
    });
  }

  function openTunnel(cookies: Cookies, token: string): Tunnel {
    const socket = new WebSocket(
      `${stack.brokerUrl.replace('http:', 'ws:')}/tunnel?token=${encodeURIComponent(token)}&width=800&height=600`,
      { headers: { Origin: new URL(stack.brokerUrl).origin, Cookie: cookies.header() } },
    );
    const parser = new GuacamoleParser();
    let settle!: (value: { reachedDesktop: boolean; error?: readonly string[] }) => void;
    const outcome = new Promise<{ reachedDesktop: boolean; error?: readonly string[] }>((r) => (settle = r));
    socket.on('message', (data: Buffer) => {
      for (const { opcode, args } of parser.receive(data.toString('utf8'))) {
        if (opcode === 'error') settle({ reachedDesktop: false, error: args });
        if (opcode === 'sync') settle({ reachedDesktop: true });
      }
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    void closed.then(() => settle({ reachedDesktop: false }));
    return { socket, outcome, closed };
  }

  /** A pool of this test's own on the stack's database; a connection the stopping server drops is let go. */
  function brokerDatabase(): pg.Pool {
    const pool = new pg.Pool({ connectionString: stack.brokerDatabaseUrl, max: 1 });
    pool.on('error', () => undefined);
    return pool;
  }

  async function auditRows(type: string, actor: string): Promise<{ outcome: string }[]> {
    const pool = brokerDatabase();
    try {
      return (
        await pool.query<{ outcome: string }>(
          'SELECT outcome FROM audit_events WHERE type = $1 AND actor_id = $2 ORDER BY id',
          [type, actor],
        )
      ).rows;
    } finally {
      await pool.end();
    }
  }

  const me = async (cookies: Cookies): Promise<number> =>
    (await fetch(`${stack.brokerUrl}/api/me`, { headers: { cookie: cookies.header() } })).status;

  describe('while PostgreSQL runs (control)', () => {
    it('records a sign-in before letting the user in, and a connection before reaching the desktop', async () => {
      const signedIn = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
      assert.equal(signedIn.acsStatus, 303);
      tanaka = signedIn.cookies;
      assert.equal(await me(tanaka), 200);
      const granted = await connect(tanaka);
      assert.equal(granted.status, 200, await granted.clone().text());
      firstTunnel = openTunnel(tanaka, ((await granted.json()) as { token: string }).token);
      assert.deepEqual(await firstTunnel.outcome, { reachedDesktop: true });
      assert.deepEqual(await auditRows('sign-in', 'dr.tanaka'), [{ outcome: 'success' }]);
      assert.deepEqual(await auditRows('desktop-lease', 'dr.tanaka'), [{ outcome: 'success' }]);
      assert.deepEqual(await auditRows('connection-open', 'dr.tanaka'), [{ outcome: 'success' }]);
    });
  });

  describe('while PostgreSQL is stopped', () => {
    before(async () => {
      // A fast shutdown, as an operator's `pg_ctl stop` or a failing host would end it.
      process.kill(-postgres.pid, 'SIGINT');
      await Promise.race([postgres.exited, delay(60000)]);
      await postgres.stop();
      // A connection that ends now cannot be refused: its end is recorded once the store is back.
      firstTunnel.socket.close();
      await firstTunnel.closed;
    });

    it('refuses a new sign-in with a page saying why, and leaves the earlier session as it was', async () => {
      const refused = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
      assert.equal(refused.acsStatus, 503);
      assert.ok(refused.acsBody.includes(AUDIT_UNAVAILABLE.ja), refused.acsBody);
      assert.ok(refused.acsBody.includes(AUDIT_UNAVAILABLE.en));
      assert.equal(await me(refused.cookies), 401, 'not signed in');
      assert.equal(await me(tanaka), 200, 'the session it would have taken over was not ended');
    });

    it('refuses the second factor of a sign-in, with a page saying why', async () => {
      const pending = await signInOverHttp(stack.brokerUrl, 'nurse.sato', { stopAtSecondFactor: true });
      assert.equal(pending.acsStatus, 303);
      const page = await fetch(`${stack.brokerUrl}/auth/second-factor`, {
        headers: { cookie: pending.cookies.header(), accept: 'text/html' },
      });
      assert.equal(page.status, 503);
      const text = await page.text();
      assert.match(text, /ただいま本人確認を行えません/);
      assert.match(text, /The second factor cannot be checked/);
    });

    it('refuses a desktop connection with a message saying why, before it reaches the desktop', async () => {
      const granted = await connect(tanaka); // the lease is still there: a token, no new lease
      assert.equal(granted.status, 200);
      const tunnel = openTunnel(tanaka, ((await granted.json()) as { token: string }).token);
      const { reachedDesktop, error } = await tunnel.outcome;
      assert.equal(reachedDesktop, false);
      assert.ok(error, 'the browser is told why');
      assert.equal(error[0], `${AUDIT_UNAVAILABLE.ja} / ${AUDIT_UNAVAILABLE.en}`);
      await tunnel.closed;
    });

    after(async () => {
      await postgres.stop(); // gone for sure, whatever happened above
      const restarted = await startPostgres(dataDir, postgresPort, stack.internalCa, [
        'broker',
        { name: 'portal', extensions: ['btree_gist'] },
      ]);
      stack.processes.push(restarted.process);
    });
  });

  describe('once PostgreSQL is back', () => {
    it('signs in again, and the trail holds exactly what happened, its chain intact', async () => {
      const again = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
      assert.equal(again.acsStatus, 303, again.acsBody);
      assert.equal(await me(again.cookies), 200);
      // The refused sign-in took nothing over: this one ends the first session, and the trail says so.
      assert.equal(await me(tanaka), 401);
      assert.deepEqual(await auditRows('sign-in', 'dr.tanaka'), [
        { outcome: 'success' },
        { outcome: 'success' },
      ]);
      assert.deepEqual(await auditRows('session-end', 'dr.tanaka'), [{ outcome: 'success' }]);
      assert.deepEqual(await auditRows('connection-open', 'dr.tanaka'), [{ outcome: 'success' }]);
      // The connection that ended while the store was down is recorded once it is back (retried in the
      // background, at most a minute apart).
      const deadline = Date.now() + 180000;
      while ((await auditRows('connection-close', 'dr.tanaka')).length === 0) {
        assert.ok(Date.now() < deadline, 'the connection’s end was never recorded');
        await delay(1000);
      }
      const pool = brokerDatabase();
      try {
        assert.equal((await verifyAuditChain(pool)).ok, true);
      } finally {
        await pool.end();
      }
      await signOutOverHttp(stack.brokerUrl, again.cookies);
    });
  });
});

/**
 * A new desktop lease is recorded before its desktop is handed out. In a broker of the test's own, with
 * desktops whose agents answer and a PostgreSQL server the test stops.
 */
describe('a new desktop lease while the audit store is down', function () {
  this.timeout(180000);
  let dir: string;
  let postgres: PostgresService;
  let broker: ConsoleBroker;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hcw-lease-audit-'));
    chmodSync(dir, 0o711); // PostgreSQL runs as its own user and must reach its folder inside
    postgres = await startPostgres(dir, await freePort(), internalCa(path.join(dir, 'internal-ca')), [
      'broker',
    ]);
    broker = await consoleBroker('lease_audit', {
      postgres: { adminUrl: postgres.adminUrl, serviceUrl: postgres.urlFor('broker') },
    });
  });
  after(async () => {
    await broker?.close();
    await postgres?.process.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = (cookie: string) =>
    request(broker.app)
      .post('/api/desktop/connect')
      .set('cookie', cookie)
      .set('x-requested-with', 'hcw-client');

  it('records the lease, then hands out the desktop (control)', async () => {
    const { cookie } = await broker.signIn(aUser({ id: 'lease.control' }));
    const granted = await connect(cookie);
    assert.equal(granted.status, 200, granted.text);
    const { rows } = await broker.pool.query(
      "SELECT 1 FROM audit_events WHERE type = 'desktop-lease' AND actor_id = 'lease.control'",
    );
    assert.equal(rows.length, 1);
  });

  it('refuses it, saying why in Japanese and English, and gives the desktop back', async () => {
    const { cookie } = await broker.signIn(aUser({ id: 'lease.refused' }));
    await postgres.process.stop();
    const refused = await connect(cookie);
    assert.equal(refused.status, 503);
    assert.deepEqual(refused.body, { error: { ...AUDIT_UNAVAILABLE, code: 'audit-unavailable' } });
    assert.equal(await broker.redis.get('lease:user:lease.refused'), null, 'no desktop is leased unrecorded');
  });
});
