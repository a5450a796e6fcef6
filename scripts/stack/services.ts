import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { AUDIT_MIGRATIONS, migrate } from '@hcw/common';
import type { InternalCa, IssuedCertificate } from './internal-ca.js';
import { startProcess, waitForPort } from './managed-process.js';
import { supervise, type SupervisedProcess, type SuperviseOptions } from './supervised-process.js';

/** The supervisor's lines go into the service's own log, beside what the service itself wrote. */
const logTo = (logFile: string): SuperviseOptions => ({
  log: (line) => appendFileSync(logFile, `[stack] ${line}\n`),
});

/**
 * Real Redis, PostgreSQL and guacd on loopback, each with its own port and data directory, and each reached
 * only over TLS with a certificate of the stack's internal CA, as in a deployment
 * (docs/decisions/0021-internal-tls-and-service-credentials.md).
 */

export interface RedisService {
  /** The stack's own user, allowed every command: for set-up and for tests that inspect or empty Redis. */
  url: string;
  /** One ACL user per service, without the commands that reconfigure or wipe the server (`@dangerous`). */
  serviceUrls: { broker: string; portal: string };
  process: SupervisedProcess;
}

/** The ACL users of the stack's Redis: the services' as the deployment has them, and the stack's own. */
export const REDIS_SERVICE_RULES = '~* &* +@all -@dangerous';

export async function startRedis(dataDir: string, port: number, ca: InternalCa): Promise<RedisService> {
  const dir = path.join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const server = ca.issue('redis', {
    commonName: 'redis',
    usage: 'server',
    dns: ['localhost'],
    ips: ['127.0.0.1'],
  });
  const passwords = {
    stack: randomBytes(18).toString('hex'),
    broker: randomBytes(18).toString('hex'),
    portal: randomBytes(18).toString('hex'),
  };
  const hash = (password: string): string => createHash('sha256').update(password).digest('hex');
  const configFile = path.join(dir, 'redis.conf');
  // The password hashes go in a private config file, not on the command line where `ps` shows them. No
  // clear-text port: `port 0`.
  writeFileSync(
    configFile,
    [
      'port 0',
      `tls-port ${port}`,
      `tls-cert-file ${server.certFile}`,
      `tls-key-file ${server.keyFile}`,
      `tls-ca-cert-file ${ca.certFile}`,
      // Clients prove who they are by their ACL user's password, inside TLS.
      'tls-auth-clients no',
      'tls-protocols "TLSv1.2 TLSv1.3"',
      'bind 127.0.0.1',
      'protected-mode yes',
      `dir ${dir}`,
      'save ""',
      // As in production (Ansible's Redis role): sessions and leases outlive a Redis that dies.
      'appendonly yes',
      'appendfsync everysec',
      'daemonize no',
      'user default off resetpass nocommands resetkeys resetchannels',
      `user broker on #${hash(passwords.broker)} ${REDIS_SERVICE_RULES}`,
      `user portal on #${hash(passwords.portal)} ${REDIS_SERVICE_RULES}`,
      `user stack on #${hash(passwords.stack)} ~* &* +@all`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const logFile = path.join(dir, 'redis.log');
  const proc = supervise(
    () => startProcess('redis', 'redis-server', [configFile], { logFile }),
    logTo(logFile),
  );
  await waitForPort(port, { process: proc });
  const url = (user: string, password: string): string => `rediss://${user}:${password}@127.0.0.1:${port}`;
  return {
    url: url('stack', passwords.stack),
    serviceUrls: { broker: url('broker', passwords.broker), portal: url('portal', passwords.portal) },
    process: proc,
  };
}

export interface PostgresService {
  /**
   * The superuser on the `postgres` database: only for the stack's own set-up and for tests that make
   * databases of their own. No service uses it.
   */
  adminUrl: string;
  /** The connection URL of a database's own role (named like the database), over verified TLS. */
  urlFor(database: string): string;
  process: SupervisedProcess;
}

/** A database of the stack: its own login role, and PostgreSQL extensions only a superuser may create. */
export interface DatabaseSpec {
  name: string;
  extensions?: string[];
}

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const version = versions[0];
  if (!version) throw new Error('PostgreSQL is not installed (run the set-up first)');
  return path.join(root, version, 'bin');
}

/** PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` system user. */
function asServiceUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() === 0) return ['runuser', ['-u', 'postgres', '--', command, ...args]];
  return [command, args];
}

function serviceUserIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/** `sslmode=verify-full` with the internal CA: encrypted, and only to a server whose certificate names it. */
const verifiedTls = (ca: InternalCa): string =>
  `sslmode=verify-full&sslrootcert=${encodeURIComponent(ca.certFile)}`;

/**
 * A PostgreSQL cluster that accepts only TLS connections with passwords (SCRAM), and, as the deployment's
 * databases are set up (ansible/roles/postgresql), each database owned by a role nobody signs in as, with a
 * login role of the same name as the database that may add its own tables but may only append to and read
 * the audit trail.
 */
export async function startPostgres(
  dataDir: string,
  port: number,
  ca: InternalCa,
  databases: (string | DatabaseSpec)[],
): Promise<PostgresService> {
  const bin = postgresBinDir();
  const dir = path.join(dataDir, 'postgres');
  const cluster = path.join(dir, 'cluster');
  const passwordFile = path.join(dir, 'superuser-password');
  const owner = serviceUserIds();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (owner) chownSync(dir, owner.uid, owner.gid);
  let password: string;
  if (!existsSync(path.join(cluster, 'PG_VERSION'))) {
    password = randomBytes(18).toString('hex');
    writeFileSync(passwordFile, password, { mode: 0o600 });
    if (owner) chownSync(passwordFile, owner.uid, owner.gid);
    const [cmd, args] = asServiceUser(path.join(bin, 'initdb'), [
      '-D',
      cluster,
      '-U',
      'postgres',
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
    ]);
    try {
      execFileSync(cmd, args, { stdio: 'pipe' });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim();
      throw new Error(`initdb failed: ${stderr || (error as Error).message}`);
    }
  } else {
    password = execFileSync('cat', [passwordFile]).toString().trim();
  }
  // The server's certificate and key in its own folder: PostgreSQL reads them as its user and refuses a key
  // anyone else may read.
  const issued = ca.issue('postgres', {
    commonName: 'postgres',
    usage: 'server',
    dns: ['localhost'],
    ips: ['127.0.0.1'],
  });
  const serverCert = path.join(dir, 'server.crt');
  const serverKey = path.join(dir, 'server.key');
  copyFileSync(issued.certFile, serverCert);
  copyFileSync(issued.keyFile, serverKey);
  chmodSync(serverKey, 0o600);
  if (owner) for (const file of [serverCert, serverKey]) chownSync(file, owner.uid, owner.gid);
  // Who may connect: TLS on loopback with a password; nothing in clear, no line for anything else.
  const hba = path.join(dir, 'pg_hba.conf');
  writeFileSync(hba, 'hostssl all all 127.0.0.1/32 scram-sha-256\n', { mode: 0o600 });
  if (owner) chownSync(hba, owner.uid, owner.gid);
  const [cmd, args] = asServiceUser(path.join(bin, 'postgres'), [
    '-D',
    cluster,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${dir}`,
    '-c',
    `hba_file=${hba}`,
    '-c',
    'ssl=on',
    '-c',
    `ssl_cert_file=${serverCert}`,
    '-c',
    `ssl_key_file=${serverKey}`,
    '-c',
    'ssl_min_protocol_version=TLSv1.2',
    '-c',
    'password_encryption=scram-sha-256',
    '-c',
    'fsync=off',
    '-c',
    'log_min_messages=warning',
  ]);
  const logFile = path.join(dataDir, 'postgres.log');
  const proc = supervise(() => startProcess('postgres', cmd, args, { logFile }), logTo(logFile));
  await waitForPort(port, { process: proc });
  const at = (user: string, secret: string, database: string): string =>
    `postgres://${user}:${secret}@127.0.0.1:${port}/${database}?${verifiedTls(ca)}`;
  const adminUrl = at('postgres', password, 'postgres');
  const roles = new Map<string, string>();
  const admin = await connectWithRetry(adminUrl);
  try {
    for (const spec of databases.map((d) => (typeof d === 'string' ? { name: d } : d))) {
      roles.set(
        spec.name,
        await setUpDatabase(admin, adminUrl, spec, path.join(dir, `${spec.name}.password`)),
      );
    }
  } finally {
    await admin.end();
  }
  const urlFor = (database: string): string => {
    const rolePassword = roles.get(database);
    if (!rolePassword) throw new Error(`the stack's PostgreSQL has no database ${database}`);
    return at(database, rolePassword, database);
  };
  return { adminUrl, urlFor, process: proc };
}

/** The audit trail to the owner role, every other table and function of the superuser to the service's. */
async function handOver(superuser: pg.Client, name: string): Promise<void> {
  await superuser.query(`ALTER DATABASE ${quoted(name)} OWNER TO ${quoted(`${name}_owner`)}`);
  await superuser.query(`
    DO $$
    DECLARE item record;
    BEGIN
      FOR item IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'postgres' LOOP
        EXECUTE format('ALTER TABLE public.%I OWNER TO %I', item.tablename,
          CASE WHEN item.tablename IN ('audit_events', 'schema_migrations') THEN '${name}_owner' ELSE '${name}' END);
      END LOOP;
      FOR item IN SELECT p.oid::regprocedure AS signature, p.proname FROM pg_proc p
          JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) = 'postgres' AND p.prokind = 'f'
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO %I', item.signature,
          CASE WHEN item.proname = 'audit_events_refuse_change' THEN '${name}_owner' ELSE '${name}' END);
      END LOOP;
    END $$`);
}

const quoted = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a database name: ${name}`);
  return `"${name}"`;
};

/**
 * One database as the deployment has it: owned by `<name>_owner` (no login), the audit trail created by
 * that owner, and a login role `<name>` that may connect, add tables of its own, and only INSERT into and
 * SELECT from the audit trail. Its password is kept in `passwordFile`, so a restarted server takes the
 * services' URLs as they were. Returns that password.
 */
async function setUpDatabase(
  admin: pg.Client,
  adminUrl: string,
  spec: DatabaseSpec,
  passwordFile: string,
): Promise<string> {
  const [db, ownerRole, role] = [quoted(spec.name), quoted(`${spec.name}_owner`), quoted(spec.name)];
  if (!existsSync(passwordFile))
    writeFileSync(passwordFile, randomBytes(18).toString('hex'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();
  const roleExists = async (name: string) =>
    (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;
  if (!(await roleExists(`${spec.name}_owner`))) await admin.query(`CREATE ROLE ${ownerRole} NOLOGIN`);
  if (!(await roleExists(spec.name))) await admin.query(`CREATE ROLE ${role} LOGIN`);
  await admin.query(`ALTER ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`);
  const found = await admin.query<{ owner: string }>(
    'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
    [spec.name],
  );
  if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${db} OWNER ${ownerRole}`);
  const isEarlierLayout = found.rowCount === 1 && found.rows[0]?.owner !== `${spec.name}_owner`;
  await admin.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${db} FROM PUBLIC`);
  await admin.query(`GRANT CONNECT ON DATABASE ${db} TO ${role}`);
  const inDatabase = new URL(adminUrl);
  inDatabase.pathname = `/${spec.name}`;
  const superuser = new pg.Client({ connectionString: inDatabase.toString() });
  await superuser.connect();
  try {
    // A database an earlier stack made as the superuser (a demo's kept data) is handed over as above.
    if (isEarlierLayout) await handOver(superuser, spec.name);
    await superuser.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${role}`);
    for (const extension of spec.extensions ?? []) {
      await superuser.query(`CREATE EXTENSION IF NOT EXISTS ${quoted(extension)}`);
    }
  } finally {
    await superuser.end();
  }
  // The audit trail belongs to the owner: whoever owns a table may change it, whatever the grants say.
  const asOwner = new pg.Pool({
    connectionString: inDatabase.toString(),
    options: `-c role=${spec.name}_owner`,
    max: 1,
  });
  try {
    await migrate(asOwner, AUDIT_MIGRATIONS);
    await asOwner.query(`GRANT SELECT, INSERT ON audit_events, schema_migrations TO ${role}`);
  } finally {
    await asOwner.end();
  }
  return password;
}

async function connectWithRetry(connectionString: string): Promise<pg.Client> {
  // The port opens a moment before the server accepts logins. A pg.Client cannot be reused after a failed
  // connect, so every attempt gets a new one.
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export interface GuacdService {
  host: string;
  port: number;
  process: SupervisedProcess;
}

/**
 * guacd speaking TLS to the broker with a certificate of the internal CA (`-C`, `-K`). It still reaches the
 * desktops' VNC on loopback only: the screen stream never leaves the machine in clear (decision 0022).
 */
export async function startGuacd(
  dataDir: string,
  port: number,
  certificate: IssuedCertificate,
): Promise<GuacdService> {
  const logFile = path.join(dataDir, 'guacd.log');
  const proc = supervise(
    () =>
      startProcess(
        'guacd',
        'guacd',
        [
          '-f',
          '-b',
          '127.0.0.1',
          '-l',
          String(port),
          '-L',
          'info',
          '-C',
          certificate.certFile,
          '-K',
          certificate.keyFile,
        ],
        { logFile },
      ),
    logTo(logFile),
  );
  await waitForPort(port, { process: proc });
  return { host: '127.0.0.1', port, process: proc };
}

export interface VirusScannerService {
  /** What the broker's UPLOAD_SCANNER names: clamd on loopback. */
  address: string;
  process: SupervisedProcess;
}

/**
 * ClamAV's daemon, which scans what devices send. Signature updates cannot be fetched here, so the stack's
 * clamd loads a small signature file of its own that detects the EICAR test file (scripts/stack/clamav); a
 * deployment runs freshclam and clamd's own signature database (docs/operations.md).
 */
export async function startClamd(dataDir: string, port: number): Promise<VirusScannerService> {
  const dir = path.join(dataDir, 'clamav');
  const databaseDir = path.join(dir, 'signatures');
  mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
  copyFileSync(
    fileURLToPath(new URL('clamav/test-signatures.ndb', import.meta.url)),
    path.join(databaseDir, 'test-signatures.ndb'),
  );
  const configFile = path.join(dir, 'clamd.conf');
  const logFile = path.join(dir, 'clamd.log');
  writeFileSync(
    configFile,
    [
      'Foreground yes',
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      `DatabaseDirectory ${databaseDir}`,
      `PidFile ${path.join(dir, 'clamd.pid')}`,
      'StreamMaxLength 60M',
      'MaxThreads 4',
      'SelfCheck 0',
      '',
    ].join('\n'),
  );
  const proc = supervise(
    () => startProcess('clamd', 'clamd', ['--config-file', configFile], { logFile }),
    logTo(logFile),
  );
  await waitForPort(port, { process: proc, timeoutMs: 60000 });
  return { address: `127.0.0.1:${port}`, process: proc };
}
