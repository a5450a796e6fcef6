import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../workspace-app/src/config.js';
import { scratchDir } from '../support/scratch-dir.js';

function productionEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const dir = scratchDir('hcw-portal-config');
  const key = path.join(dir, 'audit-checkpoint.key');
  writeFileSync(key, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return {
    PORTAL_ENV: 'production',
    PORTAL_PORT: '8443',
    PORTAL_PUBLIC_URL: 'https://portal.example.internal',
    PORTAL_DATABASE_URL: 'postgres://portal@db.example.internal/portal',
    PORTAL_REDIS_URL: 'redis://redis.example.internal:6379',
    PORTAL_SESSION_SECRET: 's'.repeat(40),
    PORTAL_HANDOFF_SECRET: 'h'.repeat(40),
    AUDIT_ARCHIVE_DIR: path.join(dir, 'audit-archive'),
    AUDIT_CHECKPOINT_KEY_FILE: key,
    ...overrides,
  };
}

describe('portal configuration', () => {
  it('loads a complete production configuration, with its audit archive', () => {
    const config = loadConfig(productionEnv());
    assert.equal(config.env, 'production');
    assert.equal(config.auditArchive?.intervalMs, 60_000);
  });

  it('refuses to run in production without its audit archive (control: development may)', () => {
    assert.throws(
      () => loadConfig(productionEnv({ AUDIT_ARCHIVE_DIR: '', AUDIT_CHECKPOINT_KEY_FILE: '' })),
      /portal configuration is invalid: AUDIT_ARCHIVE_DIR and AUDIT_CHECKPOINT_KEY_FILE are required in production/,
    );
    assert.throws(
      () => loadConfig(productionEnv({ AUDIT_CHECKPOINT_KEY_FILE: '' })),
      /AUDIT_ARCHIVE_DIR and AUDIT_CHECKPOINT_KEY_FILE go together/,
    );
    const development = loadConfig(
      productionEnv({ PORTAL_ENV: 'development', AUDIT_ARCHIVE_DIR: '', AUDIT_CHECKPOINT_KEY_FILE: '' }),
    );
    assert.equal(development.auditArchive, undefined);
  });
});
