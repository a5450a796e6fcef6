/**
 * `npm run broker:reseal-secrets`, with the broker's environment: after a rotation of BROKER_SECRETS_KEY
 * (new value in BROKER_SECRETS_KEY, the old one in BROKER_SECRETS_KEY_PREVIOUS), seals every stored
 * authenticator-app secret with the new key, so that the old one can be dropped. Safe to run again and
 * beside running brokers. Exit code 0 when every secret is sealed with the current key, 1 when some could
 * be opened by no configured key (those users need their factor reset), 2 when it could not run.
 */
import pg from 'pg';
import { AuditTrail } from '@hcw/common';
import { SecondFactorStore } from '../broker/src/auth/second-factor/second-factor-store.js';
import { loadConfig } from '../broker/src/config.js';

let pool: pg.Pool | undefined;
try {
  const config = loadConfig();
  pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
  const store = new SecondFactorStore(pool, config.secretsKey, config.previousSecretsKeys);
  const { resealed, current, unreadableUsers } = await store.resealSecrets();
  const unreadable = unreadableUsers.length;
  await new AuditTrail(pool).record({
    type: 'admin-action',
    outcome: unreadable === 0 ? 'success' : 'failure',
    actorId: 'operator (command line)',
    details: { action: 'reseal-second-factor-secrets', resealed, current, unreadable },
  });
  process.stdout.write(
    `sealed again with the current key: ${resealed}; already current: ${current}; ` +
      `opened by no configured key: ${unreadable}\n`,
  );
  if (unreadable > 0) {
    process.stdout.write(
      `Reset the second factors of ${[...new Set(unreadableUsers)].join(', ')} in the admin console, or add ` +
        'the key their authenticator-app secrets were sealed with to BROKER_SECRETS_KEY_PREVIOUS.\n',
    );
  }
  process.exitCode = unreadable === 0 ? 0 : 1;
} catch (error) {
  process.stderr.write(`could not reseal the second-factor secrets: ${(error as Error).message}\n`);
  process.exitCode = 2;
} finally {
  await pool?.end();
}
