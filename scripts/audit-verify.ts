/**
 * `npm run audit:verify`: checks the audit trail in the database named by AUDIT_DATABASE_URL (or
 * BROKER_DATABASE_URL): its hash chain (no row changed, removed or inserted) and, given the archive
 * (AUDIT_ARCHIVE_DIR) and the checkpoints' public key (AUDIT_CHECKPOINT_PUBLIC_KEY_FILE), its signed
 * checkpoints (no consistent rewrite of the chain, no removal of the newest rows). Exit code 0 when
 * everything checked is intact, 1 when something is broken, 2 when it could not be checked.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { z } from 'zod';
import { verifyAgainstArchive, verifyAuditChain } from '@hcw/common';

const Settings = z.object({
  AUDIT_DATABASE_URL: z.string().min(1).optional(),
  BROKER_DATABASE_URL: z.string().min(1).optional(),
  AUDIT_ARCHIVE_DIR: z.string().min(1).optional(),
  AUDIT_CHECKPOINT_PUBLIC_KEY_FILE: z.string().min(1).optional(),
});
const settings = Settings.parse(process.env);
const url = settings.AUDIT_DATABASE_URL ?? settings.BROKER_DATABASE_URL;
const say = (line: string): boolean => process.stdout.write(`${line}\n`);
if (!url) {
  process.stderr.write(
    'Set AUDIT_DATABASE_URL (or BROKER_DATABASE_URL) to the database that holds audit_events.\n',
  );
  process.exit(2);
}
if (Boolean(settings.AUDIT_ARCHIVE_DIR) !== Boolean(settings.AUDIT_CHECKPOINT_PUBLIC_KEY_FILE)) {
  process.stderr.write('AUDIT_ARCHIVE_DIR and AUDIT_CHECKPOINT_PUBLIC_KEY_FILE go together.\n');
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: url, max: 1 });
try {
  let isIntact = true;
  const chain = await verifyAuditChain(pool);
  if (chain.ok) {
    say(`audit trail intact: ${chain.checked} events checked`);
  } else {
    say(
      `audit trail BROKEN at event ${chain.firstBadId}: ${chain.problem} (${chain.checked} events before it are intact)`,
    );
    isIntact = false;
  }
  if (settings.AUDIT_ARCHIVE_DIR && settings.AUDIT_CHECKPOINT_PUBLIC_KEY_FILE) {
    const anchor = await verifyAgainstArchive(
      pool,
      settings.AUDIT_ARCHIVE_DIR,
      readFileSync(settings.AUDIT_CHECKPOINT_PUBLIC_KEY_FILE, 'utf8'),
    );
    if (anchor.ok) {
      say(
        `checkpoints intact: ${anchor.checkpoints} signed checkpoints cover the first ${anchor.anchoredRows} events`,
      );
    } else {
      say(`checkpoints BROKEN: ${anchor.problem} (${anchor.checkpoints} checkpoints before it are intact)`);
      isIntact = false;
    }
  } else {
    say(
      'not checked against the archive: set AUDIT_ARCHIVE_DIR and AUDIT_CHECKPOINT_PUBLIC_KEY_FILE to detect a consistent rewrite or the removal of the newest events',
    );
  }
  process.exitCode = isIntact ? 0 : 1;
} catch (error) {
  process.stderr.write(`could not check the audit trail: ${(error as Error).message}\n`);
  process.exitCode = 2;
} finally {
  await pool.end();
}
