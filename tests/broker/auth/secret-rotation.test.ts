import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from 'otplib';
import request from 'supertest';
import { open } from '#broker/auth/second-factor/secret-box.js';
import { sessionFromCookieHeader } from '#broker/auth/session.js';
import { SecondFactorStore } from '#broker/auth/second-factor/second-factor-store.js';
import { repoRoot } from '#scripts/stack/workspace-stack.js';
import { scratchDir } from '#test-support/scratch-dir.js';
import { testInternalCa } from '#test-support/test-internal-ca.js';
import { consoleBroker, type ConsoleBroker } from '../admin/console-broker.js';
import { aUser } from '../desktops/fake-desktops.js';

const oldSessionSecret = 'o'.repeat(40);
const newSessionSecret = 'n'.repeat(40);
const key = (): Buffer => randomBytes(32);
const b64 = (buffer: Buffer): string => buffer.toString('base64');

/** Runs `npm run broker:reseal-secrets` as an operator would, with a broker's environment. */
function runReseal(
  broker: ConsoleBroker,
  keys: { current: Buffer; previous: Buffer[] },
): Promise<{ code: number | null; output: string }> {
  const cert = path.join(scratchDir('hcw-reseal'), 'idp.crt');
  writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/reseal-secrets.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      BROKER_ENV: 'test',
      BROKER_PUBLIC_URL: 'http://localhost:1',
      BROKER_REDIS_URL: broker.config.redisUrl,
      BROKER_DATABASE_URL: broker.config.databaseUrl,
      BROKER_SESSION_SECRET: newSessionSecret,
      BROKER_TUNNEL_KEY: b64(key()),
      BROKER_SECRETS_KEY: b64(keys.current),
      BROKER_SECRETS_KEY_PREVIOUS: keys.previous.map(b64).join(','),
      SAML_IDP_SSO_URL: 'http://localhost:1/idp',
      SAML_IDP_ENTITY_ID: 'http://localhost:1/idp',
      SAML_IDP_CERT_FILE: cert,
      DESKTOPS: JSON.stringify([
        {
          id: 'd1',
          agentUrl: 'https://127.0.0.1:1',
          vncHost: '127.0.0.1',
          vncPort: 5901,
          guacdHost: '127.0.0.1',
          guacdPort: 4822,
        },
      ]),
      ...testInternalCa().brokerEnv,
      PORTAL_INTERNAL_URL: 'http://portal.test',
      PORTAL_HANDOFF_SECRET: 'h'.repeat(40),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('rotating the broker’s own secrets without signing everyone out', function () {
  this.timeout(60000);
  let broker: ConsoleBroker;

  before(async () => {
    broker = await consoleBroker('secret_rotation', { env: { BROKER_SESSION_SECRET: oldSessionSecret } });
  });
  after(async () => {
    await broker.close();
  });

  describe('the session secret', () => {
    it('keeps sessions signed with the previous secret, and signs the cookie anew with the current one', async () => {
      const { cookie } = await broker.signIn(aUser({ id: 'rotation.nurse' }));
      const duringRotation = await consoleBroker('secret_rotation', {
        broker,
        env: { BROKER_SESSION_SECRET: newSessionSecret, BROKER_SESSION_SECRET_PREVIOUS: oldSessionSecret },
      });
      const afterRotation = await consoleBroker('secret_rotation', {
        broker,
        env: { BROKER_SESSION_SECRET: newSessionSecret },
      });
      try {
        const kept = await request(duringRotation.app).get('/api/me').set('cookie', cookie);
        assert.equal(kept.status, 200);
        const renewed = kept.headers['set-cookie'] as unknown as string[];
        const renewedCookie = renewed.find((c) => c.startsWith('broker.sid='))!.split(';')[0]!;
        assert.notEqual(renewedCookie, cookie, 'signed anew');
        assert.equal(
          (await request(afterRotation.app).get('/api/me').set('cookie', renewedCookie)).status,
          200,
        );
        // Control: once the previous secret is dropped, what it signed is refused.
        assert.equal((await request(afterRotation.app).get('/api/me').set('cookie', cookie)).status, 401);

        // The tunnel reads the cookie on its own, outside Express: the same list of secrets applies there.
        const tunnelSees = (secrets: string[]) =>
          sessionFromCookieHeader(cookie, secrets, broker.sessionStore);
        assert.equal((await tunnelSees([newSessionSecret, oldSessionSecret]))?.user.id, 'rotation.nurse');
        assert.equal(await tunnelSees([newSessionSecret]), undefined, 'control: the new secret alone');
      } finally {
        await Promise.all([duringRotation.close(), afterRotation.close()]);
      }
    });
  });

  describe('the secrets key (authenticator-app secrets at rest)', () => {
    const userId = 'rotation.pharmacist';
    const oldKey = key();
    const newKey = key();
    let secret: string;
    let step: number;

    before(async () => {
      const enrolled = await new SecondFactorStore(broker.pool, oldKey).beginTotp(userId);
      secret = enrolled.secret;
      step = Math.floor(Date.now() / 30000);
      const code = await generate({ secret, epoch: step * 30 });
      assert.equal(
        await new SecondFactorStore(broker.pool, oldKey).checkTotp(userId, code, { pending: true }),
        true,
      );
    });

    const sealedSecret = async (): Promise<string> =>
      (
        await broker.pool.query<{ totp_secret_encrypted: string }>(
          'SELECT totp_secret_encrypted FROM second_factors WHERE user_id = $1',
          [userId],
        )
      ).rows[0]!.totp_secret_encrypted;

    it('accepts the authenticator app after the key changed, and seals its secret with the new key', async () => {
      const code = await generate({ secret, epoch: (step + 1) * 30 });
      // Control: the new key alone cannot open what the old one sealed.
      await assert.rejects(new SecondFactorStore(broker.pool, newKey).checkTotp(userId, code));

      assert.equal(await new SecondFactorStore(broker.pool, newKey, [oldKey]).checkTotp(userId, code), true);
      assert.equal(open(newKey, await sealedSecret()), secret);
    });

    it('reseals every stored secret on command, names the users no key can serve, and audits the run', async () => {
      const lostKey = key();
      await new SecondFactorStore(broker.pool, oldKey).beginTotp('rotation.doctor');
      await new SecondFactorStore(broker.pool, lostKey).beginTotp('rotation.manager');

      const first = await runReseal(broker, { current: newKey, previous: [oldKey] });
      assert.equal(first.code, 1, first.output);
      assert.match(
        first.output,
        /sealed again with the current key: 1; already current: 1; opened by no configured key: 1/,
      );
      assert.match(first.output, /Reset the second factors of rotation\.manager/);
      assert.doesNotMatch(first.output, new RegExp(b64(oldKey).slice(0, 12).replace(/[+/]/g, '.')));

      const second = await runReseal(broker, { current: newKey, previous: [lostKey] });
      assert.equal(second.code, 0, second.output);
      assert.match(
        second.output,
        /sealed again with the current key: 1; already current: 2; opened by no configured key: 0/,
      );

      const { rows } = await broker.pool.query<{ outcome: string; details: Record<string, unknown> }>(
        "SELECT outcome, details FROM audit_events WHERE details->>'action' = 'reseal-second-factor-secrets' ORDER BY id",
      );
      assert.deepEqual(
        rows.map((r) => [r.outcome, r.details.resealed, r.details.unreadable]),
        [
          ['failure', 1, 1],
          ['success', 1, 0],
        ],
      );
    });
  });
});
