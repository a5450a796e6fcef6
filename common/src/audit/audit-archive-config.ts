import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** An empty setting is an unset one (an environment file line `NAME=` says "none"). */
const optionalPath = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z.string().min(1).optional(),
);

/** The audit archive's settings, the same for every service that keeps an audit trail. */
export const AuditArchiveEnv = z.object({
  /** Where checkpoints and archived rows go: a folder this service can write and the database cannot. */
  AUDIT_ARCHIVE_DIR: optionalPath,
  /** Ed25519 private key (PEM) that signs checkpoints; PostgreSQL never sees it. */
  AUDIT_CHECKPOINT_KEY_FILE: optionalPath,
  /** How often a checkpoint is made: rows newer than the last one rest on the hash chain alone. */
  AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
});
export type AuditArchiveEnv = z.infer<typeof AuditArchiveEnv>;

export interface AuditArchiveConfig {
  dir: string;
  signingKey: string;
  intervalMs: number;
}

/**
 * The archive settings, checked: both or neither of the folder and the key, and both in production (an
 * unanchored trail can be rewritten from inside the database). Returns a problem to report, or the config.
 */
export function auditArchiveConfig(
  e: AuditArchiveEnv,
  isProduction: boolean,
): { config?: AuditArchiveConfig; problem?: string } {
  if (!e.AUDIT_ARCHIVE_DIR && !e.AUDIT_CHECKPOINT_KEY_FILE) {
    return isProduction
      ? { problem: 'AUDIT_ARCHIVE_DIR and AUDIT_CHECKPOINT_KEY_FILE are required in production' }
      : {};
  }
  if (!e.AUDIT_ARCHIVE_DIR || !e.AUDIT_CHECKPOINT_KEY_FILE) {
    return { problem: 'AUDIT_ARCHIVE_DIR and AUDIT_CHECKPOINT_KEY_FILE go together' };
  }
  let signingKey: string;
  try {
    signingKey = readFileSync(e.AUDIT_CHECKPOINT_KEY_FILE, 'utf8');
    if (createPrivateKey(signingKey).asymmetricKeyType !== 'ed25519') {
      return { problem: 'AUDIT_CHECKPOINT_KEY_FILE must hold an Ed25519 private key' };
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      problem: `AUDIT_CHECKPOINT_KEY_FILE cannot be read${code ? ` (${code})` : ' as a private key'}`,
    };
  }
  return {
    config: { dir: e.AUDIT_ARCHIVE_DIR, signingKey, intervalMs: e.AUDIT_CHECKPOINT_SECONDS * 1000 },
  };
}
