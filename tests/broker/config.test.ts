import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '#broker/config.js';
import { scratchDir } from '../support/scratch-dir.js';
import { testInternalCa } from '../support/test-internal-ca.js';

function baseEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const dir = scratchDir('hcw-config');
  const pem = path.join(dir, 'idp.crt');
  writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const checkpointKey = path.join(dir, 'audit-checkpoint.key');
  writeFileSync(
    checkpointKey,
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }),
  );
  return {
    BROKER_ENV: 'production',
    BROKER_PUBLIC_URL: 'https://workspace.example.jp',
    BROKER_REDIS_URL: 'rediss://broker:secret@127.0.0.1:6379',
    BROKER_DATABASE_URL: 'postgres://broker@127.0.0.1/broker?sslmode=verify-full',
    BROKER_SESSION_SECRET: 'x'.repeat(40),
    BROKER_TUNNEL_KEY: Buffer.alloc(32, 1).toString('base64'),
    BROKER_SECRETS_KEY: Buffer.alloc(32, 2).toString('base64'),
    SAML_IDP_SSO_URL: 'https://idp.example.jp/sso',
    SAML_IDP_ENTITY_ID: 'https://idp.example.jp',
    SAML_IDP_CERT_FILE: pem,
    DESKTOPS: JSON.stringify([
      {
        id: 'd1',
        agentUrl: 'https://d1:7443',
        vncHost: 'd1',
        vncPort: 5901,
        guacdHost: 'g1',
        guacdPort: 4822,
      },
    ]),
    ...testInternalCa().brokerEnv,
    PORTAL_INTERNAL_URL: 'https://portal.internal',
    PORTAL_HANDOFF_SECRET: 'h'.repeat(40),
    DEV_IDP_KEY_FILE: pem,
    DEV_IDP_CERT_FILE: pem,
    AUDIT_ARCHIVE_DIR: path.join(dir, 'audit-archive'),
    AUDIT_CHECKPOINT_KEY_FILE: checkpointKey,
    ...overrides,
  };
}

describe('broker configuration', () => {
  it('loads a complete production configuration', () => {
    const config = loadConfig(baseEnv());
    assert.equal(config.env, 'production');
    assert.equal(config.devIdp, undefined);
    assert.equal(config.session.secureCookie, true);
  });

  it('trusts no proxy unless told, and takes loopback or addresses when told', () => {
    assert.equal(loadConfig(baseEnv()).trustProxy, false);
    assert.equal(loadConfig(baseEnv({ BROKER_TRUST_PROXY: 'loopback' })).trustProxy, 'loopback');
    assert.equal(
      loadConfig(baseEnv({ BROKER_TRUST_PROXY: '10.0.1.0/24, 10.0.2.5' })).trustProxy,
      '10.0.1.0/24, 10.0.2.5',
    );
    assert.throws(() => loadConfig(baseEnv({ BROKER_TRUST_PROXY: 'everyone' })), /BROKER_TRUST_PROXY/);
  });

  it('takes the earlier values of its own secrets while a rotation rolls out, and checks each', () => {
    const none = loadConfig(baseEnv());
    assert.deepEqual(
      [none.session.previousSecrets, none.tunnel.previousKeys, none.previousSecretsKeys],
      [[], [], []],
    );
    const earlier = [Buffer.alloc(32, 3), Buffer.alloc(32, 4)];
    const rotating = loadConfig(
      baseEnv({
        BROKER_SESSION_SECRET_PREVIOUS: 'p'.repeat(40),
        BROKER_TUNNEL_KEY_PREVIOUS: earlier.map((key) => key.toString('base64')).join(', '),
        BROKER_SECRETS_KEY_PREVIOUS: earlier[0]!.toString('base64'),
      }),
    );
    assert.deepEqual(rotating.session.previousSecrets, ['p'.repeat(40)]);
    assert.deepEqual(rotating.tunnel.previousKeys, earlier);
    assert.deepEqual(rotating.previousSecretsKeys, [earlier[0]]);

    assert.throws(
      () => loadConfig(baseEnv({ BROKER_TUNNEL_KEY_PREVIOUS: `${earlier[0]!.toString('base64')},short` })),
      /BROKER_TUNNEL_KEY_PREVIOUS\.1: must be 32 bytes encoded as base64/,
    );
    assert.throws(
      () => loadConfig(baseEnv({ BROKER_SESSION_SECRET_PREVIOUS: 'too short' })),
      /BROKER_SESSION_SECRET_PREVIOUS\.0: must be at least 32 characters/,
    );
  });

  it('names users by persistent NameID unless told an identifier attribute, and counts logout refusals apart', () => {
    const config = loadConfig(baseEnv());
    assert.equal(config.signIn.userIdAttribute, undefined);
    assert.equal(config.signIn.logoutRefusalsPerAddress, 50);
    const told = loadConfig(baseEnv({ SAML_USER_ID_ATTRIBUTE: 'uid', LOGOUT_REFUSALS_PER_ADDRESS: '200' }));
    assert.equal(told.signIn.userIdAttribute, 'uid');
    assert.equal(told.signIn.logoutRefusalsPerAddress, 200);
    assert.throws(() => loadConfig(baseEnv({ SAML_USER_ID_ATTRIBUTE: '' })), /SAML_USER_ID_ATTRIBUTE/);
    assert.throws(
      () => loadConfig(baseEnv({ LOGOUT_REFUSALS_PER_ADDRESS: '0' })),
      /LOGOUT_REFUSALS_PER_ADDRESS/,
    );
  });

  it('refuses to run in production without its audit archive: an unanchored trail can be rewritten unseen', () => {
    assert.throws(
      () => loadConfig({ ...baseEnv(), AUDIT_ARCHIVE_DIR: '', AUDIT_CHECKPOINT_KEY_FILE: '' }),
      /AUDIT_ARCHIVE_DIR and AUDIT_CHECKPOINT_KEY_FILE are required in production/,
    );
    assert.throws(
      () => loadConfig(baseEnv({ AUDIT_CHECKPOINT_KEY_FILE: '/nonexistent/audit.key' })),
      /AUDIT_CHECKPOINT_KEY_FILE cannot be read \(ENOENT\)/,
    );
    const rsa = path.join(scratchDir('hcw-config'), 'rsa.key');
    writeFileSync(
      rsa,
      generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    assert.throws(
      () => loadConfig(baseEnv({ AUDIT_CHECKPOINT_KEY_FILE: rsa })),
      /must hold an Ed25519 private key/,
    );
    // Control: outside production the archive may be left out.
    assert.equal(
      loadConfig({
        ...baseEnv(),
        BROKER_ENV: 'development',
        BROKER_PUBLIC_URL: 'http://localhost:8080',
        AUDIT_ARCHIVE_DIR: '',
        AUDIT_CHECKPOINT_KEY_FILE: '',
      }).auditArchive,
      undefined,
    );
  });

  it('refuses to switch the development IdP on in production', () => {
    assert.throws(
      () => loadConfig(baseEnv({ DEV_IDP_ENABLED: '1' })),
      /development identity provider cannot be switched on in production/,
    );
  });

  it('refuses to let the desktop clipboard through to the device in production', () => {
    assert.throws(
      () => loadConfig(baseEnv({ TUNNEL_COPY_TO_DEVICE: '1' })),
      /copying from the desktop to the device cannot be switched on in production/,
    );
    assert.equal(loadConfig(baseEnv()).tunnel.copyToDevice, false, 'off unless asked');
  });

  it('allows the development IdP in development (control)', () => {
    const config = loadConfig(baseEnv({ BROKER_ENV: 'development', DEV_IDP_ENABLED: '1' }));
    assert.ok(config.devIdp);
  });

  it('names every problem in one clear message', () => {
    assert.throws(
      () =>
        loadConfig(
          baseEnv({
            BROKER_SESSION_SECRET: 'short',
            DESKTOPS: 'not json',
            BROKER_PUBLIC_URL: 'http://x.example',
          }),
        ),
      (error: Error) =>
        /BROKER_SESSION_SECRET/.test(error.message) &&
        /DESKTOPS/.test(error.message) &&
        /https in production/.test(error.message),
    );
  });
  describe('links inside the data centre', () => {
    it('refuses Redis in clear in production (control: rediss is taken)', () => {
      assert.throws(
        () => loadConfig(baseEnv({ BROKER_REDIS_URL: 'redis://broker:secret@10.0.0.5:6379' })),
        /BROKER_REDIS_URL: must be rediss:/,
      );
      assert.equal(loadConfig(baseEnv()).redisUrl, 'rediss://broker:secret@127.0.0.1:6379');
    });

    it('refuses a database URL that does not ask for verify-full in production (control: it is taken)', () => {
      for (const url of [
        'postgres://broker@db/broker',
        'postgres://broker@db/broker?sslmode=require',
        'postgres://broker@db/broker?sslmode=verify-ca',
        'postgres://broker@db/broker?sslmode=disable&sslmode=verify-full',
      ]) {
        assert.throws(() => loadConfig(baseEnv({ BROKER_DATABASE_URL: url })), /sslmode=verify-full/, url);
      }
      assert.ok(
        loadConfig(baseEnv({ BROKER_DATABASE_URL: 'postgres://broker@db/broker?sslmode=verify-full' })),
      );
    });

    it('refuses a client certificate that does not name the broker (control: the broker’s is taken)', () => {
      const portal = testInternalCa().ca.issue('portal-client', {
        commonName: 'portal',
        usage: 'client',
        uris: ['urn:hcw:service:portal'],
      });
      assert.throws(
        () =>
          loadConfig(baseEnv({ BROKER_TLS_CERT_FILE: portal.certFile, BROKER_TLS_KEY_FILE: portal.keyFile })),
        /does not name urn:hcw:service:broker/,
      );
      assert.match(loadConfig(baseEnv()).internalTls.cert, /BEGIN CERTIFICATE/);
    });

    it('reads the CA that vouches for Redis when one is named', () => {
      assert.equal(loadConfig(baseEnv()).redisCa, undefined);
      const config = loadConfig(baseEnv({ BROKER_REDIS_CA_FILE: testInternalCa().ca.certFile }));
      assert.equal(config.redisCa, testInternalCa().ca.pem);
    });
  });
});
