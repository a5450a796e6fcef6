/**
 * The transfer search benchmark, on a real PostgreSQL holding Tokyo's ~640 hospitals and their ~2,500 wards:
 *  1. an MSW's search with a typical filter (the patient's preferred care area) at a sustained rate, measured
 *     as the portal runs it: access check, the request, free beds read fresh, ranking with explanations, and
 *     the audit record. Goal: p99 < 20 ms. The same search over all of Tokyo is measured beside it.
 *  2. the same search while the timeline ingests vendor messages into the same database (the realistic
 *     mix: the portal does both at once), at `TRANSFERS_BENCH_INGEST_RATE` events/s (default 1,000: a
 *     city-wide peak), through the pull path the connectors use. Goal: p99 < 20 ms still.
 *  3. the last-bed race: 50 MSWs confirm their accepted inquiries for the same last free bed at once.
 *     Exactly one must win.
 *
 * Run with `npx tsx benchmarks/transfers.bench.ts`. `TRANSFERS_BENCH_RATE` (searches/s, default 50),
 * `TRANSFERS_BENCH_SECONDS` (default 10), `TRANSFERS_BENCH_INGEST_RATE` and `TRANSFERS_BENCH_RACERS`
 * (default 50) shape it.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { AUDIT_MIGRATIONS, AuditTrail, migrate, type Practitioner } from '@hcw/common';
import { freePort } from '../scripts/stack/managed-process.js';
import { writeRun } from './support/results.js';
import { internalCa } from '../scripts/stack/internal-ca.js';
import { startPostgres, type PostgresService } from '../scripts/stack/services.js';
import type { CanonicalEvent } from '../workspace-app/src/connectors/canonical-event.js';
import { notifyPractitioners } from '../workspace-app/src/timeline/notify-practitioners.js';
import { readCursor, storePulledBatch } from '../workspace-app/src/timeline/store-pulled-batch.js';
import { answerInquiry } from '../workspace-app/src/transfers/answer-inquiry.js';
import { noCareTeamLookup } from '../workspace-app/src/transfers/care-team-lookup.js';
import { confirmInquiry } from '../workspace-app/src/transfers/confirm-inquiry.js';
import { createTransferRequest } from '../workspace-app/src/transfers/create-transfer-request.js';
import { HospitalProfileCache } from '../workspace-app/src/transfers/hospital-profile-cache.js';
import { hospitalStore } from '../workspace-app/src/transfers/hospital-store.js';
import { defaultStaleAfterHours } from '../workspace-app/src/transfers/rank-hospitals.js';
import {
  searchFiltersSchema,
  searchTransferHospitals,
  type SearchFilters,
} from '../workspace-app/src/transfers/search-transfer-hospitals.js';
import { seedDemoTransfers } from '../workspace-app/demo/seed-demo-transfers.js';
import { sendInquiries } from '../workspace-app/src/transfers/send-inquiries.js';
import { generateSyntheticTransferRequests } from '../workspace-app/demo/synthetic-hospitals.js';
import { tokyoAreas } from '../workspace-app/src/transfers/tokyo-areas.js';
import type { TransferDeps } from '../workspace-app/src/transfers/transfer-deps.js';
import { TransferConflictError } from '../workspace-app/src/transfers/transfer-errors.js';

// eslint-disable-next-line no-restricted-properties -- a benchmark's knobs are its environment
const env = process.env;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rate = Number(env.TRANSFERS_BENCH_RATE ?? 50);
const seconds = Number(env.TRANSFERS_BENCH_SECONDS ?? 10);
const racers = Number(env.TRANSFERS_BENCH_RACERS ?? 50);
const ingestRate = Number(env.TRANSFERS_BENCH_INGEST_RATE ?? 1000);
const INGEST_BATCH = 100;
/** Searching all of Tokyo ranks five to ten times as many hospitals; it is measured at a fifth of the rate. */
const wholeRate = Math.max(1, rate / 5);
const distinctRequests = 40;
const goalP99Ms = 20;

const log = (line: string) => process.stdout.write(`${line}\n`);

const msw: Practitioner = {
  id: 'msw.bench',
  displayName: 'ベンチ MSW',
  organisation: '東京中央病院 地域連携室',
  profession: '医療ソーシャルワーカー',
  roles: ['msw'],
};

interface Measured {
  label: string;
  count: number;
  p50: number;
  p99: number;
  max: number;
  achieved: number;
  /**
   * Where the time goes while it runs, to tell what a slower search waits on: this process's event loop
   * (p99 delay, ms), the share of one core this process used (searches, and the ingestion when it runs
   * beside them), and the share of the whole machine busy (PostgreSQL included).
   */
  eventLoopP99?: number;
  processCores?: number;
  machineBusy?: number;
}

/** The machine's busy and total CPU time so far, from /proc/stat (jiffies). */
function machineCpu(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * Starts one search every 1/rate seconds whether or not the earlier ones finished (an open loop), so a
 * slow search delays the ones behind it and shows in their latency, as it would for real users.
 */
async function sustained(
  label: string,
  perSecond: number,
  work: (n: number) => Promise<unknown>,
): Promise<Measured> {
  const total = Math.round(perSecond * seconds);
  const latencies: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpuBefore = process.cpuUsage();
  const machineBefore = machineCpu();
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let n = 0; n < total; n += 1) {
    const due = started + (n * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      work(n).then(() => {
        latencies.push(performance.now() - due);
      }),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  loop.disable();
  const cpu = process.cpuUsage(cpuBefore);
  const machineAfter = machineCpu();
  latencies.sort((a, b) => a - b);
  return {
    label,
    count: total,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? Number.NaN,
    achieved: total / elapsed,
    eventLoopP99: loop.percentile(99) / 1e6,
    processCores: (cpu.user + cpu.system) / 1e6 / elapsed,
    machineBusy: (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
  };
}

/** The same work with no overlap: what one search costs when it waits for nothing but itself. */
async function oneAtATime(label: string, work: (n: number) => Promise<unknown>): Promise<Measured> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const started = performance.now();
  for (let n = 0; n < total; n += 1) {
    const begun = performance.now();
    await work(n);
    latencies.push(performance.now() - begun);
  }
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    label,
    count: total,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? Number.NaN,
    achieved: total / elapsed,
  };
}

/**
 * The timeline's writer beside the searches: batches of new vendor messages (a fifth of them sent again, as
 * vendors do) stored through the pull path at `ingestRate` events/s until stopped. Returns what it stored.
 */
function startIngestion(pool: pg.Pool): { stop(): Promise<{ offered: number; seconds: number }> } {
  const vendor = 'kanamic';
  const sent: CanonicalEvent[] = [];
  let isStopped = false;
  let offered = 0;
  const started = performance.now();
  const loop = (async () => {
    let cursor = await readCursor(pool, vendor);
    for (let n = 0; !isStopped; n += 1) {
      const due = started + (n * INGEST_BATCH * 1000) / ingestRate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const batch: CanonicalEvent[] = [];
      for (let k = 0; k < INGEST_BATCH; k += 1) {
        const again =
          sent.length > 0 && Math.random() < 0.2 ? sent[Math.floor(Math.random() * sent.length)] : undefined;
        if (again) {
          batch.push(again);
          continue;
        }
        const id = `bench-${n}-${k}`;
        const event: CanonicalEvent = {
          vendor,
          vendorMessageId: id,
          vendorAccount: `office-${k % 50}`,
          patientGroupRef: `KG-${k % 400}`,
          patientGroupName: `患者${k % 400}様 在宅チーム`,
          author: { role: 'nurse', roleLabel: '訪問看護師', name: '中村 優子' },
          occurredAt: new Date().toISOString(),
          kind: 'message',
          title: `訪問報告 ${id}`,
          body: '本日訪問しました。食事は普段どおり摂れています。',
          deepLink: `https://kanamic.example.jp/messages/${id}`,
          receivedAt: new Date().toISOString(),
        };
        sent.push(event);
        batch.push(event);
      }
      const next = String(Number(cursor ?? 0) + 1);
      const stored = await storePulledBatch(pool, {
        vendor,
        events: batch,
        fromCursor: cursor,
        toCursor: next,
      });
      if (stored.outcome !== 'stored') throw new Error('another writer moved the cursor');
      cursor = next;
      offered += batch.length;
    }
  })();
  return {
    async stop() {
      isStopped = true;
      await loop;
      return { offered, seconds: (performance.now() - started) / 1000 };
    },
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'transfers-bench-'));
  chmodSync(dataDir, 0o711);
  let postgres: PostgresService | undefined;
  let pool: pg.Pool | undefined;
  try {
    log('Starting PostgreSQL and seeding Tokyo’s hospitals…');
    postgres = await startPostgres(dataDir, await freePort(), internalCa(path.join(dataDir, 'internal-ca')), [
      { name: 'transfers_bench', extensions: ['btree_gist'] },
    ]);
    pool = new pg.Pool({ connectionString: postgres.urlFor('transfers_bench'), max: 20 });
    await migrate(pool, AUDIT_MIGRATIONS);
    await migrate(pool, path.join(root, 'workspace-app/src/db/migrations'));
    await seedDemoTransfers(pool);
    const hospitals = await hospitalStore.load(pool);
    const wards = hospitals.reduce((sum, hospital) => sum + hospital.wards.length, 0);
    log(`  ${hospitals.length} hospitals, ${wards} wards`);

    const deps: TransferDeps = {
      pool,
      auditTrail: new AuditTrail(pool),
      careTeam: noCareTeamLookup,
      notify: notifyPractitioners,
      clock: () => new Date(),
      staleAfterHours: defaultStaleAfterHours,
      profiles: new HospitalProfileCache(pool),
    };

    // Requests of the common kinds, each searched in its own preferred care area.
    const searches: { requestId: string; filters: SearchFilters }[] = [];
    const asOf = new Date().toISOString();
    for (const details of generateSyntheticTransferRequests({ seed: 7, count: distinctRequests, asOf })) {
      const { id: _id, ...request } = details;
      const stored = await createTransferRequest(deps, msw, { patientId: null, request });
      const home = details.preferredMunicipalityIds[0];
      const areaIds = home ? [tokyoAreas.careAreaOf(home)] : [];
      searches.push({ requestId: stored.id, filters: searchFiltersSchema.parse({ areaIds }) });
    }
    const everywhere = searchFiltersSchema.parse({});

    log(
      `Searching for ${seconds} s at ${rate}/s, then one at a time, then all of Tokyo at ${wholeRate}/s (warm-up first)…`,
    );
    const pick = (n: number) => searches[n % searches.length] ?? searches[0]!;
    for (let n = 0; n < 50; n += 1)
      await searchTransferHospitals(deps, msw, pick(n).requestId, pick(n).filters);
    const typical = await sustained('typical filter (preferred care area)', rate, (n) =>
      searchTransferHospitals(deps, msw, pick(n).requestId, pick(n).filters),
    );
    const sequential = await oneAtATime('typical filter, one search at a time', (n) =>
      searchTransferHospitals(deps, msw, pick(n).requestId, pick(n).filters),
    );
    const whole = await sustained('all of Tokyo (no filter)', wholeRate, (n) =>
      searchTransferHospitals(deps, msw, pick(n).requestId, everywhere),
    );

    log(`Searching at ${rate}/s again while the timeline ingests ${ingestRate} events/s beside it…`);
    const ingestion = startIngestion(pool);
    const mixed = await sustained('typical filter, timeline ingesting beside', rate, (n) =>
      searchTransferHospitals(deps, msw, pick(n).requestId, pick(n).filters),
    );
    const ingested = await ingestion.stop();
    const ingestedRate = ingested.offered / ingested.seconds;

    log(`Racing ${racers} MSWs for the last bed…`);
    await pool.query(
      `UPDATE transfer_wards SET free_male_individual = 0, free_male_shared = 0, free_female_individual = 0,
         free_female_shared = 1, free_any_individual = 0, free_any_shared = 0, free_isolation_rooms = 0,
         version = version + 1
       WHERE hospital_id = 'tama-rehabilitation-hospital' AND id = 'tama-rehab-2f'`,
    );
    const bedManager: Practitioner = {
      id: 'beds.ito',
      displayName: '伊藤 健',
      organisation: '多摩リハビリテーション病院',
      profession: '看護師',
      roles: ['bed-manager'],
    };
    const contenders: { actor: Practitioner; inquiryId: string }[] = [];
    const [, sample] = generateSyntheticTransferRequests({ seed: 11, count: 2, asOf });
    if (!sample) throw new Error('no sample request');
    const { id: _sampleId, ...raceRequest } = sample;
    for (let n = 1; n <= racers; n += 1) {
      const actor: Practitioner = { ...msw, id: `msw.race-${n}`, organisation: `競合病院${n} 地域連携室` };
      const request = await createTransferRequest(deps, actor, {
        patientId: null,
        request: {
          ...raceRequest,
          patient: { ...raceRequest.patient, sex: 'female' },
          infections: [],
          careLevelItems: [],
          proceduresNeeded: [],
        },
      });
      const [inquiry] = await sendInquiries(deps, actor, request.id, {
        hospitalIds: ['tama-rehabilitation-hospital'],
      });
      if (!inquiry) throw new Error('no inquiry sent');
      await answerInquiry(deps, bedManager, inquiry.id, {
        answer: 'accept',
        wardId: 'tama-rehab-2f',
        roomType: 'shared',
        holdUntil: new Date(Date.now() + 86_400_000).toISOString(),
      });
      contenders.push({ actor, inquiryId: inquiry.id });
    }
    const raceStarted = performance.now();
    const outcomes = await Promise.all(
      contenders.map(({ actor, inquiryId }) =>
        confirmInquiry(deps, actor, inquiryId).then(
          () => 'won' as const,
          (error: unknown) => {
            if (error instanceof TransferConflictError && error.rule === 'no-bed-left')
              return 'refused' as const;
            throw error;
          },
        ),
      ),
    );
    const raceMs = performance.now() - raceStarted;
    const won = outcomes.filter((outcome) => outcome === 'won').length;
    const refused = outcomes.filter((outcome) => outcome === 'refused').length;
    const left = await pool.query<{ free: number }>(
      `SELECT free_female_shared AS free FROM transfer_wards WHERE id = 'tama-rehab-2f'`,
    );
    const holds = await pool.query(`SELECT 1 FROM transfer_bed_holds WHERE ward_id = 'tama-rehab-2f'`);

    const ms = (value: number) => `${value.toFixed(1)} ms`;
    log(
      `\n| search over ${hospitals.length} hospitals, ${wards} wards | searches | p50 | p99 | max | achieved rate |`,
    );
    log('|---|---:|---:|---:|---:|---:|');
    for (const result of [typical, sequential, whole, mixed]) {
      log(
        `| ${result.label} | ${result.count} | ${ms(result.p50)} | ${ms(result.p99)} | ${ms(result.max)} | ${result.achieved.toFixed(0)}/s |`,
      );
    }
    log(
      `\ntimeline ingestion beside the mixed run: ${ingestedRate.toFixed(0)} events/s offered (goal ${ingestRate})`,
    );
    log('\n| where the time goes | event-loop delay p99 | this process, cores | machine busy |');
    log('|---|---:|---:|---:|');
    for (const result of [typical, whole, mixed]) {
      log(
        `| ${result.label} | ${ms(result.eventLoopP99 ?? Number.NaN)} | ${(result.processCores ?? Number.NaN).toFixed(2)} | ${((result.machineBusy ?? Number.NaN) * 100).toFixed(0)}% |`,
      );
    }
    const [load1, load5] = os.loadavg();
    log(
      `\nload average while measuring: ${load1?.toFixed(1)} (1 min), ${load5?.toFixed(1)} (5 min) on ${os.cpus().length} cores`,
    );
    log('\n| last-bed race | MSWs | won | refused | beds left | beds held | time |');
    log('|---|---:|---:|---:|---:|---:|---:|');
    log(
      `| one free bed, all confirm at once | ${racers} | ${won} | ${refused} | ${left.rows[0]?.free} | ${holds.rowCount} | ${ms(raceMs)} |`,
    );
    const isRaceRight =
      won === 1 && refused === racers - 1 && left.rows[0]?.free === 0 && holds.rowCount === 1;
    log(
      `\ngoals: typical search p99 ${ms(typical.p99)} (< ${goalP99Ms} ms: ${typical.p99 < goalP99Ms ? 'met' : 'NOT met'}); ` +
        `with ingestion beside ${ms(mixed.p99)} (${mixed.p99 < goalP99Ms ? 'met' : 'NOT met'}); ` +
        `last bed promised exactly once: ${isRaceRight ? 'yes' : 'NO'}`,
    );
    writeRun('transfers', [
      { name: 'typical search p50', value: typical.p50, unit: 'ms', better: 'lower' },
      { name: 'typical search p99', value: typical.p99, unit: 'ms', better: 'lower' },
      { name: 'typical search rate achieved', value: typical.achieved, unit: '/s', better: 'higher' },
      { name: 'one search at a time p50', value: sequential.p50, unit: 'ms', better: 'lower' },
      { name: 'all of Tokyo p99', value: whole.p99, unit: 'ms', better: 'lower' },
      { name: 'typical search p99, ingestion beside', value: mixed.p99, unit: 'ms', better: 'lower' },
      { name: 'ingestion beside the searches', value: ingestedRate, unit: 'events/s', better: 'higher' },
      {
        name: 'event-loop delay p99, searches alone',
        value: typical.eventLoopP99!,
        unit: 'ms',
        better: 'lower',
      },
      {
        name: 'event-loop delay p99, ingestion beside',
        value: mixed.eventLoopP99!,
        unit: 'ms',
        better: 'lower',
      },
      { name: 'process cores, searches alone', value: typical.processCores!, unit: 'cores', better: 'lower' },
      { name: 'process cores, ingestion beside', value: mixed.processCores!, unit: 'cores', better: 'lower' },
      { name: 'machine busy, searches alone', value: typical.machineBusy!, unit: 'share', better: 'lower' },
      { name: 'machine busy, ingestion beside', value: mixed.machineBusy!, unit: 'share', better: 'lower' },
      { name: 'last-bed race', value: raceMs, unit: 'ms', better: 'lower' },
    ]);
    if (!isRaceRight) process.exitCode = 1;
  } finally {
    await pool?.end().catch(() => undefined);
    await postgres?.process.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
