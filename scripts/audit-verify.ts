/**
 * `npm run audit:verify`: checks the audit trail's hash chain in the database named by AUDIT_DATABASE_URL
 * (or BROKER_DATABASE_URL) and says whether any row was changed, removed or inserted. Exit code 0 when the
 * chain is intact, 1 when it is broken, 2 when it could not be checked.
 */
import pg from 'pg';
import { verifyAuditChain } from '@hcw/common';

const url = process.env.AUDIT_DATABASE_URL ?? process.env.BROKER_DATABASE_URL;
if (!url) {
  process.stderr.write(
    'Set AUDIT_DATABASE_URL (or BROKER_DATABASE_URL) to the database that holds audit_events.\n',
  );
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: url, max: 1 });
try {
  const verdict = await verifyAuditChain(pool);
  if (verdict.ok) {
    process.stdout.write(`audit trail intact: ${verdict.checked} events checked\n`);
    process.exitCode = 0;
  } else {
    process.stdout.write(
      `audit trail BROKEN at event ${verdict.firstBadId}: ${verdict.problem} (${verdict.checked} events before it are intact)\n`,
    );
    process.exitCode = 1;
  }
} catch (error) {
  process.stderr.write(`could not check the audit trail: ${(error as Error).message}\n`);
  process.exitCode = 2;
} finally {
  await pool.end();
}
