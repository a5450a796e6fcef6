/**
 * The timeline benchmark: a practitioner's timeline page (50 items with unread counts) under a sustained
 * request rate, and ingestion throughput with duplicates mixed in, on a real PostgreSQL holding Tokyo's
 * scale (100,000 patients, 50,000 practitioners, 10 million events, each received by two members' accounts).
 * Goals: page p99 < 50 ms, ingestion > 5,000 events/s.
 *
 * Run with `npx tsx benchmarks/timeline.bench.ts`. `TIMELINE_BENCH_SCALE=0.01` (or `BENCH_QUICK=1`) runs a
 * hundredth of the data for a quick check; `TIMELINE_BENCH_RATE` (requests/s, default 200) and
 * `TIMELINE_BENCH_SECONDS` (default 30) shape the page load.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { AUDIT_MIGRATIONS, AuditTrail, migrate } from '@hcw/common';
import { freePort } from '../scripts/stack/managed-process.js';
import { internalCa } from '../scripts/stack/internal-ca.js';
import { startPostgres, type PostgresService } from '../scripts/stack/services.js';
import { auditTimelineRead } from '../workspace-app/src/timeline/audit-timeline-read.js';
import type { CanonicalEvent } from '../workspace-app/src/connectors/canonical-event.js';
import { readTimeline } from '../workspace-app/src/timeline/read-timeline.js';
import { readCursor, storePulledBatch } from '../workspace-app/src/timeline/store-pulled-batch.js';
import { listVendorHealth } from '../workspace-app/src/timeline/vendor-health.js';
import { writeRun } from './support/results.js';

// eslint-disable-next-line no-restricted-properties -- a benchmark's knobs are its environment
const env = process.env;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scale = Number(env.TIMELINE_BENCH_SCALE ?? (env.BENCH_QUICK === '1' ? '0.01' : '1'));
if (!(scale > 0 && scale <= 1)) throw new Error('TIMELINE_BENCH_SCALE must be in (0, 1]');
const sizes = {
  patients: Math.max(1_000, Math.round(100_000 * scale)),
  practitioners: Math.max(500, Math.round(50_000 * scale)),
  events: Math.max(20_000, Math.round(10_000_000 * scale)),
};
const rate = Number(env.TIMELINE_BENCH_RATE ?? 200);
const seconds = Number(env.TIMELINE_BENCH_SECONDS ?? 30);
const ingestEvents = Math.max(20_000, Math.round(200_000 * scale));
const INGEST_BATCH = 500;
// New message IDs differ from one run to the next, so a kept data set still takes them as new.
const run = Date.now().toString(36);
const DUPLICATE_SHARE = 0.2;
const VENDORS = ['mcs', 'kanamic', 'hikari-one', 'vital-link', 'fhir'];
const TABLES = ['timeline_events', 'timeline_event_receipts', 'timeline_inbox'];

const log = (line: string) => process.stdout.write(`${line}\n`);

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  log(`  ${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/**
 * The data, generated inside PostgreSQL. Practitioner p holds accounts at two vendors (p mod 5 and
 * p+2 mod 5). Each event is received by two accounts at its vendor: one of a practitioner drawn with a
 * skew (some practitioners are far busier than others) and one drawn evenly; 90% of inbox rows are read.
 * Each patient's care-team group exists at two vendors and is mapped to the patient.
 */
async function generate(pool: pg.Pool): Promise<void> {
  const { patients: Q, practitioners: P, events: E } = sizes;
  // p2 = 5k + (p1 mod 5) within 1..P: a practitioner whose first account is at the event's vendor.
  await pool.query(`CREATE UNLOGGED TABLE bench_plan AS
    SELECT i, p1 % 5 AS v, p1,
      5 * (lo + floor(random() * (floor((${P} - p1 % 5) / 5.0) - lo + 1))::int) + p1 % 5 AS p2,
      1 + (hashint4(i) & 2147483647) % ${Q} AS q,
      now() - make_interval(secs => (${E} - i) * (365.0 * 86400 / ${E}) + random() * 600) AS occurred_at
    FROM (
      SELECT i, p1, CASE WHEN p1 % 5 = 0 THEN 1 ELSE 0 END AS lo
      FROM (SELECT i, 1 + floor(${P} * power(random(), 2))::int AS p1 FROM generate_series(1, ${E}) AS i) drawn
    ) s`);
  await pool.query(`CREATE TABLE bench_vendors (n int PRIMARY KEY, vendor text NOT NULL)`);
  await pool.query(
    `INSERT INTO bench_vendors VALUES ${VENDORS.map((vendor, n) => `(${n}, '${vendor}')`).join(', ')}`,
  );
  await timed('events', () =>
    pool.query(`INSERT INTO timeline_events (id, vendor, vendor_message_id, vendor_account, patient_group_ref,
        patient_group_name, author_role, author_role_label, author_name, occurred_at, kind, title, body, deep_link,
        received_at)
      OVERRIDING SYSTEM VALUE
      SELECT i, v.vendor, 'm' || i, 'a' || p1, 'g' || q, '患者' || q || '様 在宅チーム',
        (ARRAY['nurse','doctor','care-manager','pharmacist','therapist'])[1 + i % 5],
        (ARRAY['訪問看護師','医師','ケアマネジャー','薬剤師','理学療法士'])[1 + i % 5],
        '職員' || (i % 997),
        occurred_at, 'message', '訪問報告 ' || i,
        (ARRAY['本日訪問しました。食事は普段どおり摂れています。','夜間に咳込みがあったとご家族から連絡がありました。',
               '処方変更：アムロジピン5mg 朝1錠、明日から開始です。','歩行訓練を実施。屋内は杖歩行で安定しています。'])[1 + i % 4],
        'https://' || v.vendor || '.example.jp/messages/' || i, occurred_at
      FROM bench_plan JOIN bench_vendors v ON v.n = bench_plan.v`),
  );
  await pool.query(`SELECT setval(pg_get_serial_sequence('timeline_events', 'id'), ${E})`);
  await timed('receipts', () =>
    pool.query(`INSERT INTO timeline_event_receipts (vendor, vendor_account, event_id, occurred_at)
      SELECT v.vendor, 'a' || p, i, occurred_at
      FROM bench_plan JOIN bench_vendors v ON v.n = bench_plan.v, LATERAL (VALUES (p1), (p2)) AS members(p)
      GROUP BY 1, 2, 3, 4`),
  );
  await timed('inboxes', () =>
    pool.query(`INSERT INTO timeline_inbox (practitioner_id, event_id, occurred_at, vendor, read_at)
      SELECT DISTINCT ON (p, i) 'p' || p, i, occurred_at, v.vendor,
        CASE WHEN random() < 0.9 THEN occurred_at + interval '1 hour' END
      FROM bench_plan JOIN bench_vendors v ON v.n = bench_plan.v, LATERAL (VALUES (p1), (p2)) AS members(p)`),
  );
  await timed('links and patient groups', async () => {
    await pool.query(`INSERT INTO timeline_account_links (practitioner_id, vendor, vendor_account, status, confirmed_at,
        confirmed_by)
      SELECT 'p' || p, v.vendor, 'a' || p, 'confirmed', now(), 'bench'
      FROM generate_series(1, ${P}) AS p
      JOIN bench_vendors v ON v.n IN (p % 5, (p + 2) % 5)`);
    await pool.query(`INSERT INTO timeline_patient_groups (vendor, patient_group_ref, patient_id, patient_label, mapped_by)
      SELECT v.vendor, 'g' || q, 'patient-' || q, '患者 ' || q, 'bench'
      FROM generate_series(1, ${Q}) AS q
      JOIN bench_vendors v ON v.n IN (q % 5, (q + 1) % 5)`);
  });
}

interface SavedSchema {
  constraints: Array<{ table: string; name: string; definition: string; isForeignKey: boolean }>;
  indexes: string[];
}

/** Bulk loading into indexed tables is slow: indexes and constraints go, and come back after the load. */
async function dropIndexes(pool: pg.Pool): Promise<SavedSchema> {
  const constraints = (
    await pool.query<{ table: string; name: string; definition: string; type: string }>(
      `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS definition,
         contype AS type
       FROM pg_constraint WHERE conrelid::regclass::text = ANY($1) AND contype IN ('p', 'u', 'f')`,
      [TABLES],
    )
  ).rows.map((row) => ({ ...row, isForeignKey: row.type === 'f' }));
  const indexes = (
    await pool.query<{ indexdef: string; indexname: string }>(
      `SELECT indexdef, indexname FROM pg_indexes WHERE tablename = ANY($1)
       AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))`,
      [TABLES],
    )
  ).rows;
  // Foreign keys of other tables into these first, then ours.
  const referencing = (
    await pool.query<{ table: string; name: string; definition: string }>(
      `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE contype = 'f' AND confrelid::regclass::text = ANY($1)
       AND NOT conrelid::regclass::text = ANY($1)`,
      [TABLES],
    )
  ).rows.map((row) => ({ ...row, isForeignKey: true }));
  for (const constraint of [...referencing, ...constraints].sort(
    (a, b) => Number(b.isForeignKey) - Number(a.isForeignKey),
  )) {
    await pool.query(`ALTER TABLE ${constraint.table} DROP CONSTRAINT ${constraint.name}`);
  }
  for (const index of indexes) await pool.query(`DROP INDEX ${index.indexname}`);
  return { constraints: [...constraints, ...referencing], indexes: indexes.map((index) => index.indexdef) };
}

async function restoreIndexes(pool: pg.Pool, saved: SavedSchema): Promise<void> {
  for (const constraint of saved.constraints.filter((c) => !c.isForeignKey)) {
    await pool.query(
      `ALTER TABLE ${constraint.table} ADD CONSTRAINT ${constraint.name} ${constraint.definition}`,
    );
  }
  await Promise.all(saved.indexes.map((definition) => pool.query(definition)));
  // Generated rows are consistent by construction; new rows are checked from here on.
  for (const constraint of saved.constraints.filter((c) => c.isForeignKey)) {
    await pool.query(
      `ALTER TABLE ${constraint.table} ADD CONSTRAINT ${constraint.name} ${constraint.definition} NOT VALID`,
    );
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * Requests arrive on a fixed schedule whatever the answers do (an open loop), and each latency is counted
 * from its scheduled start, so a slow answer that delays the next ones is not hidden.
 */
async function sustained(
  label: string,
  requestsPerSecond: number,
  durationSeconds: number,
  request: (n: number) => Promise<void>,
): Promise<{ label: string; count: number; p50: number; p99: number; max: number; achieved: number }> {
  const latencies: number[] = [];
  const total = Math.round(requestsPerSecond * durationSeconds);
  const interval = 1000 / requestsPerSecond;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = started + n * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      request(n).then(() => {
        latencies.push(performance.now() - due);
      }),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    label,
    count: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
    achieved: latencies.length / elapsed,
  };
}

/** A practitioner holding an account at the vendor (practitioner p's first account is at vendor p mod 5). */
function memberAt(vendorIndex: number): number {
  const low = vendorIndex === 0 ? 1 : 0;
  const high = Math.floor((sizes.practitioners - vendorIndex) / 5);
  return 5 * (low + Math.floor(Math.random() * (high - low + 1))) + vendorIndex;
}

/** Events as a connector produces them: new ones, with a share of messages already stored sent again. */
function ingestionBatches(vendorIndex: number, count: number): CanonicalEvent[][] {
  const vendor = VENDORS[vendorIndex] ?? 'mcs';
  const batches: CanonicalEvent[][] = [];
  const receivedAt = new Date().toISOString();
  const sent: CanonicalEvent[] = [];
  for (let start = 0; start < count; start += INGEST_BATCH) {
    const batch: CanonicalEvent[] = [];
    for (let k = 0; k < Math.min(INGEST_BATCH, count - start); k++) {
      const resent =
        Math.random() < DUPLICATE_SHARE ? sent[Math.floor(Math.random() * sent.length)] : undefined;
      if (resent) {
        batch.push(resent);
        continue;
      }
      const id = `new-${run}-${vendor}-${sent.length}`;
      const patient = 1 + Math.floor(Math.random() * sizes.patients);
      const event: CanonicalEvent = {
        vendor,
        vendorMessageId: id,
        vendorAccount: `a${memberAt(vendorIndex)}`,
        patientGroupRef: `g${patient}`,
        patientGroupName: `患者${patient}様 在宅チーム`,
        author: { role: 'nurse', roleLabel: '訪問看護師', name: '中村 優子' },
        occurredAt: new Date().toISOString(),
        kind: 'message',
        title: `訪問報告 ${id}`,
        body: '本日訪問しました。食事は普段どおり摂れています。',
        deepLink: `https://${vendor}.example.jp/messages/${id}`,
        receivedAt,
      };
      sent.push(event);
      batch.push(event);
    }
    batches.push(batch);
  }
  return batches;
}

// Settings that take effect without a restart; the data set fits the machine's page cache after warm-up.
const SERVER_SETTINGS = [
  `effective_cache_size = '${Math.round(os.totalmem() / 2 ** 20 / 2)}MB'`,
  "maintenance_work_mem = '1GB'",
  "max_wal_size = '16GB'",
  "checkpoint_timeout = '30min'",
  'max_parallel_maintenance_workers = 2',
  "work_mem = '32MB'",
];

async function main(): Promise<void> {
  // TIMELINE_BENCH_DATA keeps the generated cluster there for the next run (it is not deleted).
  const kept = env.TIMELINE_BENCH_DATA;
  const dataDir = kept ?? mkdtempSync(path.join(os.tmpdir(), 'timeline-bench-'));
  mkdirSync(dataDir, { recursive: true });
  chmodSync(dataDir, 0o711);
  let postgres: PostgresService | undefined;
  let pool: pg.Pool | undefined;
  try {
    log(
      `timeline benchmark: ${sizes.patients.toLocaleString()} patients, ${sizes.practitioners.toLocaleString()} practitioners, ${sizes.events.toLocaleString()} events`,
    );
    postgres = await startPostgres(dataDir, await freePort(), internalCa(path.join(dataDir, 'internal-ca')), [
      { name: 'timeline_bench', extensions: ['btree_gist'] },
    ]);
    pool = new pg.Pool({ connectionString: postgres.urlFor('timeline_bench'), max: 16 });
    // Server settings are the superuser's; the benchmark itself runs as the database's own role.
    const admin = new pg.Client({ connectionString: postgres.adminUrl });
    await admin.connect();
    try {
      for (const setting of SERVER_SETTINGS) await admin.query(`ALTER SYSTEM SET ${setting}`);
      await admin.query('SELECT pg_reload_conf()');
    } finally {
      await admin.end();
    }
    await migrate(pool, AUDIT_MIGRATIONS);
    await migrate(pool, path.join(root, 'workspace-app/src/db/migrations'));

    const setup = performance.now();
    const generated = await pool
      .query<{ sizes: string }>(`SELECT sizes::text FROM bench_generated WHERE sizes = $1::jsonb`, [
        JSON.stringify(sizes),
      ])
      .catch(() => ({ rows: [] }));
    if (generated.rows.length > 0) {
      log('reusing the data generated by an earlier run');
    } else {
      log('generating (inside PostgreSQL):');
      const saved = await dropIndexes(pool);
      await generate(pool);
      await timed('indexes and constraints', () => restoreIndexes(pool!, saved));
      await pool.query('DROP TABLE bench_plan, bench_vendors');
      await timed('vacuum and analyse', () => pool!.query('VACUUM ANALYZE'));
      await pool.query('CREATE TABLE bench_generated (sizes jsonb NOT NULL)');
      await pool.query('INSERT INTO bench_generated VALUES ($1)', [JSON.stringify(sizes)]);
    }
    const counts = (
      await pool.query<{ events: string; receipts: string; inboxes: string; size: string }>(
        `SELECT (SELECT count(*) FROM timeline_events) AS events,
           (SELECT count(*) FROM timeline_event_receipts) AS receipts,
           (SELECT count(*) FROM timeline_inbox) AS inboxes,
           pg_size_pretty(pg_database_size(current_database())) AS size`,
      )
    ).rows[0]!;
    log(
      `  ${Number(counts.events).toLocaleString()} events, ${Number(counts.receipts).toLocaleString()} receipts, ${Number(
        counts.inboxes,
      ).toLocaleString()} inbox rows, ${counts.size}, ${((performance.now() - setup) / 1000).toFixed(0)} s`,
    );

    const practitioner = () => `p${1 + Math.floor(Math.random() * sizes.practitioners)}`;
    const busiest = (
      await pool.query<{ practitioner_id: string; n: string }>(
        `SELECT practitioner_id, count(*) AS n FROM timeline_inbox WHERE practitioner_id IN ('p1', 'p2', 'p3')
         GROUP BY 1 ORDER BY 2 DESC LIMIT 1`,
      )
    ).rows[0];
    const pool_ = pool;
    if (env.TIMELINE_BENCH_EXPLAIN === '1') {
      const plan = await pool.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS) SELECT e.id FROM timeline_inbox i JOIN timeline_events e ON e.id = i.event_id
         LEFT JOIN timeline_patient_groups g ON g.vendor = e.vendor AND g.patient_group_ref = e.patient_group_ref
         WHERE i.practitioner_id = $1 ORDER BY i.occurred_at DESC, i.event_id DESC LIMIT 51`,
        [practitioner()],
      );
      log(plan.rows.map((row) => `  ${row['QUERY PLAN']}`).join('\n'));
    }
    // Warm the caches the way a running portal's would be.
    await sustained('warm-up', rate, Math.min(5, seconds), async () => {
      await readTimeline(pool_, practitioner(), { unread: false });
    });

    log(`\npage load: ${rate} requests/s for ${seconds} s, practitioners drawn evenly`);
    const results = [];
    results.push(
      await sustained('timeline page (50 items + unread counts)', rate, seconds, async () => {
        await readTimeline(pool_, practitioner(), { unread: false });
      }),
    );
    results.push(
      await sustained('timeline page, busiest practitioner', rate, Math.min(seconds, 10), async () => {
        await readTimeline(pool_, busiest?.practitioner_id ?? 'p1', { unread: false });
      }),
    );
    results.push(
      // Searching walks further back into a practitioner's items, mostly out of cache; it is far rarer
      // than opening the timeline, so it is measured at a tenth of the rate.
      await sustained('page with a search word (1/10 rate)', rate / 10, Math.min(seconds, 10), async () => {
        await readTimeline(pool_, practitioner(), { unread: false, q: '処方' });
      }),
    );
    results.push(
      await sustained('whole page data (+ connection health)', rate, Math.min(seconds, 10), async () => {
        await Promise.all([readTimeline(pool_, practitioner(), { unread: false }), listVendorHealth(pool_)]);
      }),
    );
    // The audited page at the full rate, right after the plain page at the same rate, for a ratio within the
    // run: the audit trail appends a page's records (one per patient shown) in batches shared by all pages.
    // As the portal runs it: the writer with connections of its own, beside the pool the pages read from.
    const auditPool = new pg.Pool({ connectionString: postgres.urlFor('timeline_bench'), max: 2 });
    const auditTrail = new AuditTrail(auditPool);
    const auditedBefore = Number((await pool.query('SELECT count(*) FROM audit_events')).rows[0].count);
    const plainForRatio = await sustained(
      'page alone (for the ratio below)',
      rate,
      Math.min(seconds, 10),
      async () => {
        await readTimeline(pool_, practitioner(), { unread: false });
      },
    );
    results.push(plainForRatio);
    const auditStarted = performance.now();
    results.push(
      await sustained('page with its audit records', rate, Math.min(seconds, 10), async () => {
        const id = practitioner();
        const page = await readTimeline(pool_, id, { unread: false });
        await auditTimelineRead(
          auditTrail,
          { practitioner: { id, organisation: 'bench' } },
          page.items,
          'page',
        );
      }),
    );
    const auditSeconds = (performance.now() - auditStarted) / 1000;
    const audited =
      Number((await pool.query('SELECT count(*) FROM audit_events')).rows[0].count) - auditedBefore;
    const auditedPage = results.at(-1)!;
    const auditsPerPage = audited / (auditedPage.count || 1);
    const auditAppendRate = audited / auditSeconds;
    const auditBatches = auditTrail.batchesWritten;
    await auditPool.end();

    log(
      '\ningestion: batches of 500 through the pull path (events, receipts, inboxes, cursor, one transaction)',
    );
    const workers = [0, 1].map((vendorIndex) => ({
      vendor: VENDORS[vendorIndex] ?? 'mcs',
      batches: ingestionBatches(vendorIndex, Math.round(ingestEvents / 2)),
    }));
    const before = Number((await pool.query('SELECT count(*) FROM timeline_events')).rows[0].count);
    const ingestStarted = performance.now();
    let offered = 0;
    let inserted = 0;
    await Promise.all(
      workers.map(async (worker) => {
        // A kept data set remembers the cursor of an earlier run.
        let cursor = await readCursor(pool_, worker.vendor);
        for (const batch of worker.batches) {
          const next = String(Number(cursor ?? 0) + 1);
          const stored = await storePulledBatch(pool_, {
            vendor: worker.vendor,
            events: batch,
            fromCursor: cursor,
            toCursor: next,
          });
          if (stored.outcome !== 'stored') throw new Error('another writer moved the cursor');
          cursor = next;
          offered += batch.length;
          inserted += stored.inserted;
        }
      }),
    );
    const ingestSeconds = (performance.now() - ingestStarted) / 1000;
    const after = Number((await pool.query('SELECT count(*) FROM timeline_events')).rows[0].count);
    if (after - before !== inserted)
      throw new Error(`stored ${after - before} events but counted ${inserted}`);

    const ms = (value: number) => `${value.toFixed(1)} ms`;
    log('\n| measurement | requests | p50 | p99 | max | achieved rate |');
    log('|---|---:|---:|---:|---:|---:|');
    for (const result of results) {
      log(
        `| ${result.label} | ${result.count} | ${ms(result.p50)} | ${ms(result.p99)} | ${ms(result.max)} | ${result.achieved.toFixed(0)}/s |`,
      );
    }
    log(
      '\n| ingestion | events offered | duplicates | new events | seconds | events/s (offered) | new events/s |',
    );
    log('|---|---:|---:|---:|---:|---:|---:|');
    log(
      `| 2 vendors in parallel | ${offered} | ${offered - inserted} (${(((offered - inserted) / offered) * 100).toFixed(0)}%) | ${inserted} | ${ingestSeconds.toFixed(1)} | ${(offered / ingestSeconds).toFixed(0)} | ${(inserted / ingestSeconds).toFixed(0)} |`,
    );
    const main = results[0]!;
    log(`\nmachine load (1-minute average, ${os.cpus().length} cores): ${os.loadavg()[0]?.toFixed(1)}`);
    log(
      `\ngoals: page p99 ${ms(main.p99)} (< 50 ms: ${main.p99 < 50 ? 'met' : 'NOT met'}), ingestion ${(
        offered / ingestSeconds
      ).toFixed(0)} events/s (> 5,000: ${offered / ingestSeconds > 5_000 ? 'met' : 'NOT met'})` +
        `; audit records per page read: ${auditsPerPage.toFixed(1)}`,
    );
    log(
      `audited page p50/p99 ${ms(auditedPage.p50)} / ${ms(auditedPage.p99)} against ${ms(plainForRatio.p50)} / ${ms(
        plainForRatio.p99,
      )} alone (ratio p50 ${(auditedPage.p50 / plainForRatio.p50).toFixed(2)}, p99 ${(
        auditedPage.p99 / plainForRatio.p99
      ).toFixed(
        2,
      )}; goal p99 < 50 ms at ${rate}/s: ${auditedPage.p99 < 50 ? 'met' : 'NOT met'}); audit appends ${auditAppendRate.toFixed(
        0,
      )} events/s in ${auditBatches} transactions (${(audited / Math.max(1, auditBatches)).toFixed(1)} events each)`,
    );
    writeRun('timeline', [
      { name: 'page p50', value: main.p50, unit: 'ms', better: 'lower' },
      { name: 'page p99', value: main.p99, unit: 'ms', better: 'lower' },
      {
        name: 'page alone p99 (beside the audited page)',
        value: plainForRatio.p99,
        unit: 'ms',
        better: 'lower',
      },
      { name: 'page with its audit records p50', value: auditedPage.p50, unit: 'ms', better: 'lower' },
      { name: 'page with its audit records p99', value: auditedPage.p99, unit: 'ms', better: 'lower' },
      { name: 'audit appends', value: auditAppendRate, unit: 'events/s', better: 'higher' },
      { name: 'ingestion offered', value: offered / ingestSeconds, unit: 'events/s', better: 'higher' },
      { name: 'ingestion new', value: inserted / ingestSeconds, unit: 'events/s', better: 'higher' },
    ]);
  } finally {
    await pool?.query('CHECKPOINT').catch(() => undefined);
    await pool?.end().catch(() => undefined);
    await postgres?.process.stop().catch(() => undefined);
    if (!kept) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
