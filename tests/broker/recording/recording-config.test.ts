import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '#broker/config.js';
import { scratchDir } from '#test-support/scratch-dir.js';
import { testInternalCa } from '#test-support/test-internal-ca.js';

const dir = scratchDir('hcw-recording-config');
const pem = path.join(dir, 'idp.crt');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const recordings = scratchDir('hcw-recordings');
const key = randomBytes(32);
const keyFile = path.join(dir, 'recording.key');
writeFileSync(keyFile, `${key.toString('base64')}\n`, { mode: 0o600 });
const earlierKeyFile = path.join(dir, 'earlier.key');
const earlierKey = randomBytes(32);
writeFileSync(earlierKeyFile, earlierKey.toString('base64'), { mode: 0o600 });

function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    BROKER_ENV: 'development',
    BROKER_PUBLIC_URL: 'http://localhost:8080',
    BROKER_REDIS_URL: 'redis://127.0.0.1:6379',
    BROKER_DATABASE_URL: 'postgres://broker@127.0.0.1/broker',
    BROKER_SESSION_SECRET: 'x'.repeat(40),
    BROKER_TUNNEL_KEY: Buffer.alloc(32, 1).toString('base64'),
    BROKER_SECRETS_KEY: Buffer.alloc(32, 2).toString('base64'),
    SAML_IDP_SSO_URL: 'https://idp.example.jp/sso',
    SAML_IDP_ENTITY_ID: 'https://idp.example.jp',
    SAML_IDP_CERT_FILE: pem,
    ...testInternalCa().brokerEnv,
    PORTAL_INTERNAL_URL: 'https://portal.internal',
    PORTAL_HANDOFF_SECRET: 'h'.repeat(40),
    ...overrides,
  };
}

const aPool = (recording: object) =>
  JSON.stringify([
    {
      id: 'wards',
      provider: {
        type: 'static',
        desktops: [{ id: 'd1', agentUrl: 'https://d1:7443', vncHost: 'd1', vncPort: 5901 }],
      },
      size: 1,
      guacd: [{ host: 'g1', port: 4822 }],
      policies: { recording },
    },
  ]);

describe('recording settings', () => {
  it('reads the folder, the key and earlier keys from files, and a pool’s recording policy', () => {
    const config = loadConfig(
      env({
        RECORDING_DIR: recordings,
        RECORDING_KEY_FILE: keyFile,
        RECORDING_PREVIOUS_KEY_FILES: earlierKeyFile,
        POOLS: aPool({ mode: 'roles', roles: ['msw'], retentionDays: 180 }),
      }),
    );
    assert.equal(config.recording?.dir, recordings);
    assert.ok(config.recording?.key.equals(key));
    assert.ok(config.recording?.previousKeys[0]?.equals(earlierKey));
    assert.equal(config.recording?.sweepIntervalMs, 600000);
    assert.deepEqual(config.pools[0]?.policies.recording, {
      mode: 'roles',
      roles: ['msw'],
      retentionDays: 180,
    });
  });

  it('records nothing unless told: no folder and key, and every pool off for 90 days', () => {
    const config = loadConfig(
      env({
        DESKTOPS: JSON.stringify([
          {
            id: 'd1',
            agentUrl: 'https://d1:7443',
            vncHost: 'd1',
            vncPort: 5901,
            guacdHost: 'g',
            guacdPort: 4822,
          },
        ]),
      }),
    );
    assert.equal(config.recording, undefined);
    assert.deepEqual(config.pools[0]?.policies.recording, { mode: 'off', roles: [], retentionDays: 90 });
  });

  it('refuses settings it cannot honour, saying which', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ RECORDING_DIR: recordings }, /RECORDING_DIR and RECORDING_KEY_FILE go together/],
      [{ RECORDING_KEY_FILE: keyFile }, /RECORDING_DIR and RECORDING_KEY_FILE go together/],
      [
        { POOLS: aPool({ mode: 'everyone' }) },
        /records sessions: RECORDING_DIR and RECORDING_KEY_FILE are required/,
      ],
      [
        {
          RECORDING_DIR: recordings,
          RECORDING_KEY_FILE: keyFile,
          POOLS: aPool({ mode: 'roles', roles: ['surgeon'] }),
        },
        /records unknown roles: surgeon/,
      ],
      [
        { RECORDING_DIR: path.join(dir, 'missing'), RECORDING_KEY_FILE: keyFile },
        /RECORDING_DIR is not a folder/,
      ],
      [
        { RECORDING_DIR: recordings, RECORDING_KEY_FILE: path.join(dir, 'none.key') },
        /cannot read RECORDING_KEY_FILE/,
      ],
      [{ RECORDING_DIR: recordings, RECORDING_KEY_FILE: pem }, /RECORDING_KEY_FILE must hold 32 bytes/],
    ];
    for (const [overrides, problem] of cases) {
      assert.throws(
        () => loadConfig(env({ POOLS: aPool({ mode: 'off' }), ...overrides })),
        problem,
        JSON.stringify(overrides),
      );
    }
  });

  it('keeps recordings a day at least in production; shorter only outside it (control)', () => {
    const brief = {
      RECORDING_DIR: recordings,
      RECORDING_KEY_FILE: keyFile,
      POOLS: aPool({ mode: 'everyone', retentionDays: 0.5 }),
    };
    assert.throws(
      () =>
        loadConfig(
          env({
            ...brief,
            BROKER_ENV: 'production',
            BROKER_PUBLIC_URL: 'https://broker.example.jp',
            AUDIT_ARCHIVE_DIR: dir,
            AUDIT_CHECKPOINT_KEY_FILE: pem,
          }),
        ),
      /recordings are kept at least 1 day in production/,
    );
    assert.equal(loadConfig(env(brief)).pools[0]?.policies.recording.retentionDays, 0.5);
  });
});
