/**
 * Every page a practitioner, an MSW and a bed manager open in the portal, with its audit records written
 * (what users get) and, in the same run, with a trail that records nothing (what the page costs without
 * them), requests taking turns ABBA so the machine's load falls on both alike.
 *
 * The portal's own app (createPortalApp) twice in this process, on one PostgreSQL (TLS, service roles, as in
 * the stack) and one Redis holding the sessions: the demo's patients, hospitals, transfer request and
 * inquiry, plus a timeline of `PORTAL_PAGES_BENCH_EVENTS` (default 5,000) events at nurse.sato's five vendor
 * accounts for the demo's patients, so her timeline pages are full (50 items, one audit record per patient
 * shown). The audited app has the audit writer of main.ts (one per process, connections of its own); the
 * other a trail whose `recordAll` resolves at once. Each signed-in person has one session, valid on both.
 *
 * Run with `npm run bench portal-pages`. `PORTAL_PAGES_BENCH_ROUNDS` (default 150) sets the requests per page
 * and per trail; requests go one at a time, as one person clicks.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createClient, type RedisClientType } from 'redis';
import {
  AUDIT_MIGRATIONS,
  AuditTrail,
  emptyAuditTimings,
  HANDOFF_PATH,
  migrate,
  redisClientOptions,
  signRequest,
  type AuditEvent,
  type Practitioner,
} from '@hcw/common';
import { freePort } from '../scripts/stack/managed-process.js';
import { internalCa } from '../scripts/stack/internal-ca.js';
import {
  startPostgres,
  startRedis,
  type PostgresService,
  type RedisService,
} from '../scripts/stack/services.js';
import { createPortalApp } from '../workspace-app/src/app.js';
import type { PortalConfig } from '../workspace-app/src/config.js';
import { PORTAL_MIGRATIONS } from '../workspace-app/src/db/migrations.js';
import type { CanonicalEvent } from '../workspace-app/src/connectors/canonical-event.js';
import { storePulledBatch } from '../workspace-app/src/timeline/store-pulled-batch.js';
import { seedDemo } from '../workspace-app/demo/seed-demo.js';
import { DEMO_PATIENT_IDS } from '../workspace-app/demo/seed-demo-patients.js';
import { demoAccountLinks } from '../workspace-app/demo/seed-demo-timeline.js';
import { demoCareTeams, demoMessages, cycle } from '../workspace-app/sandboxes/demo-care-teams.js';
import { demoPeople } from '../tests/workspace-app/ui/portal-with-demo-data.js';
import { PORTAL_PAGES, type Role } from '../tests/workspace-app/ui/portal-pages-by-role.js';
import { formatTable } from './support/tunnel/format-table.js';
import { percentile } from './support/tunnel/percentile.js';
import { writeRun, type Figure } from './support/results.js';

// eslint-disable-next-line no-restricted-properties -- a benchmark's knobs are its environment
const env = process.env;
const rounds = Number(env.PORTAL_PAGES_BENCH_ROUNDS ?? 150);
const timelineEvents = Number(env.PORTAL_PAGES_BENCH_EVENTS ?? 5_000);
const WARM_UP = 5;

const log = (line: string) => process.stdout.write(`${line}\n`);

const people: Record<Role, Practitioner> = {
  practitioner: demoPeople.sato,
  msw: demoPeople.takahashi,
  bedManager: demoPeople.ito,
};

const pages = PORTAL_PAGES;
const patient = DEMO_PATIENT_IDS.yamaguchiMasao;

/** The comparison: a trail that accepts every event and writes nothing. */
/** The audit writer's phases, as AuditTrail.timings sums them. */
const WRITER_PHASES = ['queuedMs', 'connectMs', 'lockMs', 'headMs', 'insertMs', 'commitMs'] as const;

class NoAuditTrail extends AuditTrail {
  override async recordAll(_inputs: readonly AuditEvent[]): Promise<void> {}
}

/** nurse.sato's timeline: events at each of her five vendor accounts, about the demo's mapped patients. */
async function fillTimeline(pool: pg.Pool): Promise<void> {
  const links = demoAccountLinks.filter((link) => link.practitionerId === 'nurse.sato');
  const perLink = Math.ceil(timelineEvents / links.length);
  const started = Date.now() - perLink * 60_000;
  for (const link of links) {
    for (let start = 0; start < perLink; start += 500) {
      const events: CanonicalEvent[] = [];
      for (let i = start; i < Math.min(perLink, start + 500); i++) {
        const team = cycle(demoCareTeams, i);
        const id = `bench-${link.vendor}-${i}`;
        const at = new Date(started + i * 60_000).toISOString();
        events.push({
          vendor: link.vendor,
          vendorMessageId: id,
          vendorAccount: link.vendorAccount,
          patientGroupRef:
            link.vendor === 'fhir' ? `Patient/${team.groupId.replace(/^grp-/, 'pat-')}` : team.groupId,
          patientGroupName: team.groupName,
          author: { role: 'nurse', roleLabel: '訪問看護師', name: '中村 優子' },
          occurredAt: at,
          kind: 'message',
          title: `訪問報告 ${i}`,
          body: cycle(demoMessages, i),
          deepLink: `https://${link.vendor}.example.jp/messages/${id}`,
          receivedAt: at,
        });
      }
      const stored = await storePulledBatch(pool, {
        vendor: link.vendor,
        events,
        fromCursor: start === 0 ? undefined : `bench-${link.vendor}-${start}`,
        toCursor: `bench-${link.vendor}-${start + 500}`,
      });
      if (stored.outcome !== 'stored') throw new Error(`the timeline refused a batch at ${link.vendor}`);
    }
  }
}

async function listen(app: ReturnType<typeof createPortalApp>): Promise<{ server: Server; url: string }> {
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function signIn(url: string, handoffSecret: string, practitioner: Practitioner): Promise<string> {
  const body = JSON.stringify({ practitioner });
  const created = await fetch(`${url}${HANDOFF_PATH}`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      ...signRequest(handoffSecret, 'POST', HANDOFF_PATH, body),
    },
  });
  if (created.status !== 201) throw new Error(`the hand-off was refused (${created.status})`);
  const handoffUrl = ((await created.json()) as { url: string }).url;
  // The hand-off names the configured public address; the same path on the server this process listens on.
  const { pathname, search } = new URL(handoffUrl);
  const opened = await fetch(`${url}${pathname}${search}`, { redirect: 'manual' });
  const cookie = opened.headers.getSetCookie().find((line) => line.startsWith('portal.sid='));
  if (opened.status !== 303 || !cookie)
    throw new Error(`the hand-off answered ${opened.status} without a session`);
  return cookie.split(';')[0]!;
}

async function timedGet(url: string, cookie: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  await response.arrayBuffer();
  const elapsed = performance.now() - started;
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return elapsed;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-pages-bench-'));
  chmodSync(dataDir, 0o711);
  let postgres: PostgresService | undefined;
  let redisService: RedisService | undefined;
  let pool: pg.Pool | undefined;
  let auditPool: pg.Pool | undefined;
  let redis: RedisClientType | undefined;
  const servers: Server[] = [];
  try {
    const ca = internalCa(path.join(dataDir, 'internal-ca'));
    redisService = await startRedis(dataDir, await freePort(), ca);
    postgres = await startPostgres(dataDir, await freePort(), ca, [
      { name: 'portal', extensions: ['btree_gist'] },
    ]);
    const databaseUrl = postgres.urlFor('portal');
    pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
    await migrate(pool, AUDIT_MIGRATIONS);
    await migrate(pool, PORTAL_MIGRATIONS);
    const seeding = performance.now();
    await seedDemo(pool);
    await fillTimeline(pool);
    log(
      `demo data and ${timelineEvents.toLocaleString()} timeline events: ${((performance.now() - seeding) / 1000).toFixed(0)} s`,
    );
    const redisCa = readFileSync(ca.certFile, 'utf8');
    redis = createClient(redisClientOptions(redisService.serviceUrls.portal, redisCa)) as RedisClientType;
    await redis.connect();
    const handoffSecret = randomBytes(32).toString('base64url');
    const config: PortalConfig = {
      env: 'test',
      auditArchive: undefined,
      host: '127.0.0.1',
      port: 0,
      publicUrl: 'http://127.0.0.1',
      databaseUrl,
      redisUrl: redisService.serviceUrls.portal,
      redisCa,
      sessionSecret: randomBytes(32).toString('base64url'),
      handoffSecret,
      sessionIdleMinutes: 60,
      connectors: {},
      timelinePollMs: 60_000,
      demoData: true,
      bedsStaleAfterHours: 24,
    };
    // As main.ts: the audit writer with connections of its own.
    auditPool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    const auditTrail = new AuditTrail(auditPool);
    const audited = await listen(createPortalApp({ config, pool, redis, auditTrail }));
    const plain = await listen(createPortalApp({ config, pool, redis, auditTrail: new NoAuditTrail(pool) }));
    servers.push(audited.server, plain.server);

    const cookies = new Map<Role, string>();
    for (const role of Object.keys(people) as Role[]) {
      cookies.set(role, await signIn(audited.url, handoffSecret, people[role]));
    }
    const record = await fetch(`${audited.url}/patients/${patient}`, {
      headers: { cookie: cookies.get('practitioner')! },
    });
    const firstItem = /\/items\/([^/"]+)\/history/.exec(await record.text())?.[1];
    if (!firstItem) throw new Error('the demo record shows no item with a history');

    const auditCount = async () =>
      Number((await pool!.query<{ n: string }>('SELECT count(*) AS n FROM audit_events')).rows[0]!.n);
    const rows: string[][] = [];
    const figures: Figure[] = [];
    /** Where an audited request's records spend their time in the writer, per page (ms per caller). */
    const writerRows: string[][] = [];
    const writerTotals = emptyAuditTimings();
    const ratios: { p50: number[]; p95: number[]; p99: number[] } = { p50: [], p95: [], p99: [] };
    log(`\n${rounds} requests per page and per trail, one at a time, ABBA\n`);
    for (const page of pages) {
      const where = page.path.replace('{first-item}', firstItem);
      const cookie = cookies.get(page.role)!;
      for (let i = 0; i < WARM_UP; i++) {
        await timedGet(`${audited.url}${where}`, cookie);
        await timedGet(`${plain.url}${where}`, cookie);
      }
      const withAudit: number[] = [];
      const without: number[] = [];
      const before = await auditCount();
      const timingsBefore = { ...auditTrail.timings };
      for (let i = 0; i < rounds; i++) {
        if (i % 2 === 0) {
          withAudit.push(await timedGet(`${audited.url}${where}`, cookie));
          without.push(await timedGet(`${plain.url}${where}`, cookie));
        } else {
          without.push(await timedGet(`${plain.url}${where}`, cookie));
          withAudit.push(await timedGet(`${audited.url}${where}`, cookie));
        }
      }
      await auditTrail.flush();
      const recordsPerView = ((await auditCount()) - before) / rounds;
      const callers = auditTrail.timings.callers - timingsBefore.callers;
      if (callers > 0) {
        writerRows.push([
          `${page.role}: ${page.name}`,
          (callers / rounds).toFixed(2),
          ...WRITER_PHASES.map((phase) =>
            ((auditTrail.timings[phase] - timingsBefore[phase]) / callers).toFixed(2),
          ),
        ]);
        for (const phase of WRITER_PHASES) {
          writerTotals[phase] += auditTrail.timings[phase] - timingsBefore[phase];
        }
        writerTotals.callers += callers;
      }
      const a = {
        p50: percentile(withAudit, 50),
        p95: percentile(withAudit, 95),
        p99: percentile(withAudit, 99),
      };
      const b = { p50: percentile(without, 50), p95: percentile(without, 95), p99: percentile(without, 99) };
      for (const p of ['p50', 'p95', 'p99'] as const) ratios[p].push(a[p] / b[p]);
      rows.push([
        `${page.role}: ${page.name}`,
        recordsPerView.toFixed(1),
        a.p50.toFixed(1),
        a.p95.toFixed(1),
        a.p99.toFixed(1),
        b.p50.toFixed(1),
        b.p95.toFixed(1),
        b.p99.toFixed(1),
        (a.p50 / b.p50).toFixed(2),
        (a.p95 / b.p95).toFixed(2),
        (a.p99 / b.p99).toFixed(2),
      ]);
      for (const [p, value] of Object.entries(a)) {
        figures.push({
          name: `${page.role}: ${page.name}, audited ${p}`,
          value,
          unit: 'ms',
          better: 'lower',
        });
      }
      for (const [p, value] of Object.entries(b)) {
        figures.push({
          name: `${page.role}: ${page.name}, no audit ${p}`,
          value,
          unit: 'ms',
          better: 'lower',
        });
      }
      figures.push({
        name: `${page.role}: ${page.name}, audit records per view`,
        value: recordsPerView,
        unit: 'records',
        better: 'lower',
      });
    }
    log(
      formatTable(
        [
          'page (ms)',
          'records',
          'audited p50',
          'p95',
          'p99',
          'no audit p50',
          'p95',
          'p99',
          'ratio p50',
          'p95',
          'p99',
        ],
        rows,
      ),
    );
    const geometricMean = (values: number[]) =>
      Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
    const worst = (values: number[]) => Math.max(...values);
    log(
      `\nratio audited / no audit over the ${pages.length} pages: geometric mean p50 ${geometricMean(ratios.p50).toFixed(2)}, p95 ${geometricMean(ratios.p95).toFixed(2)}, p99 ${geometricMean(ratios.p99).toFixed(2)}; worst page p50 ${worst(ratios.p50).toFixed(2)}, p95 ${worst(ratios.p95).toFixed(2)}, p99 ${worst(ratios.p99).toFixed(2)}`,
    );
    log(`audit writer: ${auditTrail.batchesWritten} transactions`);
    log(
      `\nwhere the audit writer's time goes, per caller (one audited operation), ms:\n${formatTable(
        ['page', 'callers / request', ...WRITER_PHASES.map((phase) => phase.replace(/Ms$/, ''))],
        [
          ...writerRows,
          [
            'all pages',
            '',
            ...WRITER_PHASES.map((phase) => (writerTotals[phase] / writerTotals.callers).toFixed(2)),
          ],
        ],
      )}`,
    );
    for (const phase of WRITER_PHASES) {
      figures.push({
        name: `audit writer per caller: ${phase.replace(/Ms$/, '')}`,
        value: writerTotals[phase] / writerTotals.callers,
        unit: 'ms',
        better: 'lower',
      });
    }
    log(
      `machine load (1, 5, 15 min, ${os.cpus().length} cores): ${os
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(', ')}`,
    );
    for (const p of ['p50', 'p95', 'p99'] as const) {
      figures.push({
        name: `ratio audited / no audit ${p}, geometric mean of pages`,
        value: geometricMean(ratios[p]),
        unit: '×',
        better: 'lower',
      });
      figures.push({
        name: `ratio audited / no audit ${p}, worst page`,
        value: worst(ratios[p]),
        unit: '×',
        better: 'lower',
      });
    }
    const file = writeRun('portal-pages', figures);
    log(`figures in ${file}`);
  } finally {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    await redis?.quit().catch(() => undefined);
    await pool?.end().catch(() => undefined);
    await auditPool?.end().catch(() => undefined);
    await postgres?.process.stop().catch(() => undefined);
    await redisService?.process.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
