/**
 * The tunnel benchmark: what the broker's tunnel costs over a straight connection to guacd, what a desktop
 * sends to the browser, and what many tunnels at once cost the broker. Real guacd, a real desktop (Xvnc,
 * openbox, kiosk Chromium), the broker's own TunnelServer in a process of its own; `BENCH_QUICK=1` for a
 * smaller run. Run with `npx tsx benchmarks/tunnel.bench.ts`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { encryptToken } from '../broker/src/tunnel/connection-token.js';
import { lockdownSettings } from '../broker/src/tunnel/lockdown.js';
import { delay, freePort } from '../scripts/stack/managed-process.js';
import { BROKER_IDENTITY } from '@hcw/common';
import { internalCa } from '../scripts/stack/internal-ca.js';
import { startGuacd, startRedis } from '../scripts/stack/services.js';
import { startBenchDesktop, type BenchDesktop } from './support/tunnel/bench-desktop.js';
import { BrokerTunnelSession, type TunnelTicket } from './support/tunnel/broker-tunnel-session.js';
import { loadTunnelBenchConfig } from './support/tunnel/config.js';
import {
  DirectGuacdSession,
  type DisplaySize,
  type GuacdAddress,
} from './support/tunnel/direct-guacd-session.js';
import { DisplayProbe } from './support/tunnel/display-probe.js';
import { formatTable } from './support/tunnel/format-table.js';
import { recordGuacd, type GuacdRecording } from './support/tunnel/guacd-recording.js';
import type { GuacamoleSession } from './support/tunnel/guacamole-session.js';
import { median, percentile } from './support/tunnel/percentile.js';
import { writeRun } from './support/results.js';
import { ReplayingGuacd } from './support/tunnel/replaying-guacd.js';
import { TunnelHostClient } from './support/tunnel/tunnel-host-client.js';
import type { HostMemory } from './support/tunnel/tunnel-host-protocol.js';

const config = loadTunnelBenchConfig();
const DESKTOP_ID = 'bench-desktop';
const TYPING_INTERVAL_MS = 150;
const KEYSYM_A = 0x61;

type PathName = 'broker' | 'direct';

interface Rig {
  guacd: GuacdAddress;
  /** guacd's certificate and key (PEM), which the stand-in guacd shows too. */
  guacdCertificate: { cert: string; key: string };
  desktop: BenchDesktop;
  host: TunnelHostClient;
  tunnelKey: Buffer;
  tunnelUrl: string;
  origin: string;
  users: { userId: string; cookie: string }[];
  display: DisplaySize;
}

function vncSettings(desktop: BenchDesktop): Record<string, string> {
  return {
    hostname: '127.0.0.1',
    port: String(desktop.vncPort),
    password: desktop.vncPassword,
    ...lockdownSettings({ disablePaste: true }),
  };
}

/** A ticket as `POST /api/desktop/connect` hands one out: a fresh single-use token for the user's desktop. */
function ticketFor(rig: Rig, userIndex: number, guacd: GuacdAddress): TunnelTicket {
  const user = rig.users[userIndex];
  if (!user) throw new Error(`no signed-in user number ${userIndex}`);
  const { token } = encryptToken(
    rig.tunnelKey,
    {
      userId: user.userId,
      desktopId: DESKTOP_ID,
      connection: {
        type: 'vnc',
        guacdHost: guacd.host,
        guacdPort: guacd.port,
        settings: { ...vncSettings(rig.desktop), port: rig.desktop.vncPort },
      },
    },
    60,
  );
  return { url: rig.tunnelUrl, origin: rig.origin, cookie: user.cookie, token };
}

/** How a path is opened, with its token (if any) made beforehand: the browser has it before it connects. */
function opener(rig: Rig, name: PathName): () => Promise<GuacamoleSession> {
  if (name === 'direct')
    return () => DirectGuacdSession.open(rig.guacd, vncSettings(rig.desktop), rig.display);
  const ticket = ticketFor(rig, 0, rig.guacd);
  return () => BrokerTunnelSession.open(ticket, rig.display);
}

const keysym = (n: number): number => KEYSYM_A + (n % 26);

// 1. Time to first image and key-press-to-draw latency, broker against direct, interleaved.

interface LatencySamples {
  /** Broker only: when the WebSocket upgrade was accepted. */
  upgraded: number[];
  ready: number[];
  firstImage: number[];
  keyToDraw: number[];
  missedKeys: number;
}

async function measureLatency(rig: Rig): Promise<Record<PathName, LatencySamples>> {
  const samples: Record<PathName, LatencySamples> = {
    broker: { upgraded: [], ready: [], firstImage: [], keyToDraw: [], missedKeys: 0 },
    direct: { upgraded: [], ready: [], firstImage: [], keyToDraw: [], missedKeys: 0 },
  };
  let typed = 0;
  const rounds = config.warmUpTrials + config.latencyTrials;
  for (let round = 0; round < rounds; round++) {
    const isWarmUp = round < config.warmUpTrials;
    for (const name of ['broker', 'direct'] as const) {
      const open = opener(rig, name);
      const startedAt = performance.now();
      const session = await open();
      const readyAt = performance.now();
      const probe = new DisplayProbe(session);
      try {
        const firstImageAt = await probe.firstDraw();
        const keys: number[] = [];
        let missed = 0;
        for (let k = 0; k < config.keysPerTrial; k++) {
          try {
            keys.push(await probe.keyToDraw(keysym(typed++)));
          } catch {
            missed++;
          }
        }
        if (!isWarmUp) {
          if (session instanceof BrokerTunnelSession && session.upgradedAt !== undefined)
            samples[name].upgraded.push(session.upgradedAt - startedAt);
          samples[name].ready.push(readyAt - startedAt);
          samples[name].firstImage.push(firstImageAt - startedAt);
          samples[name].keyToDraw.push(...keys);
          samples[name].missedKeys += missed;
        }
      } finally {
        probe.dispose();
        await session.close();
      }
      // guacd ends its VNC connection after ours; the desktop takes one viewer at a time.
      await delay(300);
    }
    process.stdout.write(`  latency round ${round + 1}/${rounds}${isWarmUp ? ' (warm-up)' : ''}\n`);
  }
  for (const name of ['broker', 'direct'] as const) {
    if (samples[name].keyToDraw.length === 0)
      throw new Error(`no key press through the ${name} path changed the screen: is the kiosk focused?`);
  }
  return samples;
}

// 2. Bytes per second to the browser, idle and busy.

interface Throughput {
  bytesPerSecond: number;
  messagesPerSecond: number;
  framesPerSecond: number;
}

async function watchThroughput(session: GuacamoleSession, seconds: number): Promise<Throughput> {
  let frames = 0;
  const stop = session.onInstruction((opcode) => {
    if (opcode === 'sync') frames++;
  });
  const [bytes, messages, startedAt] = [session.bytesReceived, session.messagesReceived, performance.now()];
  await delay(seconds * 1000);
  const elapsed = (performance.now() - startedAt) / 1000;
  stop();
  return {
    bytesPerSecond: (session.bytesReceived - bytes) / elapsed,
    messagesPerSecond: (session.messagesReceived - messages) / elapsed,
    framesPerSecond: frames / elapsed,
  };
}

async function measureThroughput(
  rig: Rig,
): Promise<Record<PathName, { idle: Throughput; busy: Throughput }>> {
  const result: Partial<Record<PathName, { idle: Throughput; busy: Throughput }>> = {};
  for (const name of ['broker', 'direct'] as const) {
    const session = await opener(rig, name)();
    const probe = new DisplayProbe(session);
    try {
      await probe.firstDraw();
      await probe.settle(500, 10000);
      const idle = await watchThroughput(session, config.throughputSeconds);
      rig.desktop.setMode('busy');
      // The page polls its mode every 200 ms; let the animation get going before counting.
      await delay(1000);
      const busy = await watchThroughput(session, config.throughputSeconds);
      result[name] = { idle, busy };
    } finally {
      rig.desktop.setMode('idle');
      probe.dispose();
      await session.close();
    }
    await delay(1000);
    process.stdout.write(`  bytes per second through the ${name} path measured\n`);
  }
  return result as Record<PathName, { idle: Throughput; busy: Throughput }>;
}

// 3. Many tunnels at once, fed by a recording of a real guacd session.

/**
 * Records a real session of someone typing into the page, a key every 150 ms: what most of the broker's
 * tunnels carry most of the time (forms and notes, not video).
 */
async function recordSession(rig: Rig): Promise<GuacdRecording> {
  const session = await DirectGuacdSession.open(rig.guacd, vncSettings(rig.desktop), rig.display);
  try {
    return await recordGuacd(session, config.recordSeconds * 1000, async (signal) => {
      for (let n = 0; !signal.aborted; n++) {
        session.send('key', String(keysym(n)), '1');
        session.send('key', String(keysym(n)), '0');
        await delay(TYPING_INTERVAL_MS);
      }
    });
  } finally {
    await session.close();
  }
}

interface ConcurrencyResult {
  tunnels: number;
  openMs: number;
  idle: { p99: number; memory: HostMemory };
  loaded: {
    p50: number;
    p99: number;
    max: number;
    cpuShare: number;
    loopUtilization: number;
    gc: { count: number; totalMs: number; maxMs: number };
    memory: HostMemory;
    liveTunnels: number;
  };
  deliveredBytesPerSecond: number;
  syncRoundTrip: { p50: number; p99: number };
  framesHeldBack: number;
  framesSent: number;
  closedEarly: number;
  hostLogs: string[];
}

async function measureConcurrency(rig: Rig, recording: GuacdRecording): Promise<ConcurrencyResult> {
  const replay = new ReplayingGuacd(recording, rig.guacdCertificate);
  const standIn: GuacdAddress = { host: '127.0.0.1', port: await replay.listen(), ca: rig.guacd.ca };
  const sessions: BrokerTunnelSession[] = [];
  try {
    await rig.host.request({ type: 'mark' }, 'marked');
    await delay(2000);
    const idle = await rig.host.request({ type: 'measure' }, 'measured');

    const openedAt = performance.now();
    const opening = Array.from({ length: config.concurrentTunnels }, (_, i) =>
      BrokerTunnelSession.open(ticketFor(rig, i, standIn), rig.display),
    );
    const settled = await Promise.allSettled(opening);
    const openMs = performance.now() - openedAt;
    for (const outcome of settled) if (outcome.status === 'fulfilled') sessions.push(outcome.value);
    const refused = settled.find((outcome) => outcome.status === 'rejected');
    if (refused) throw new Error(`only ${sessions.length} tunnels opened: ${String(refused.reason)}`);

    // Past the opening frames, into the steady stream.
    await delay(2000);
    replay.takeStats();
    const bytesBefore = sessions.reduce((sum, session) => sum + session.bytesReceived, 0);
    await rig.host.request({ type: 'mark' }, 'marked');
    const startedAt = performance.now();
    await delay(config.concurrentSeconds * 1000);
    const loaded = await rig.host.request({ type: 'measure' }, 'measured');
    const elapsed = (performance.now() - startedAt) / 1000;
    const bytesAfter = sessions.reduce((sum, session) => sum + session.bytesReceived, 0);
    const stats = replay.takeStats();
    return {
      tunnels: sessions.length,
      openMs,
      idle: { p99: idle.eventLoopDelay.p99, memory: idle.memory },
      loaded: {
        ...loaded.eventLoopDelay,
        cpuShare: loaded.cpuShare,
        loopUtilization: loaded.loopUtilization,
        gc: loaded.gc,
        memory: loaded.memory,
        liveTunnels: loaded.liveTunnels,
      },
      deliveredBytesPerSecond: (bytesAfter - bytesBefore) / elapsed,
      syncRoundTrip: {
        p50: median(stats.syncRoundTrips),
        p99: percentile(stats.syncRoundTrips, 99),
      },
      framesHeldBack: stats.framesHeldBack,
      framesSent: stats.framesSent,
      closedEarly: sessions.filter((session) => session.isClosed).length,
      hostLogs: [...idle.logs, ...loaded.logs],
    };
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
    await replay.close();
  }
}

// Report.

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(1) : '-');
const kib = (bytes: number): string => (bytes / 1024).toFixed(bytes < 10 * 1024 ? 2 : 1);
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? (a / b).toFixed(3) : '-');
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

function latencyTable(samples: Record<PathName, LatencySamples>): string {
  const row = (label: string, pick: (s: LatencySamples) => number[]): string[] => {
    const broker = pick(samples.broker);
    const direct = pick(samples.direct);
    return [
      label,
      String(Math.max(broker.length, direct.length)),
      ms(median(broker)),
      ms(percentile(broker, 95)),
      ms(median(direct)),
      ms(percentile(direct, 95)),
      ratio(median(broker), median(direct)),
      ratio(percentile(broker, 95), percentile(direct, 95)),
    ];
  };
  return formatTable(
    ['ms', 'n', 'broker p50', 'broker p95', 'direct p50', 'direct p95', 'ratio p50', 'ratio p95'],
    [
      row('connect to upgrade accepted', (s) => s.upgraded),
      row('connect to ready', (s) => s.ready),
      row('connect to first image', (s) => s.firstImage),
      row('key press to drawn frame', (s) => s.keyToDraw),
    ],
  );
}

function throughputTable(result: Record<PathName, { idle: Throughput; busy: Throughput }>): string {
  const row = (label: string, pick: (r: { idle: Throughput; busy: Throughput }) => Throughput): string[] => {
    const broker = pick(result.broker);
    const direct = pick(result.direct);
    return [
      label,
      kib(broker.bytesPerSecond),
      broker.messagesPerSecond.toFixed(0),
      broker.framesPerSecond.toFixed(1),
      kib(direct.bytesPerSecond),
      direct.framesPerSecond.toFixed(1),
    ];
  };
  return formatTable(
    ['desktop', 'broker KiB/s', 'broker msg/s', 'broker frames/s', 'direct KiB/s', 'direct frames/s'],
    [row('idle', (r) => r.idle), row('busy (animation)', (r) => r.busy)],
  );
}

function concurrencyTable(result: ConcurrencyResult, recording: GuacdRecording): string {
  const perTunnel = (key: keyof HostMemory): string =>
    kib((result.loaded.memory[key] - result.idle.memory[key]) / result.tunnels);
  return formatTable(
    ['concurrent tunnels (replayed guacd)', 'value'],
    [
      ['tunnels open / still open at the end', `${result.tunnels} / ${result.loaded.liveTunnels}`],
      ['time to open all at once (ms)', ms(result.openMs)],
      ['recorded stream per tunnel, after its first image (KiB/s)', kib(recording.steadyBytesPerSecond)],
      ['delivered to all browsers (MiB/s)', mib(result.deliveredBytesPerSecond)],
      ['event-loop delay p99, no tunnels (ms)', ms(result.idle.p99)],
      [
        'event-loop delay p50 / p99 / max (ms)',
        `${ms(result.loaded.p50)} / ${ms(result.loaded.p99)} / ${ms(result.loaded.max)}`,
      ],
      ['broker process CPU (share of one core)', result.loaded.cpuShare.toFixed(2)],
      ['broker event-loop utilisation', result.loaded.loopUtilization.toFixed(2)],
      [
        'garbage collections / longest pause (ms)',
        `${result.loaded.gc.count} / ${ms(result.loaded.gc.maxMs)}`,
      ],
      ['memory per tunnel, RSS (KiB)', perTunnel('rss')],
      ['memory per tunnel, heapUsed (KiB)', perTunnel('heapUsed')],
      ['sync round trip p50 / p99 (ms)', `${ms(result.syncRoundTrip.p50)} / ${ms(result.syncRoundTrip.p99)}`],
      ['frames sent / held back for slow answers', `${result.framesSent} / ${result.framesHeldBack}`],
    ],
  );
}

function machineLine(): string {
  const cpus = os.cpus();
  return [
    `machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `Node ${process.version}, guacd 1.3.0, ${new Date().toISOString()}${config.isQuick ? ', BENCH_QUICK' : ''}`,
    // Other work on the machine moves these figures; the load says how much there was.
    `load average ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}`,
  ].join('; ');
}

// The run.

const stops: Array<() => Promise<void>> = [];
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hcw-tunnel-bench-'));
let isCleaningUp = false;

async function cleanUp(): Promise<void> {
  if (isCleaningUp) return;
  isCleaningUp = true;
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch (error) {
      process.stderr.write(`clean-up: ${(error as Error).message}\n`);
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

async function main(): Promise<void> {
  const runStartedAt = performance.now();
  const [redisPort, guacdPort] = [await freePort(), await freePort()];
  // The same internal TLS as the product: Redis and guacd with certificates of a CA of the run's own.
  const ca = internalCa(path.join(dataDir, 'internal-ca'));
  const redis = await startRedis(dataDir, redisPort, ca);
  stops.push(() => redis.process.stop());
  const guacdCertificate = ca.issue('guacd', {
    commonName: 'guacd',
    usage: 'server',
    dns: ['localhost'],
    ips: ['127.0.0.1'],
  });
  const broker = ca.issue('broker', { commonName: 'broker', usage: 'client', uris: [BROKER_IDENTITY] });
  const guacd = await startGuacd(dataDir, guacdPort, guacdCertificate);
  stops.push(() => guacd.process.stop());
  process.stdout.write('starting the desktop (Xvnc, openbox, kiosk Chromium)…\n');
  const desktop = await startBenchDesktop(dataDir);
  stops.push(() => desktop.stop());
  const host = TunnelHostClient.launch();
  stops.push(() => host.stop());
  const tunnelKey = randomBytes(32);
  const started = await host.request(
    {
      type: 'start',
      redisUrl: redis.serviceUrls.broker,
      tunnelKey: tunnelKey.toString('base64'),
      dataDir,
      tls: { caFile: ca.certFile, certFile: broker.certFile, keyFile: broker.keyFile },
    },
    'started',
  );
  const { users } = await host.request(
    { type: 'sign-in', count: config.concurrentTunnels, desktopId: DESKTOP_ID },
    'signed-in',
  );
  const rig: Rig = {
    guacd: { host: guacd.host, port: guacd.port, ca: ca.pem },
    guacdCertificate: {
      cert: readFileSync(guacdCertificate.certFile, 'utf8'),
      key: readFileSync(guacdCertificate.keyFile, 'utf8'),
    },
    desktop,
    host,
    tunnelKey,
    tunnelUrl: `ws://127.0.0.1:${started.port}/tunnel`,
    origin: started.origin,
    users,
    display: { width: desktop.width, height: desktop.height, dpi: 96 },
  };

  process.stdout.write('1. time to first image and key-press-to-draw, broker and direct interleaved\n');
  const latency = await measureLatency(rig);
  process.stdout.write('2. bytes per second to the browser\n');
  const throughput = await measureThroughput(rig);
  process.stdout.write(`3. recording ${config.recordSeconds} s of a real session, then replaying it\n`);
  const recording = await recordSession(rig);
  // The replay needs neither the desktop nor guacd; stopping them leaves the cores to the tunnels.
  await desktop.stop();
  await guacd.process.stop();
  const concurrency = await measureConcurrency(rig, recording);

  process.stdout.write(`\n${machineLine()}\n\n`);
  process.stdout.write(`${latencyTable(latency)}\n`);
  const missed = latency.broker.missedKeys + latency.direct.missedKeys;
  if (missed > 0) process.stdout.write(`(${missed} key presses drew nothing within 3 s and are left out)\n`);
  process.stdout.write(`\n${throughputTable(throughput)}\n\n`);
  process.stdout.write(`${concurrencyTable(concurrency, recording)}\n`);
  if (concurrency.closedEarly > 0)
    process.stdout.write(`(${concurrency.closedEarly} tunnels closed early)\n`);
  for (const line of concurrency.hostLogs.slice(0, 10)) process.stdout.write(`broker log: ${line}\n`);
  process.stdout.write(`\nrun took ${((performance.now() - runStartedAt) / 1000).toFixed(0)} s\n`);
  const versusDirect = (pick: (s: LatencySamples) => number[], at: 50 | 95): number =>
    percentile(pick(latency.broker), at) / percentile(pick(latency.direct), at);
  writeRun('tunnel', [
    {
      name: 'first image, broker to direct, p50',
      value: versusDirect((s) => s.firstImage, 50),
      unit: '×',
      better: 'lower',
    },
    {
      name: 'first image, broker to direct, p95',
      value: versusDirect((s) => s.firstImage, 95),
      unit: '×',
      better: 'lower',
    },
    {
      name: 'key press to draw, broker to direct, p50',
      value: versusDirect((s) => s.keyToDraw, 50),
      unit: '×',
      better: 'lower',
    },
    {
      name: 'key press to draw, broker to direct, p95',
      value: versusDirect((s) => s.keyToDraw, 95),
      unit: '×',
      better: 'lower',
    },
    {
      name: 'first image through the broker p50',
      value: median(latency.broker.firstImage),
      unit: 'ms',
      better: 'lower',
    },
    {
      name: 'broker CPU with all tunnels open',
      value: concurrency.loaded.cpuShare,
      unit: 'cores',
      better: 'lower',
    },
    {
      name: 'event-loop delay p99 with all tunnels open',
      value: concurrency.loaded.p99,
      unit: 'ms',
      better: 'lower',
    },
  ]);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`tunnel benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
