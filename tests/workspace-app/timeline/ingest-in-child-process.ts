// Runs one ingestion round of カナミック in a process of its own, for the crash test. With
// INGEST_CRASH=1 the process kills itself with SIGKILL after the events are written and before the
// commit: no handler runs, no rollback is sent, the connection just drops, as when a host dies.
import pg from 'pg';
import { createKanamicConnector } from '#workspace-app/connectors/kanamic/kanamic-connector.js';
import { createPullLoop } from '#workspace-app/timeline/create-pull-loop.js';

const env = process.env;
const pool = new pg.Pool({ connectionString: env.INGEST_DATABASE_URL, max: 2 });
const loop = createPullLoop({
  pool,
  connector: createKanamicConnector({
    baseUrl: env.INGEST_VENDOR_URL ?? '',
    clientId: env.INGEST_CLIENT_ID ?? '',
    clientSecret: env.INGEST_CLIENT_SECRET ?? '',
  }),
  intervalMs: 1_000,
  roundTimeoutMs: 10_000,
  baseBackoffMs: 100,
  maxBackoffMs: 1_000,
  faults: {
    async beforeCommit() {
      if (env.INGEST_CRASH === '1') process.kill(process.pid, 'SIGKILL');
    },
  },
});
const outcome = await loop.runRound();
process.stdout.write(`${JSON.stringify(outcome)}\n`);
await pool.end();
