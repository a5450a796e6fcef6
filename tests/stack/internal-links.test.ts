import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import pg from 'pg';
import { createClient } from 'redis';
import { desktopIdentity, redisClientOptions } from '@hcw/common';
import { AgentClient, AgentError } from '#broker/desktops/agent-client.js';
import { encodeInstruction } from '#broker/tunnel/guacamole-protocol.js';
import { internalCa } from '#scripts/stack/internal-ca.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { inDatabase } from '../support/fresh-database.js';
import { scratchDir } from '../support/scratch-dir.js';
import { callAgent } from '../vdi-images/support/test-desktop.js';
import { workspace } from '../support/workspace.js';

/**
 * Every internal link of the running workspace, the one the demo and the other suites use, refuses clear
 * text and parties without the right certificate; each refusal has a control that goes through. The same
 * settings are what a deployment has (docs/decisions/0021-internal-tls-and-service-credentials.md).
 */
describe('links inside the workspace', function () {
  this.timeout(120000);
  let stack: WorkspaceStack;
  /** A CA nobody here trusts, with certificates of the same names as the stack's. */
  let stranger: ReturnType<typeof internalCa>;

  before(async () => {
    stack = await workspace();
    stranger = internalCa(scratchDir('hcw-stranger-ca'), 'A CA of somebody else');
  });

  const pem = (file: string) => readFileSync(file, 'utf8');
  const port = (url: string) => Number(new URL(url).port);

  /** What a TLS client gets from a server: the handshake's verdict, without sending anything. */
  function handshake(options: tls.ConnectionOptions): Promise<{ authorized: boolean; error?: string }> {
    return new Promise((resolve) => {
      const socket = tls.connect({ ...options, rejectUnauthorized: false });
      socket.once('secureConnect', () => {
        resolve({ authorized: socket.authorized, error: socket.authorizationError?.toString() });
        socket.end();
      });
      socket.once('error', (error) => resolve({ authorized: false, error: error.message }));
    });
  }

  /** What a server answers to a few bytes in clear, within a second: undefined when it says nothing. */
  function answerInClear(portNumber: number, bytes: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      const socket = net.connect(portNumber, '127.0.0.1', () => socket.write(bytes));
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      const done = () => {
        socket.destroy();
        resolve(received || undefined);
      };
      socket.once('close', done);
      socket.once('error', done);
      setTimeout(done, 1000);
    });
  }

  describe('Redis', () => {
    it('speaks no clear text (control: the same command over TLS is answered)', async () => {
      const inClear = await answerInClear(port(stack.redisUrl), 'PING\r\n');
      assert.ok(!inClear?.includes('PONG'), `Redis answered in clear: ${inClear}`);
      const redis = createClient(redisClientOptions(stack.serviceRedisUrls.broker, stack.internalCa.pem));
      await redis.connect();
      try {
        assert.equal(await redis.ping(), 'PONG');
      } finally {
        await redis.quit();
      }
    });

    it('is not taken for Redis by a client that trusts another CA', async () => {
      const verdict = await handshake({ host: '127.0.0.1', port: port(stack.redisUrl), ca: stranger.pem });
      assert.equal(verdict.authorized, false);
      // Control: the internal CA vouches for it, for this address.
      const control = await handshake({
        host: '127.0.0.1',
        port: port(stack.redisUrl),
        ca: stack.internalCa.pem,
      });
      assert.equal(control.authorized, true, control.error);
    });

    it('lets nobody in without a user of their own: the default user is off', async () => {
      const anonymous = new URL(stack.serviceRedisUrls.broker);
      anonymous.username = '';
      anonymous.password = '';
      const redis = createClient({
        ...redisClientOptions(anonymous.toString(), stack.internalCa.pem),
        socket: { tls: true, ca: stack.internalCa.pem, reconnectStrategy: false },
      });
      redis.on('error', () => undefined);
      try {
        await redis.connect();
        await assert.rejects(redis.get('x'), /NOAUTH|NOPERM/);
      } finally {
        if (redis.isOpen) redis.destroy();
      }
    });

    it("keeps each service from the commands that reconfigure or wipe Redis (control: the stack's own user may)", async () => {
      const broker = createClient(redisClientOptions(stack.serviceRedisUrls.broker, stack.internalCa.pem));
      const admin = createClient(redisClientOptions(stack.redisUrl, stack.internalCa.pem));
      await Promise.all([broker.connect(), admin.connect()]);
      try {
        await broker.set('internal-links:probe', 'ok');
        assert.equal(await broker.get('internal-links:probe'), 'ok');
        await assert.rejects(broker.configGet('maxmemory'), /NOPERM/);
        await assert.rejects(broker.sendCommand(['FLUSHALL']), /NOPERM/);
        await assert.rejects(broker.sendCommand(['KEYS', '*']), /NOPERM/);
        assert.ok(await admin.configGet('maxmemory'));
      } finally {
        await broker.del('internal-links:probe');
        await Promise.all([broker.quit(), admin.quit()]);
      }
    });
  });

  describe('PostgreSQL', () => {
    const query = async (connectionString: string, sql: string) => {
      const client = new pg.Client({ connectionString });
      client.on('error', () => undefined);
      await client.connect();
      try {
        return await client.query(sql);
      } finally {
        await client.end();
      }
    };

    it('refuses a connection in clear (control: the same role over verified TLS)', async () => {
      const inClear = new URL(stack.brokerDatabaseUrl);
      inClear.search = 'sslmode=disable';
      await assert.rejects(query(inClear.toString(), 'SELECT 1'), /no pg_hba\.conf entry.*no encryption/);
      assert.equal((await query(stack.brokerDatabaseUrl, 'SELECT 1 AS one')).rows[0]?.one, 1);
    });

    it('is not taken for the database by a client that trusts another CA', async () => {
      const otherCa = new URL(stack.brokerDatabaseUrl);
      otherCa.searchParams.set('sslrootcert', stranger.certFile);
      await assert.rejects(query(otherCa.toString(), 'SELECT 1'), /self[- ]signed|unable to (get|verify)/i);
    });

    it('gives each service a role of its own that is not the superuser', async () => {
      const role = await query(
        stack.brokerDatabaseUrl,
        'SELECT current_user AS name, rolsuper AS super FROM pg_roles WHERE rolname = current_user',
      );
      assert.deepEqual(role.rows[0], { name: 'broker', super: false });
      // The portal's role cannot reach the broker's database (and so its audit trail).
      await assert.rejects(
        query(inDatabase(stack.portalDatabaseUrl, 'broker'), 'SELECT 1'),
        /permission denied for database/,
      );
      // The broker appends to the audit trail, and may not rewrite it: the table is its owner's.
      await assert.rejects(query(stack.brokerDatabaseUrl, 'TRUNCATE audit_events'), /permission denied/);
      const owner = await query(
        inDatabase(stack.adminDatabaseUrl, 'broker'),
        "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_events'",
      );
      assert.equal(owner.rows[0]?.tableowner, 'broker_owner');
      // Control: the superuser's URL the fixtures use is a superuser's.
      const admin = await query(
        stack.adminDatabaseUrl,
        'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
      );
      assert.equal(admin.rows[0]?.rolsuper, true);
    });
  });

  describe('guacd', () => {
    it('does not answer a Guacamole handshake in clear (control: the same handshake over TLS)', async () => {
      const select = encodeInstruction('select', 'vnc');
      const inClear = await answerInClear(stack.guacd.port, select);
      assert.ok(!inClear?.includes('4.args'), `guacd answered in clear: ${inClear}`);
      const overTls = await new Promise<string>((resolve, reject) => {
        const socket = tls.connect({
          host: stack.guacd.host,
          port: stack.guacd.port,
          ca: stack.internalCa.pem,
        });
        let received = '';
        socket.once('secureConnect', () => socket.write(select));
        socket.on('data', (chunk: Buffer) => {
          received += chunk.toString('utf8');
          if (received.includes(';')) {
            socket.end();
            resolve(received);
          }
        });
        socket.once('error', reject);
      });
      assert.match(overTls, /^4\.args,/);
    });

    it('is not taken for guacd by a broker that trusts another CA', async () => {
      const verdict = await handshake({ host: stack.guacd.host, port: stack.guacd.port, ca: stranger.pem });
      assert.equal(verdict.authorized, false);
      const control = await handshake({
        host: stack.guacd.host,
        port: stack.guacd.port,
        ca: stack.internalCa.pem,
      });
      assert.equal(control.authorized, true, control.error);
    });
  });

  describe('desktop agents', () => {
    const brokerTls = () => ({
      ca: stack.internalCa.pem,
      cert: pem(stack.brokerCertificate.certFile),
      key: pem(stack.brokerCertificate.keyFile),
    });

    it("answer the broker's certificate, and nobody without one or with another", async () => {
      const [desktop] = stack.desktops;
      const asBroker = {
        cert: pem(stack.brokerCertificate.certFile),
        key: pem(stack.brokerCertificate.keyFile),
      };
      const call = async (client: { cert: string; key: string } | null) =>
        (await callAgent(desktop!.agentUrl, 'GET', '/v1/health', undefined, client, stack.internalCa.pem))
          .status;
      assert.equal(await call(asBroker), 200, 'control: the broker is answered');
      await assert.rejects(call(null), 'no client certificate');
      const impostor = stranger.issue('broker', {
        commonName: 'broker',
        usage: 'client',
        uris: ['urn:hcw:service:broker'],
      });
      await assert.rejects(call({ cert: pem(impostor.certFile), key: pem(impostor.keyFile) }), 'another CA');
      const [, other] = stack.desktops;
      const otherDesktop = stack.internalCa.issue(other!.id, {
        commonName: other!.id,
        usage: 'server',
        uris: [desktopIdentity(other!.id)],
      });
      await assert.rejects(
        call({ cert: pem(otherDesktop.certFile), key: pem(otherDesktop.keyFile) }),
        "another desktop's certificate",
      );
    });

    it('speak no plain HTTP', async () => {
      const plain = stack.desktops[0]!.agentUrl.replace('https:', 'http:');
      await assert.rejects(fetch(`${plain}/v1/health`, { signal: AbortSignal.timeout(5000) }));
    });

    it('are taken by the broker only for the desktop it means (control: the right desktop)', async () => {
      const [first, second] = stack.desktops;
      const agents = new AgentClient(brokerTls(), 5000);
      assert.equal((await agents.health({ id: first!.id, agentUrl: first!.agentUrl })).desktopId, first!.id);
      await assert.rejects(
        agents.health({ id: second!.id, agentUrl: first!.agentUrl }),
        (error: Error) => error instanceof AgentError && /does not name desktop/.test(error.message),
      );
    });
  });

  describe('the screen stream', () => {
    it('never leaves the machine: every desktop’s VNC listens on loopback only', () => {
      const listening = readFileSync('/proc/net/tcp', 'utf8')
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((fields) => fields[3] === '0A')
        .map((fields) => fields[1]!);
      for (const desktop of stack.desktops) {
        const hexPort = desktop.vncPort.toString(16).toUpperCase().padStart(4, '0');
        const addresses = listening.filter((local) => local.endsWith(`:${hexPort}`));
        assert.deepEqual(addresses, [`0100007F:${hexPort}`], `VNC of ${desktop.id} on 127.0.0.1 only`);
      }
    });
  });
});
