import pg from 'pg';
import { migrate } from '@hcw/common';
import { workspace } from './workspace.js';

export interface FreshDatabase {
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
}

/** A database of the suite's own on the shared PostgreSQL, made anew with these migrations applied. */
export async function freshDatabase(
  name: string,
  migrations: string[],
  poolSize = 8,
): Promise<FreshDatabase> {
  const stack = await workspace();
  const adminUrl = new URL(stack.brokerDatabaseUrl);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(stack.brokerDatabaseUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: poolSize });
  for (const dir of migrations) await migrate(pool, dir);
  return { pool, url: url.toString(), close: () => pool.end() };
}
