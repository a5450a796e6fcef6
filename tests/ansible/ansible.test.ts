import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { createClient } from 'redis';
import { AUDIT_MIGRATIONS, AuditTrail, migrate, redisClientOptions, verifyAuditChain } from '@hcw/common';
import { loadConfig as loadBrokerConfig } from '#broker/config.js';
import { BROKER_MIGRATIONS } from '#broker/db/migrations.js';
import { loadConfig as loadPortalConfig } from '#workspace-app/config.js';
import { loadConfig as loadAgentConfig } from '#agent/config.js';
import { debianMirror } from '../support/debian-root/debian-mirror.js';
import { ensureAnsible, hasAnsible } from './support/ensure-ansible.js';
import { nodeArchive } from './support/node-archive.js';
import { releaseArchive } from './support/release-archive.js';
import { runPlaybook, tailOf, type PlaybookRun } from './support/run-playbook.js';
import {
  aTestDeployment,
  IMAGE_AGENT_UNIT,
  NPM_CA_BUNDLE,
  PROVISION_CALLS,
  PROVISION_STUB,
  PROVISION_STUB_SCRIPT,
  TEST_NETWORKS,
  type TestDeployment,
} from './support/test-deployment.js';
import { DEBIAN_ROOT_CACHE, ThrowawayRoot } from '../support/debian-root/throwaway-root.js';

const exec = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ANSIBLE_DIR = path.join(REPO, 'ansible');
const PORTAL_MIGRATIONS = path.join(REPO, 'workspace-app/src/db/migrations');
const CACHE_DIR = DEBIAN_ROOT_CACHE;
const PLAYBOOK_TIMEOUT_MS = 6 * 60 * 1000;

/** KEY='value' lines of an environment file as the roles write them (systemd's single quotes). */
function readEnvFile(file: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)='([^']*)'$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) entries[match[1]] = match[2];
    else assert.ok(line === '' || line.startsWith('#'), `unexpected line in ${file}: ${line}`);
  }
  return entries;
}

/**
 * The variable names a config.ts schema lists (`  NAME: z...` inside its Env object), with the shared
 * schemas it merges in from common/ (the audit archive's).
 */
function configVariables(configTs: string): Set<string> {
  const sources = [configTs, 'common/src/audit/audit-archive-config.ts'].map((file) =>
    readFileSync(path.join(REPO, file), 'utf8'),
  );
  return new Set(
    sources.flatMap((source) =>
      [...source.matchAll(/^\s+([A-Z][A-Z0-9_]+):\s/gm)].map((m) => m[1] as string),
    ),
  );
}

function modeOf(file: string): string {
  return (statSync(file).mode & 0o7777).toString(8).padStart(4, '0');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitForPort(port: number, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The relative modules a service's main.ts wires together, as the release in the root has them. */
function modulesOf(root: ThrowawayRoot, release: string, main: string): string[] {
  const source = readFileSync(root.path(path.join(release, main)), 'utf8');
  const dir = path.posix.dirname(main);
  return [...source.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)].map(
    (m) => `./${path.posix.join(dir, `${m[1]}.ts`)}`,
  );
}

describe('ansible (site.yml)', function () {
  this.timeout(15 * 60 * 1000);

  const isRoot = process.getuid?.() === 0;

  before(function () {
    if (isRoot) ensureAnsible();
    else if (!hasAnsible()) this.skip();
  });

  it('passes the syntax check with the example inventory', async () => {
    await exec('ansible-playbook', ['--syntax-check', 'site.yml', '-i', 'inventories/example/hosts.yml'], {
      cwd: ANSIBLE_DIR,
      env: { ...process.env, ANSIBLE_CONFIG: path.join(ANSIBLE_DIR, 'ansible.cfg'), ANSIBLE_NOCOLOR: '1' },
    });
  });

  describe('a run into a throw-away Debian 12 root through the chroot connection', () => {
    let root: ThrowawayRoot;
    let deployment: TestDeployment;
    let firstRun: PlaybookRun;
    let release: { archive: string; version: string };
    let releaseDir: string;
    let playbook: (name: string) => Promise<PlaybookRun>;

    before(async function () {
      // debootstrap, mount and chroot need root.
      if (!isRoot) this.skip();
      this.timeout(12 * 60 * 1000);
      mkdirSync(CACHE_DIR, { recursive: true });
      root = await ThrowawayRoot.create({
        cacheDir: CACHE_DIR,
        mirror: debianMirror(),
      });
      release = releaseArchive(REPO, path.join(root.workDir, 'release.tar'));
      releaseDir = `/opt/hcw/releases/${release.version}`;
      const npmRegistry = (await exec('npm', ['config', 'get', 'registry'])).stdout.trim();
      const hostCaBundle = '/etc/ssl/certs/ca-certificates.crt';
      if (existsSync(hostCaBundle)) {
        mkdirSync(path.dirname(root.path(NPM_CA_BUNDLE)), { recursive: true });
        copyFileSync(hostCaBundle, root.path(NPM_CA_BUNDLE));
      }
      mkdirSync(path.dirname(root.path(PROVISION_STUB)), { recursive: true });
      writeFileSync(root.path(PROVISION_STUB), PROVISION_STUB_SCRIPT, { mode: 0o755 });

      deployment = aTestDeployment({
        rootDir: root.dir,
        nodeArchive: nodeArchive(CACHE_DIR),
        release,
        npmRegistry,
        npmCaBundle: existsSync(hostCaBundle),
      });
      const inventory = path.join(root.workDir, 'inventory.json');
      const vars = path.join(root.workDir, 'vars.json');
      writeFileSync(inventory, JSON.stringify(deployment.inventory), { mode: 0o600 });
      writeFileSync(vars, JSON.stringify(deployment.vars), { mode: 0o600 });
      mkdirSync(path.join(root.workDir, 'ansible-tmp'));
      playbook = (name) =>
        runPlaybook({
          ansibleDir: ANSIBLE_DIR,
          args: ['site.yml', '-i', inventory, '-e', `@${vars}`],
          env: {
            ANSIBLE_CONFIG: path.join(ANSIBLE_DIR, 'ansible.cfg'),
            ANSIBLE_NOCOLOR: '1',
            ANSIBLE_PIPELINING: '1',
            ANSIBLE_LOCAL_TEMP: path.join(root.workDir, 'ansible-tmp'),
          },
          logFile: path.join(root.workDir, `${name}.log`),
          timeoutMs: PLAYBOOK_TIMEOUT_MS,
        });
      firstRun = await playbook('first-run');
      // Everything below inspects what this run left; without it there is nothing to inspect.
      assert.equal(firstRun.exitCode, 0, `the first run failed:\n${tailOf(firstRun)}`);
    });

    after(() => {
      root?.destroy();
    });

    it('runs every role to the end', () => {
      assert.equal(firstRun.exitCode, 0, tailOf(firstRun));
      assert.equal(firstRun.recap?.failed, 0, tailOf(firstRun));
      assert.equal(firstRun.recap?.unreachable, 0, tailOf(firstRun));
    });

    describe('common', () => {
      /** Ports each rule admits, keyed by the rule's sources as written. */
      function admitted(ruleset: string): Map<number, string[]> {
        const bySource = new Map<number, string[]>();
        for (const match of ruleset.matchAll(/ip6? saddr \{ ([^}]+) \} tcp dport \{ ([^}]+) \} accept/g)) {
          for (const port of (match[2] as string).split(',').map((p) => Number(p.trim()))) {
            bySource.set(port, [
              ...(bySource.get(port) ?? []),
              ...(match[1] as string).split(',').map((s) => s.trim()),
            ]);
          }
        }
        return bySource;
      }

      it('writes an nftables ruleset that nft accepts, dropping what no rule admits', async () => {
        const check = await root.run('nft', ['-c', '-f', '/etc/nftables.conf']);
        assert.equal(check.code, 0, check.stderr);
        const ruleset = readFileSync(root.path('/etc/nftables.conf'), 'utf8');
        assert.match(ruleset, /hook input priority filter; policy drop;/);
        assert.match(ruleset, /hook forward priority filter; policy drop;/);
      });

      it('admits guacd, Redis and PostgreSQL from the networks that need them, not from the desktops', () => {
        const admits = admitted(readFileSync(root.path('/etc/nftables.conf'), 'utf8'));
        // guacd beside the desktops, from the brokers only; VNC from nowhere: it listens on loopback.
        assert.deepEqual(admits.get(4822), TEST_NETWORKS.broker);
        assert.deepEqual(admits.get(6379), [...TEST_NETWORKS.broker, ...TEST_NETWORKS.portal]);
        // PostgreSQL also from the administrators' network, where auditors read the trail as audit_reader.
        assert.deepEqual(admits.get(5432), [
          ...TEST_NETWORKS.broker,
          ...TEST_NETWORKS.portal,
          ...TEST_NETWORKS.admin,
        ]);
        for (const desktop of deployment.desktops) {
          assert.equal(admits.get(desktop.vnc_port), undefined);
          assert.deepEqual(admits.get(desktop.agent_port), TEST_NETWORKS.broker);
        }
        // Control: the desktops' network is found where it belongs, so its absence above means something.
        assert.ok(admits.get(443)?.includes(TEST_NETWORKS.desktop[0] as string));
      });

      it('keeps the clock with chrony and installs security updates unattended', () => {
        assert.match(readFileSync(root.path('/etc/chrony/chrony.conf'), 'utf8'), /^pool \S+ iburst$/m);
        assert.match(
          readFileSync(root.path('/etc/apt/apt.conf.d/20auto-upgrades'), 'utf8'),
          /Unattended-Upgrade "1"/,
        );
        assert.match(
          readFileSync(root.path('/etc/apt/apt.conf.d/52hcw-unattended-upgrades'), 'utf8'),
          /codename=\$\{distro_codename\}-security/,
        );
      });
    });

    describe('internal CA', () => {
      const caDir = () => path.join(root.workDir, 'internal-ca');
      const verify = (certificate: string) =>
        exec('openssl', ['verify', '-CAfile', path.join(caDir(), 'ca.crt'), certificate]);
      const names = async (certificate: string) =>
        (
          await exec('openssl', [
            'x509',
            '-in',
            certificate,
            '-noout',
            '-ext',
            'subjectAltName,extendedKeyUsage',
          ])
        ).stdout;

      it('is made on the controller, its key encrypted, and never copied to a host', async () => {
        const key = readFileSync(path.join(caDir(), 'ca.key'), 'utf8');
        assert.match(key, /ENCRYPTED/);
        assert.equal(modeOf(path.join(caDir(), 'ca.key')), '0600');
        // A line of the key's body, searched for in every file of the host's /etc.
        const line = key.split('\n').find((text) => /^[A-Za-z0-9+/]{40,}$/.test(text));
        assert.ok(line);
        const found = await root.run('grep', ['-rlF', line, '/etc']);
        assert.equal(found.stdout.trim(), '', 'no host file holds the CA key');
        // Control: the same search finds the CA's certificate, which the hosts do hold.
        const certificateLine = readFileSync(path.join(caDir(), 'ca.crt'), 'utf8').split('\n')[1]!;
        assert.notEqual((await root.run('grep', ['-rlF', certificateLine, '/etc'])).stdout.trim(), '');
      });

      it('issues each service a certificate of its own, naming who it is, with a key only that service reads', async () => {
        const issued = [
          {
            cert: '/etc/redis/tls/redis.crt',
            group: 'redis',
            usage: /TLS Web Server/,
            names: /IP Address:127\.0\.0\.1/,
          },
          {
            cert: '/etc/postgresql/15/main/server.crt',
            group: 'postgres',
            usage: /TLS Web Server/,
            names: /IP Address:127\.0\.0\.1/,
          },
          {
            cert: '/etc/guacamole/tls/guacd.crt',
            group: 'guacd',
            usage: /TLS Web Server/,
            names: /IP Address:127\.0\.0\.1/,
          },
          {
            cert: '/etc/hcw-broker/broker.crt',
            group: 'hcw-broker',
            usage: /TLS Web Client/,
            names: /URI:urn:hcw:service:broker/,
          },
          ...deployment.desktops.map((desktop) => ({
            cert: `/etc/hcw-desktop/${desktop.id}.crt`,
            group: 'hcw-agent',
            usage: /TLS Web Server/,
            names: new RegExp(`URI:urn:hcw:desktop:${desktop.id}`),
          })),
        ];
        for (const { cert, group, usage, names: expected } of issued) {
          await verify(root.path(cert));
          const text = await names(root.path(cert));
          assert.match(text, usage, cert);
          assert.match(text, expected, cert);
          const key = cert.replace(/\.crt$/, '.key');
          assert.equal(modeOf(root.path(key)), '0640', key);
          assert.equal(
            (await root.run('head', ['-c1', key], group === 'hcw-agent' ? 'hcw-agent' : 'root')).code,
            0,
          );
        }
        // A desktop's key is not the kiosk's to read (control: the agents' user reads it, above).
        const byKiosk = await root.run(
          'cat',
          [`/etc/hcw-desktop/${deployment.desktops[0]!.id}.key`],
          'hcw-kiosk',
        );
        assert.notEqual(byKiosk.code, 0);
      });
    });

    describe('postgresql', () => {
      let port: number;
      const pools: pg.Pool[] = [];
      const connect = (user: string, password: string, database: string) => {
        // As the services connect: verify-full, the server's certificate of the internal CA for 127.0.0.1.
        const pool = new pg.Pool({
          host: '127.0.0.1',
          port,
          user,
          password,
          database,
          ssl: { ca: readFileSync(path.join(root.workDir, 'internal-ca', 'ca.crt'), 'utf8') },
          max: 1,
        });
        pools.push(pool);
        return pool;
      };

      // pg_ctl itself: pg_ctlcluster would look for the server on the configured port, not this free one.
      const pgCtl = (...args: string[]) =>
        root.run(
          '/usr/lib/postgresql/15/bin/pg_ctl',
          ['--pgdata=/etc/postgresql/15/main', ...args],
          'postgres',
        );

      before(async () => {
        port = await freePort();
        const options = `-c listen_addresses=127.0.0.1 -c port=${port}`;
        const started = await pgCtl(
          '--wait',
          '--log=/var/log/postgresql/ansible-test.log',
          '-o',
          options,
          'start',
        );
        assert.equal(started.code, 0, started.stderr);
      });

      after(async () => {
        await Promise.allSettled(pools.map((pool) => pool.end()));
        await pgCtl('--mode=fast', 'stop');
      });

      it('stores the service roles with SCRAM passwords, next to owner roles nobody signs in as', async () => {
        const sql =
          'SELECT rolname, rolcanlogin, rolsuper, left(rolpassword, 14) FROM pg_authid ' +
          "WHERE rolname IN ('broker', 'broker_owner', 'portal', 'audit_reader') ORDER BY 1";
        const roles = await root.run('psql', [`--port=${port}`, '-XAtc', sql], 'postgres');
        assert.equal(roles.code, 0, roles.stderr);
        assert.deepEqual(roles.stdout.trim().split('\n'), [
          'audit_reader|t|f|SCRAM-SHA-256$',
          'broker|t|f|SCRAM-SHA-256$',
          'broker_owner|f|f|',
          'portal|t|f|SCRAM-SHA-256$',
        ]);
      });

      it('lets the broker start: its migrations run and it appends to the audit trail', async () => {
        const broker = connect('broker', deployment.secrets.vault_postgresql_broker_password, 'broker');
        assert.deepEqual(await migrate(broker, AUDIT_MIGRATIONS), [], 'the audit trail was already in place');
        assert.ok(
          (await migrate(broker, BROKER_MIGRATIONS)).length > 0,
          "the broker's own tables are its own",
        );
        await new AuditTrail(broker).record({ type: 'sign-in', outcome: 'success', actorId: 'nurse.sato' });
        const owner = await broker.query<{ owner: string }>(
          "SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'audit_events'",
        );
        assert.equal(owner.rows[0]?.owner, 'broker_owner');
      });

      it('refuses the broker UPDATE, DELETE and TRUNCATE on the audit trail', async () => {
        const broker = connect('broker', deployment.secrets.vault_postgresql_broker_password, 'broker');
        for (const sql of [
          "UPDATE audit_events SET actor_id = 'x'",
          'DELETE FROM audit_events',
          'TRUNCATE audit_events',
        ]) {
          await assert.rejects(broker.query(sql), /permission denied for table audit_events/, sql);
        }
        // Control: the same connection may change a table of its own, so the refusal is the audit trail's.
        const ownTable = await broker.query<{ name: string }>(
          "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'broker' LIMIT 1",
        );
        const name = ownTable.rows[0]?.name;
        assert.ok(name, 'the broker owns a table');
        await broker.query(`DELETE FROM ${name} WHERE false`);
      });

      it('lets the audit reader verify the chain and nothing more', async () => {
        const reader = connect(
          'audit_reader',
          deployment.secrets.vault_postgresql_audit_reader_password,
          'broker',
        );
        const verdict = await verifyAuditChain(reader);
        assert.equal(verdict.ok, true);
        await assert.rejects(
          reader.query(
            "INSERT INTO audit_events (occurred_at, type, outcome, previous_hash, hash) VALUES (now(), 'x', 'success', 'a', 'b')",
          ),
          /permission denied/,
        );
      });

      it("lets the brokers read the portal's audit trail and nothing else of the portal's", async () => {
        const reader = connect(
          'broker_audit_reader',
          deployment.secrets.vault_postgresql_broker_audit_reader_password,
          'portal',
        );
        const rows = await reader.query<{ n: string }>(
          'SELECT count(*) AS n FROM audit_events WHERE patient_id IS NOT NULL',
        );
        assert.ok(Number(rows.rows[0]?.n) >= 0, 'the portal trail is readable (control)');
        await assert.rejects(reader.query('SELECT * FROM schema_migrations'), /permission denied/);
        await assert.rejects(
          reader.query(
            "INSERT INTO audit_events (occurred_at, type, outcome, previous_hash, hash) VALUES (now(), 'x', 'success', 'a', 'b')",
          ),
          /permission denied/,
        );
        const inBroker = connect(
          'broker_audit_reader',
          deployment.secrets.vault_postgresql_broker_audit_reader_password,
          'broker',
        );
        await assert.rejects(inBroker.query('SELECT 1'), /no pg_hba.conf entry|permission denied/);
      });

      it('refuses a connection in clear (control: the same role over TLS, below)', async () => {
        const inClear = new pg.Pool({
          host: '127.0.0.1',
          port,
          user: 'broker',
          password: deployment.secrets.vault_postgresql_broker_password,
          database: 'broker',
          ssl: false,
          max: 1,
        });
        pools.push(inClear);
        await assert.rejects(inClear.query('SELECT 1'), /no pg_hba\.conf entry.*no encryption/);
      });

      it('lets the portal start: its migrations find the extension the superuser made', async () => {
        const portal = connect('portal', deployment.secrets.vault_postgresql_portal_password, 'portal');
        assert.deepEqual(await migrate(portal, AUDIT_MIGRATIONS), [], 'the audit trail was already in place');
        assert.ok((await migrate(portal, PORTAL_MIGRATIONS)).length > 0);
      });

      it("keeps each service out of the other's database", async () => {
        const portalInBroker = connect(
          'portal',
          deployment.secrets.vault_postgresql_portal_password,
          'broker',
        );
        await assert.rejects(portalInBroker.query('SELECT 1'), /no pg_hba.conf entry|permission denied/);
        // Control: the same role and password reach their own database.
        const portal = connect('portal', deployment.secrets.vault_postgresql_portal_password, 'portal');
        assert.equal((await portal.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1);
      });
    });

    describe('redis', () => {
      let server: ChildProcess;
      let port: number;

      before(async () => {
        port = await freePort();
        server = root.start(
          'redis-server',
          [
            '/etc/redis/redis.conf',
            '--tls-port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--daemonize',
            'no',
          ].concat(['--supervised', 'no', '--logfile', '', '--save', '', '--appendonly', 'no']),
          'redis',
        );
        await waitForPort(port);
      });

      after(() => {
        server?.kill('SIGKILL');
      });

      it('keeps the configuration from the world and stores password hashes, not passwords', () => {
        const file = root.path('/etc/redis/redis.conf');
        assert.equal(modeOf(file), '0640');
        const conf = readFileSync(file, 'utf8');
        const password = deployment.secrets.vault_redis_broker_password;
        assert.match(conf, /^user default off /m);
        assert.ok(conf.includes(`#${createHash('sha256').update(password).digest('hex')}`));
        assert.ok(!conf.includes(password));
        // Control: the same search finds the password where it must be in clear, the broker's URL.
        assert.ok(readFileSync(root.path('/etc/hcw/hcw-broker.env'), 'utf8').includes(password));
      });

      const ca = () => readFileSync(path.join(root.workDir, 'internal-ca', 'ca.crt'), 'utf8');

      it('speaks TLS only, with a certificate of the internal CA (control: nothing answers in clear)', async () => {
        const conf = readFileSync(root.path('/etc/redis/redis.conf'), 'utf8');
        assert.match(conf, /^port 0$/m);
        assert.match(conf, /^tls-port 6379$/m);
        const inClear = createClient({
          url: `redis://broker:${deployment.secrets.vault_redis_broker_password}@127.0.0.1:${port}`,
          socket: { reconnectStrategy: false, connectTimeout: 3000 },
        });
        inClear.on('error', () => undefined);
        await assert.rejects(
          (async () => {
            await inClear.connect();
            return inClear.ping();
          })(),
        );
        if (inClear.isOpen) inClear.destroy();
      });

      it('lets the broker in with its password, keeps it from reconfiguring Redis, and refuses strangers', async () => {
        const broker = createClient(
          redisClientOptions(
            `rediss://broker:${deployment.secrets.vault_redis_broker_password}@127.0.0.1:${port}`,
            ca(),
          ),
        );
        await broker.connect();
        try {
          await broker.set('ansible-test', 'ok');
          assert.equal(await broker.get('ansible-test'), 'ok');
          await assert.rejects(broker.configGet('maxmemory'), /NOPERM/);
        } finally {
          await broker.quit();
        }
        const stranger = createClient({
          url: `rediss://127.0.0.1:${port}`,
          socket: { tls: true, ca: ca(), reconnectStrategy: false },
        });
        stranger.on('error', () => undefined);
        try {
          await assert.rejects(
            (async () => {
              await stranger.connect();
              return stranger.get('ansible-test');
            })(),
            /NOAUTH|NOPERM/,
          );
        } finally {
          if (stranger.isOpen) stranger.destroy();
        }
      });
    });

    describe('guacd', () => {
      it('installs guacd 1.3.0 from bullseye and nothing else from there', async () => {
        const version = await root.run('/usr/sbin/guacd', ['-v']);
        assert.match(version.stdout + version.stderr, /version 1\.3\.0/);
        const libc = await root.run('dpkg-query', ['-W', '-f=${Version}', 'libc6']);
        assert.match(libc.stdout, /^2\.36/, 'libc6 stays the bookworm one');
        assert.match(
          readFileSync(root.path('/etc/apt/preferences.d/hcw-guacd-bullseye'), 'utf8'),
          /Pin-Priority: -1/,
        );
      });

      it('runs beside the desktops as its own user, speaking TLS with its certificate of the internal CA', async () => {
        const conf = readFileSync(root.path('/etc/guacamole/guacd.conf'), 'utf8');
        assert.match(conf, /^bind_port = 4822$/m);
        assert.match(conf, /^server_certificate = \/etc\/guacamole\/tls\/guacd\.crt$/m);
        const unit = readFileSync(root.path('/etc/systemd/system/guacd.service'), 'utf8');
        assert.match(unit, /^User=guacd$/m);
        assert.match(unit, /^ExecStart=\/usr\/sbin\/guacd -f$/m);
        const port = await freePort();
        const guacd = root.start('/usr/sbin/guacd', ['-f', '-b', '127.0.0.1', '-l', String(port)], 'guacd');
        try {
          await waitForPort(port);
          const answer = await new Promise<string>((resolve, reject) => {
            const socket = tls.connect({
              host: '127.0.0.1',
              port,
              ca: readFileSync(path.join(root.workDir, 'internal-ca', 'ca.crt'), 'utf8'),
            });
            let received = '';
            socket.once('secureConnect', () => socket.write('6.select,3.vnc;'));
            socket.on('data', (chunk: Buffer) => {
              received += chunk.toString('utf8');
              if (received.includes(';')) {
                socket.end();
                resolve(received);
              }
            });
            socket.once('error', reject);
          });
          assert.match(answer, /^4\.args,/, 'guacd answers the handshake over verified TLS');
        } finally {
          guacd.kill('SIGKILL');
        }
      });
    });

    for (const service of [
      {
        name: 'broker',
        user: 'hcw-broker',
        unit: 'hcw-broker.service',
        envFile: '/etc/hcw/hcw-broker.env',
        configTs: 'broker/src/config.ts',
        main: 'broker/src/main.ts',
        load: (env: Record<string, string>) => loadBrokerConfig(env),
        needs: [
          '/etc/hcw-broker/saml-idp.crt',
          '/etc/hcw-broker/broker.key',
          '/etc/hcw-broker/internal-ca.crt',
        ],
        tunnel: true,
      },
      {
        name: 'portal',
        user: 'hcw-portal',
        unit: 'hcw-portal.service',
        envFile: '/etc/hcw/hcw-portal.env',
        configTs: 'workspace-app/src/config.ts',
        main: 'workspace-app/src/main.ts',
        load: (env: Record<string, string>) => loadPortalConfig(env),
        needs: ['/etc/hcw-portal/internal-ca.crt'],
        tunnel: false,
      },
    ]) {
      describe(`${service.name} service`, () => {
        it('reads a 0600 environment file holding only variables its config.ts knows, and accepts it', () => {
          const file = root.path(service.envFile);
          assert.equal(modeOf(file), '0600');
          assert.equal(modeOf(path.dirname(file)), '0750');
          assert.equal(statSync(file).uid, 0);
          const env = readEnvFile(file);
          const known = configVariables(service.configTs);
          assert.deepEqual(
            Object.keys(env).filter((name) => !known.has(name)),
            [],
          );
          for (const name of Object.keys(env).filter(
            (key) => key.endsWith('_FILE') || key.endsWith('_DIR'),
          )) {
            env[name] = root.path(env[name]!);
          }
          assert.doesNotThrow(() => service.load(env));
        });

        it('keeps its audit archive where only it may write, with a signing key only it may read', async () => {
          const env = readEnvFile(root.path(service.envFile));
          const archive = env.AUDIT_ARCHIVE_DIR as string;
          assert.equal(modeOf(root.path(archive)), '0700');
          const written = await root.run('touch', [`${archive}/.probe`], service.user);
          assert.equal(written.code, 0, `${service.user} cannot write its archive: ${written.stderr}`);
          await root.run('rm', ['-f', `${archive}/.probe`]);
          const byDatabase = await root.run('touch', [`${archive}/.probe`], 'postgres');
          assert.notEqual(byDatabase.code, 0, "the database's user can write the archive");
          const key = env.AUDIT_CHECKPOINT_KEY_FILE as string;
          assert.equal(modeOf(root.path(key)), '0640');
          assert.equal(
            (await root.run('cat', [key], service.user)).code,
            0,
            'the service cannot read its key',
          );
          assert.notEqual(
            (await root.run('cat', [key], 'postgres')).code,
            0,
            "the database's user can read the key",
          );
          assert.match(readFileSync(root.path(`${key}.pub`), 'utf8'), /BEGIN PUBLIC KEY/);
          const unit = readFileSync(root.path(`/etc/systemd/system/${service.unit}`), 'utf8');
          assert.ok(
            unit.split('\n').includes(`ReadWritePaths=${archive}`),
            'the unit does not let it write there',
          );
        });

        if (service.name === 'broker') {
          it('keeps session recordings where only it may write, sealed with a key only it may read', async () => {
            const env = readEnvFile(root.path(service.envFile));
            const folder = env.RECORDING_DIR as string;
            assert.ok(folder, 'the broker records: its folder is set');
            assert.equal(modeOf(root.path(folder)), '0700');
            const written = await root.run('touch', [`${folder}/.probe`], service.user);
            assert.equal(written.code, 0, `${service.user} cannot write its recordings: ${written.stderr}`);
            await root.run('rm', ['-f', `${folder}/.probe`]);
            assert.notEqual((await root.run('ls', [folder], 'postgres')).code, 0, 'the database can look in');
            const key = env.RECORDING_KEY_FILE as string;
            assert.equal(modeOf(root.path(key)), '0640');
            assert.equal(
              readFileSync(root.path(key), 'utf8').trim(),
              deployment.secrets.vault_broker_recording_key,
            );
            assert.notEqual(
              (await root.run('cat', [key], 'postgres')).code,
              0,
              'the database can read the key',
            );
            // Control: the broker's user reads it, so the refusal above is not a broken user switch.
            assert.equal((await root.run('cat', [key], service.user)).code, 0);
            assert.match(env.RECORDING_PORTAL_AUDIT_DATABASE_URL ?? '', /^postgres:\/\/broker_audit_reader:/);
            const unit = readFileSync(root.path(`/etc/systemd/system/${service.unit}`), 'utf8');
            assert.ok(unit.split('\n').includes(`ReadWritePaths=${folder}`), 'the unit lets it write there');
          });
        }

        it('runs under a hardened unit as its own user, from the release', () => {
          const unit = readFileSync(root.path(`/etc/systemd/system/${service.unit}`), 'utf8');
          for (const line of [
            `User=${service.user}`,
            `WorkingDirectory=${releaseDir}`,
            `EnvironmentFile=${service.envFile}`,
            `ExecStart=/usr/local/bin/node --import tsx ${service.main}`,
            'NoNewPrivileges=yes',
            'ProtectSystem=strict',
            'PrivateTmp=yes',
            'CapabilityBoundingSet=',
          ]) {
            assert.ok(unit.split('\n').includes(line), `${service.unit} lacks ${line}`);
          }
        });

        it('cannot read its own secrets file or change its code', async () => {
          const readSecrets = await root.run('cat', [service.envFile], service.user);
          assert.notEqual(readSecrets.code, 0);
          const writeCode = await root.run('test', ['-w', `${releaseDir}/${service.main}`], service.user);
          assert.notEqual(writeCode.code, 0);
          // Control: the user reads what it is meant to read, so the refusals are not a broken user switch.
          for (const file of [`${releaseDir}/${service.main}`, ...service.needs]) {
            const read = await root.run('head', ['-c1', file], service.user);
            assert.equal(read.code, 0, `${service.user} cannot read ${file}: ${read.stderr}`);
          }
        });

        it('loads every module its main.ts wires, as its user, from the runtime packages alone', async () => {
          const imports = modulesOf(root, releaseDir, service.main);
          assert.ok(imports.length > 0);
          const script = `for (const m of ${JSON.stringify(imports)}) await import(m);`;
          const loaded = await root.run(
            'sh',
            [
              '-c',
              `cd ${releaseDir} && exec /usr/local/bin/node --import tsx --input-type=module -e '${script}'`,
            ],
            service.user,
          );
          assert.equal(loaded.code, 0, loaded.stderr);
        });

        it('sits behind nginx with TLS and a private key only root reads', async () => {
          const available = `/etc/nginx/sites-available/${service.name}.conf`;
          assert.equal(readlinkSync(root.path(`/etc/nginx/sites-enabled/${service.name}.conf`)), available);
          const site = readFileSync(root.path(available), 'utf8');
          assert.match(site, /listen 443 ssl;/);
          assert.equal(modeOf(root.path(`/etc/nginx/tls/${service.name}.key`)), '0600');
          if (service.tunnel) {
            const tunnel = /location \/tunnel \{([^}]*)\}/.exec(site)?.[1] ?? '';
            assert.match(tunnel, /proxy_set_header Upgrade \$http_upgrade;/);
            assert.match(tunnel, /proxy_set_header Connection \$hcw_connection_upgrade;/);
            assert.match(site, /proxy_http_version 1\.1;/);
          }
        });
      });
    }

    it('passes nginx -t inside the root', async () => {
      const test = await root.run('nginx', ['-t']);
      assert.equal(test.code, 0, test.stderr);
    });

    it('writes units systemd-analyze accepts', async function () {
      const units = [
        'hcw-broker.service',
        'hcw-portal.service',
        'guacd.service',
        ...deployment.desktops.map((desktop) => `hcw-desktop-agent@${desktop.id}.service`),
        'hcw-postgresql-backup.service',
      ];
      try {
        await exec('systemd-analyze', ['--version']);
      } catch {
        this.skip();
      }
      for (const unit of units) {
        const verify = await exec('systemd-analyze', ['verify', `--root=${root.dir}`, unit]).catch(
          (e: { stderr: string }) => e,
        );
        assert.equal(verify.stderr.trim(), '', `${unit}: ${verify.stderr}`);
      }
      // Control: a misspelt directive is reported, so silence above means the units were read.
      const misspelt = readFileSync(root.path('/etc/systemd/system/hcw-broker.service'), 'utf8').replace(
        'ProtectSystem=',
        'ProtectSystm=',
      );
      const misspeltUnit = root.path('/etc/systemd/system/hcw-misspelt.service');
      writeFileSync(misspeltUnit, misspelt);
      try {
        const verify = await exec('systemd-analyze', [
          'verify',
          `--root=${root.dir}`,
          'hcw-misspelt.service',
        ]).catch((e: { stderr: string }) => e);
        assert.match(verify.stderr, /Unknown key 'ProtectSystm'/);
      } finally {
        rmSync(misspeltUnit);
      }
    });

    describe('desktop_host', () => {
      it('calls the provisioning script with the documented settings', () => {
        const calls = readFileSync(root.path(PROVISION_CALLS), 'utf8').split('---\n').filter(Boolean);
        assert.equal(calls.length, 1);
        assert.deepEqual(calls[0]?.trim().split('\n'), [
          'HCW_AGENT_USER=hcw-agent',
          'HCW_ALLOWED_URLS=https://portal.test',
          `HCW_IMAGE_VERSION=${release.version}`,
          'HCW_MANAGE_SERVICES=false',
          'HCW_PORTAL_URL=https://portal.test',
          `HCW_REPO_DIR=${releaseDir}`,
        ]);
      });

      it("runs each desktop's agent as the image's own unit runs one, with its own settings and state", () => {
        const image = readFileSync(root.path(IMAGE_AGENT_UNIT), 'utf8');
        const instances = readFileSync(root.path('/etc/systemd/system/hcw-desktop-agent@.service'), 'utf8');
        const expected = image
          .replaceAll('/etc/hcw/hcw-desktop-agent.env', '/etc/hcw/hcw-desktop-agent@%i.env')
          .replace(/^(StateDirectory=\S+)$/m, '$1/%i')
          .replace(/^(Environment=DESKTOP_STATE_DIR=\S+)$/m, '$1/%i')
          .replace(/^(Description=.*)$/m, '$1 (%i)');
        // The image's unit, from its first line on, after the header this role puts above it.
        const body = instances.slice(instances.indexOf(image.split('\n')[0] ?? ''));
        assert.equal(body.trimEnd(), expected.trimEnd());
        // The lock-down comes with it: the managed policy on, the browser as the kiosk user, the agent not root.
        assert.match(instances, /^Environment=KIOSK_POLICY_MODE=system$/m);
        assert.match(instances, /^User=hcw-agent$/m);
        assert.match(instances, /^AmbientCapabilities=CAP_SETUID CAP_SETGID CAP_KILL$/m);
        assert.match(instances, /^EnvironmentFile=\/etc\/hcw\/hcw-desktop-agent@%i\.env$/m);
      });

      it("writes each agent's settings to a 0600 file its config.ts accepts", () => {
        for (const desktop of deployment.desktops) {
          const file = root.path(`/etc/hcw/hcw-desktop-agent@${desktop.id}.env`);
          assert.equal(modeOf(file), '0600');
          const env = readEnvFile(file);
          for (const name of Object.keys(env).filter((key) => key.endsWith('_FILE'))) {
            env[name] = root.path(env[name]!);
          }
          // Its certificate names it: the agent's own check at start, as well as the broker's at each call.
          const config = loadAgentConfig(env, false, true);
          assert.equal(config.desktopId, desktop.id);
          assert.equal(config.vncPort, desktop.vnc_port);
          assert.equal(config.stateDir, `/var/lib/hcw-desktop/${desktop.id}`);
          assert.equal(config.vncLocalhostOnly, true, 'VNC for the guacd beside it only');
          assert.equal(config.privilege, 'capabilities');
          assert.doesNotMatch(readFileSync(file, 'utf8'), /AGENT_SECRET/);
        }
      });

      it("gives the broker this host's desktops, each through the guacd beside it", () => {
        const env = readEnvFile(root.path('/etc/hcw/hcw-broker.env'));
        const [pool] = JSON.parse(env.POOLS ?? '[]') as { provider: { desktops: unknown[] }; size: number }[];
        assert.equal(pool?.size, deployment.desktops.length);
        assert.deepEqual(
          pool?.provider.desktops,
          deployment.desktops.map((desktop) => ({
            id: desktop.id,
            agentUrl: `https://127.0.0.1:${desktop.agent_port}`,
            vncHost: '127.0.0.1',
            vncPort: desktop.vnc_port,
            guacd: { host: '127.0.0.1', port: 4822 },
          })),
        );
        assert.equal(env.DESKTOPS, undefined);
        assert.equal(env.AGENT_SECRET, undefined, 'no secret shared with the agents any more');
      });
    });

    // Last: child suites run after the tests above, in the order they are declared.
    describe('a second run', () => {
      it('changes nothing, and does not provision the desktop again', async () => {
        const secondRun = await playbook('second-run');
        assert.equal(secondRun.exitCode, 0, tailOf(secondRun));
        const changed = secondRun.output
          .split('\n')
          .map((line, i, lines) => (/^changed:/.test(line) ? `${lines[i - 1] ?? ''}\n${line}` : ''))
          .filter(Boolean);
        assert.equal(secondRun.recap?.changed, 0, changed.join('\n'));
        const calls = readFileSync(root.path(PROVISION_CALLS), 'utf8').split('---\n').filter(Boolean);
        assert.equal(calls.length, 1, 'the provisioning script ran again with nothing changed');
      });
    });
  });
});
