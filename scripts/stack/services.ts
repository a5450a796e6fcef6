import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startProcess, waitForPort, type ManagedProcess } from './managed-process.js';

/** Real Redis, PostgreSQL and guacd on loopback, each with its own port and data directory. */

export interface RedisService {
  url: string;
  process: ManagedProcess;
}

export async function startRedis(dataDir: string, port: number): Promise<RedisService> {
  const dir = path.join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const password = randomBytes(18).toString('hex');
  const configFile = path.join(dir, 'redis.conf');
  // The password goes in a private config file, not on the command line where `ps` shows it.
  writeFileSync(
    configFile,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'protected-mode yes',
      `dir ${dir}`,
      'save ""',
      'appendonly no',
      'daemonize no',
      `requirepass ${password}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const proc = startProcess('redis', 'redis-server', [configFile], { logFile: path.join(dir, 'redis.log') });
  await waitForPort(port, { process: proc });
  return { url: `redis://:${password}@127.0.0.1:${port}`, process: proc };
}

export interface PostgresService {
  /** Connection URL for a database by name. */
  urlFor(database: string): string;
  process: ManagedProcess;
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

export async function startPostgres(
  dataDir: string,
  port: number,
  databases: string[],
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
    'fsync=off',
    '-c',
    'log_min_messages=warning',
  ]);
  const proc = startProcess('postgres', cmd, args, { logFile: path.join(dataDir, 'postgres.log') });
  await waitForPort(port, { process: proc });
  const urlFor = (database: string): string =>
    `postgres://postgres:${password}@127.0.0.1:${port}/${database}`;
  const admin = await connectWithRetry(urlFor('postgres'));
  try {
    for (const database of databases) {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database}"`);
    }
  } finally {
    await admin.end();
  }
  return { urlFor, process: proc };
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
  process: ManagedProcess;
}

export async function startGuacd(dataDir: string, port: number): Promise<GuacdService> {
  const proc = startProcess('guacd', 'guacd', ['-f', '-b', '127.0.0.1', '-l', String(port), '-L', 'info'], {
    logFile: path.join(dataDir, 'guacd.log'),
  });
  await waitForPort(port, { process: proc });
  return { host: '127.0.0.1', port, process: proc };
}
