import pg from 'pg';
import { migrate } from '@hcw/common';
import { workspace } from './workspace.js';

export interface FreshDatabase {
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
}

/** A service's URL pointed at another database of the same server: the same role, the same verified TLS. */
export function inDatabase(serviceUrl: string, name: string): string {
  const url = new URL(serviceUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Makes a database anew with the superuser's URL (`adminUrl`, the stack's `adminDatabaseUrl`: the services'
 * roles may not create databases), owned by the role of `serviceUrl`, which then runs the migrations as the
 * service would. Returns that role's URL for it.
 */
export async function recreateDatabase(adminUrl: string, name: string, serviceUrl: string): Promise<string> {
  const role = new URL(serviceUrl).username;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name} OWNER ${role}`);
  } finally {
    await admin.end();
  }
  return inDatabase(serviceUrl, name);
}

/** A database of the suite's own on the shared PostgreSQL, made anew with these migrations applied. */
export async function freshDatabase(
  name: string,
  migrations: string[],
  poolSize = 8,
): Promise<FreshDatabase> {
  const stack = await workspace();
  const url = await recreateDatabase(stack.adminDatabaseUrl, name, stack.brokerDatabaseUrl);
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  for (const dir of migrations) await migrate(pool, dir);
  return { pool, url, close: () => pool.end() };
}
