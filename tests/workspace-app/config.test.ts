import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '#workspace-app/config.js';
import { scratchDir } from '../support/scratch-dir.js';
import { testInternalCa } from '../support/test-internal-ca.js';

/** A complete production configuration of the portal, its links to Redis and PostgreSQL verified TLS. */
function productionEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const dir = scratchDir('hcw-portal-config');
  const key = path.join(dir, 'audit-checkpoint.key');
  writeFileSync(key, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return {
    PORTAL_ENV: 'production',
    PORTAL_PORT: '8443',
    PORTAL_PUBLIC_URL: 'https://portal.example.internal',
    PORTAL_DATABASE_URL:
      'postgres://portal@db.example.internal/portal?sslmode=verify-full&sslrootcert=/etc/hcw-portal/internal-ca.crt',
    PORTAL_REDIS_URL: 'rediss://portal:secret@redis.example.internal:6379',
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

  describe('links inside the data centre', () => {
    it('takes Redis over TLS and PostgreSQL with verify-full in production (control)', () => {
      const config = loadConfig(productionEnv());
      assert.equal(config.env, 'production');
      assert.equal(config.redisCa, undefined, 'the system CAs when none is named');
    });

    it('refuses Redis in clear in production', () => {
      assert.throws(
        () =>
          loadConfig(
            productionEnv({ PORTAL_REDIS_URL: 'redis://portal:secret@redis.example.internal:6379' }),
          ),
        /PORTAL_REDIS_URL: must be rediss:/,
      );
    });

    it('refuses a database URL that does not ask for verify-full in production', () => {
      for (const mode of ['', '?sslmode=require', '?sslmode=verify-ca', '?sslmode=disable']) {
        const url = `postgres://portal@db.example.internal/portal${mode}`;
        assert.throws(
          () => loadConfig(productionEnv({ PORTAL_DATABASE_URL: url })),
          /sslmode=verify-full/,
          url,
        );
      }
    });

    it('reads the CA that vouches for Redis when one is named, and says when it cannot', () => {
      const ca = testInternalCa().ca;
      assert.equal(loadConfig(productionEnv({ PORTAL_REDIS_CA_FILE: ca.certFile })).redisCa, ca.pem);
      assert.throws(
        () => loadConfig(productionEnv({ PORTAL_REDIS_CA_FILE: '/nonexistent/ca.crt' })),
        /cannot read PORTAL_REDIS_CA_FILE \(ENOENT\)/,
      );
    });
  });
});
