import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '#broker/config.js';
import { testInternalCa } from '#test-support/test-internal-ca.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hcw-pools-'));
const pem = path.join(dir, 'idp.crt');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    BROKER_ENV: 'development',
    BROKER_PUBLIC_URL: 'http://localhost:8080',
    BROKER_REDIS_URL: 'rediss://broker:secret@127.0.0.1:6379',
    BROKER_DATABASE_URL: 'postgres://broker@127.0.0.1/broker?sslmode=verify-full',
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

const aHost = (id: string) => ({ id, agentUrl: `https://${id}:7443`, vncHost: id, vncPort: 5901 });

describe('desktop pools in configuration', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads pools with their provider, size, guacd instances and policies', () => {
    const config = loadConfig(
      env({
        POOLS: JSON.stringify([
          {
            id: 'wards',
            provider: { type: 'static', desktops: [aHost('d1'), aHost('d2')] },
            size: 2,
            guacd: [
              { host: 'g1', port: 4822 },
              { host: 'g2', port: 4822 },
            ],
            policies: { canPaste: true, idleMinutes: 10, imageVersions: ['2026.1'] },
          },
        ]),
      }),
    );
    const [pool] = config.pools;
    assert.equal(pool?.provider.type, 'static');
    assert.equal(pool?.guacd.length, 2);
    assert.deepEqual(pool?.policies, {
      canPaste: true,
      idleMinutes: 10,
      maxSessionHours: 12,
      imageVersions: ['2026.1'],
      recording: { mode: 'off', roles: [], retentionDays: 90 },
    });
    assert.deepEqual(
      pool?.roles,
      ['practitioner', 'msw', 'bed-manager'],
      'desktops for the roles that work in one',
    );
    assert.deepEqual(
      config.desktops.map((d) => [d.id, d.guacdHost]),
      [
        ['d1', 'g1'],
        ['d2', 'g1'],
      ],
    );
  });

  it('reads the older DESKTOPS list as one pool of fixed desktops with the global policies', () => {
    const config = loadConfig(
      env({
        GUACD_DISABLE_PASTE: '0',
        BROKER_SESSION_IDLE_MINUTES: '20',
        DESKTOPS: JSON.stringify([{ ...aHost('d1'), guacdHost: 'g1', guacdPort: 4822 }]),
      }),
    );
    assert.equal(config.pools.length, 1);
    assert.equal(config.pools[0]?.provider.type, 'static');
    assert.equal(config.pools[0]?.policies.canPaste, true);
    assert.equal(config.pools[0]?.policies.idleMinutes, 20);
  });

  it('refuses a pool without guacd, unknown roles, a desktop listed twice, or neither form', () => {
    const pool = {
      id: 'p',
      provider: { type: 'static', desktops: [aHost('d1')] },
      size: 1,
      guacd: [{ host: 'g', port: 4822 }],
    };
    assert.throws(() => loadConfig(env({ POOLS: JSON.stringify([{ ...pool, guacd: [] }]) })), /POOLS/);
    assert.throws(
      () => loadConfig(env({ POOLS: JSON.stringify([{ ...pool, roles: ['nurse'] }]) })),
      /unknown roles/,
    );
    assert.throws(
      () => loadConfig(env({ POOLS: JSON.stringify([pool, { ...pool, id: 'q' }]) })),
      /listed twice/,
    );
    assert.throws(() => loadConfig(env()), /POOLS or DESKTOPS is required/);
    assert.ok(
      loadConfig(env({ POOLS: JSON.stringify([pool]) })),
      'the same pool, well formed, is accepted (control)',
    );
  });

  it('refuses a production broker that would start desktops on its own machine', () => {
    const launching = JSON.stringify([
      {
        id: 'p',
        provider: { type: 'local', launch: { stateDir: '/tmp/x', certificateDir: '/tmp/x-certificates' } },
        size: 1,
        guacd: [{ host: 'g', port: 4822 }],
      },
    ]);
    assert.throws(
      () =>
        loadConfig(
          env({ BROKER_ENV: 'production', BROKER_PUBLIC_URL: 'https://w.example.jp', POOLS: launching }),
        ),
      /does not start desktops on its own machine/,
    );
    assert.ok(loadConfig(env({ POOLS: launching })), 'allowed in development (control)');
  });
  it('lets a desktop have a guacd of its own beside it, and then needs no guacd for the pool', () => {
    const beside = { ...aHost('b1'), vncHost: '127.0.0.1', guacd: { host: 'b1', port: 4822 } };
    const config = loadConfig(
      env({
        POOLS: JSON.stringify([{ id: 'beside', provider: { type: 'static', desktops: [beside] }, size: 1 }]),
      }),
    );
    assert.deepEqual(config.pools[0]?.guacd, []);
    assert.equal(config.desktops[0]?.guacdHost, 'b1', "the desktop's own guacd serves it");
    // A desktop with neither its own guacd nor a pool's would have nobody to draw its screen.
    assert.throws(
      () =>
        loadConfig(
          env({
            POOLS: JSON.stringify([
              { id: 'nobody', provider: { type: 'static', desktops: [beside, aHost('b2')] }, size: 1 },
            ]),
          }),
        ),
      /needs guacd instances, or a guacd beside each of its desktops/,
    );
  });

  it('refuses an agent address that is not https (the agents speak mutual TLS only)', () => {
    const plain = { ...aHost('p1'), agentUrl: 'http://p1:7443' };
    assert.throws(
      () =>
        loadConfig(
          env({
            POOLS: JSON.stringify([
              {
                id: 'plain',
                provider: { type: 'static', desktops: [plain] },
                size: 1,
                guacd: [{ host: 'g', port: 4822 }],
              },
            ]),
          }),
        ),
      /must be https/,
    );
  });
});
