import pg from 'pg';
import { AUDIT_MIGRATIONS, migrate } from '@hcw/common';
import { PORTAL_MIGRATIONS } from '#workspace-app/db/migrations.js';
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

/**
 * A database of the suite's own on the shared PostgreSQL, made anew with these migrations applied, owned by
 * the broker's role or the portal's (`as`), as the service would own it.
 */
export async function freshDatabase(
  name: string,
  migrations: string[],
  options: { poolSize?: number; as?: 'broker' | 'portal' } = {},
): Promise<FreshDatabase> {
  const stack = await workspace();
  const serviceUrl = options.as === 'portal' ? stack.portalDatabaseUrl : stack.brokerDatabaseUrl;
  const url = await recreateDatabase(stack.adminDatabaseUrl, name, serviceUrl);
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 8 });
  try {
    for (const dir of migrations) await migrate(pool, dir);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return { pool, url, close: () => pool.end() };
}

/** A portal's database of the suite's own: the audit trail and the portal's migrations, as the portal's role. */
export function portalDatabase(name: string, poolSize = 12): Promise<FreshDatabase> {
  return freshDatabase(name, [AUDIT_MIGRATIONS, PORTAL_MIGRATIONS], { poolSize, as: 'portal' });
}
