/**
 * Bandwidth on a phone: bytes per second the device receives while the desktop is idle, while someone types
 * (a key about seven times a second) and while a long page is scrolled with the wheel (a step every quarter
 * second, down then up), at a phone's size (390×844 CSS pixels, a 780×1688 desktop at scale 2, as the
 * device-shape benchmark and the desktop agent make it) and at a PC's (1920×1080), through the broker's
 * tunnel and straight to guacd; then the image encodings guacd may use, chosen by the `image` instruction of
 * the handshake: PNG only, PNG and JPEG, PNG, JPEG and WebP (what the broker declares,
 * broker/src/tunnel/tunnel-server.ts), straight to guacd, where the client chooses them.
 *
 * The same machinery as the tunnel benchmark: real guacd 1.3.0 over TLS, a real desktop (Xvnc, openbox,
 * kiosk Chromium) showing the benchmark's page, the broker's TunnelServer in a process of its own. Each
 * way of connecting watches the three actions in turn on one connection; the ways take turns, in one order
 * then the reverse (ABCD DCBA), so a change in the machine's load falls on all of them. A fourth action, the
 * tunnel benchmark's animated canvas, and a fifth, a photograph-like picture panning on it, show what the
 * encodings do to moving pictures.
 *
 * Run with `npm run bench bandwidth`; `BANDWIDTH_BENCH_SECONDS` (default 10) per action, `BANDWIDTH_BENCH_ROUNDS`
 * (default 2) rounds of both orders' halves.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BROKER_IDENTITY } from '@hcw/common';
import { encryptToken } from '../broker/src/tunnel/connection-token.js';
import { lockdownSettings } from '../broker/src/tunnel/lockdown.js';
import { delay, freePort } from '../scripts/stack/managed-process.js';
import { internalCa } from '../scripts/stack/internal-ca.js';
import { startGuacd, startRedis } from '../scripts/stack/services.js';
import { startBenchDesktop, type BenchDesktop } from './support/tunnel/bench-desktop.js';
import { BrokerTunnelSession } from './support/tunnel/broker-tunnel-session.js';
import {
  DirectGuacdSession,
  type DisplaySize,
  type GuacdAddress,
} from './support/tunnel/direct-guacd-session.js';
import { DisplayProbe } from './support/tunnel/display-probe.js';
import { formatTable } from './support/tunnel/format-table.js';
import type { GuacamoleSession } from './support/tunnel/guacamole-session.js';
import { TunnelHostClient } from './support/tunnel/tunnel-host-client.js';
import { writeRun, type Figure } from './support/results.js';

// eslint-disable-next-line no-restricted-properties -- a benchmark's knobs are its environment
const env = process.env;
const SECONDS = Number(env.BANDWIDTH_BENCH_SECONDS ?? 10);
const ROUNDS = Number(env.BANDWIDTH_BENCH_ROUNDS ?? 2);
const DESKTOP_ID = 'bench-desktop';
const TYPING_INTERVAL_MS = 143;
const WHEEL_INTERVAL_MS = 250;
const KEYSYM_A = 0x61;
/** X's wheel buttons as Guacamole's mouse mask has them: 4 is up, 5 is down. */
const WHEEL_UP = 8;
const WHEEL_DOWN = 16;

const devices = [
  { name: 'phone 390×844 (desktop 780×1688 at 2×)', short: 'phone', width: 780, height: 1688, scale: 2 },
  { name: 'PC 1920×1080', short: 'PC', width: 1920, height: 1080, scale: 1 },
] as const;

const ways = [
  { name: 'broker (PNG, JPEG, WebP declared)', short: 'broker', images: undefined },
  {
    name: 'direct, PNG, JPEG, WebP',
    short: 'direct png+jpeg+webp',
    images: ['image/png', 'image/jpeg', 'image/webp'],
  },
  { name: 'direct, PNG and JPEG', short: 'direct png+jpeg', images: ['image/png', 'image/jpeg'] },
  { name: 'direct, PNG only', short: 'direct png', images: ['image/png'] },
] as const;
type Way = (typeof ways)[number];

const actions = ['idle', 'typing', 'scrolling', 'animation', 'photo'] as const;
type Action = (typeof actions)[number];

interface Window {
  bytes: number;
  seconds: number;
  frames: number;
  /** Images sent, and their base64 bytes, by mimetype. */
  images: Record<string, { count: number; bytes: number }>;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

function vncSettings(desktop: BenchDesktop): Record<string, string> {
  return {
    hostname: '127.0.0.1',
    port: String(desktop.vncPort),
    password: desktop.vncPassword,
    ...lockdownSettings({ disablePaste: true }),
  };
}

interface Rig {
  guacd: GuacdAddress;
  tunnelKey: Buffer;
  tunnelUrl: string;
  origin: string;
  cookie: string;
  userId: string;
}

async function open(
  rig: Rig,
  way: Way,
  desktop: BenchDesktop,
  display: DisplaySize,
): Promise<GuacamoleSession> {
  if (way.images) return DirectGuacdSession.open(rig.guacd, vncSettings(desktop), display, way.images);
  const { token } = encryptToken(
    rig.tunnelKey,
    {
      userId: rig.userId,
      desktopId: DESKTOP_ID,
      connection: {
        type: 'vnc',
        guacdHost: rig.guacd.host,
        guacdPort: rig.guacd.port,
        settings: { ...vncSettings(desktop), port: desktop.vncPort },
      },
    },
    60,
  );
  return BrokerTunnelSession.open(
    { url: rig.tunnelUrl, origin: rig.origin, cookie: rig.cookie, token },
    display,
  );
}

/** Counts what the session receives while `act` runs for the window. */
async function watch(session: GuacamoleSession, act: (until: number) => Promise<void>): Promise<Window> {
  const images: Window['images'] = {};
  const streams = new Map<string, string>();
  let frames = 0;
  const stop = session.onInstruction((opcode, args) => {
    if (opcode === 'sync') frames++;
    else if (opcode === 'img') {
      const [stream, , , mimetype] = args;
      if (stream !== undefined && mimetype !== undefined) {
        streams.set(stream, mimetype);
        (images[mimetype] ??= { count: 0, bytes: 0 }).count++;
      }
    } else if (opcode === 'blob') {
      const mimetype = streams.get(args[0] ?? '');
      if (mimetype) images[mimetype]!.bytes += args[1]?.length ?? 0;
    } else if (opcode === 'end') streams.delete(args[0] ?? '');
  });
  const bytes = session.bytesReceived;
  const started = performance.now();
  await act(started + SECONDS * 1000);
  const seconds = (performance.now() - started) / 1000;
  stop();
  return { bytes: session.bytesReceived - bytes, seconds, frames, images };
}

async function every(intervalMs: number, until: number, step: (n: number) => void): Promise<void> {
  for (let n = 0; performance.now() < until; n++) {
    step(n);
    await delay(Math.min(intervalMs, Math.max(0, until - performance.now())));
  }
}

async function measureWay(
  rig: Rig,
  way: Way,
  desktop: BenchDesktop,
  display: DisplaySize,
): Promise<Record<Action, Window>> {
  const session = await open(rig, way, desktop, display);
  const probe = new DisplayProbe(session);
  try {
    await probe.firstDraw();
    const x = String(Math.round(display.width / 2));
    const y = String(Math.round(display.height / 2));
    // Back at the top of the page (the canvas of the moving pictures is there), then quiet: the wheel's
    // steps down and up may not match when the machine is busy and a step comes late.
    const toTop = async () => {
      for (let i = 0; i < 60; i++) {
        session.send('mouse', x, y, String(WHEEL_UP));
        session.send('mouse', x, y, '0');
      }
      await probe.settle(1000, 15000);
    };
    await toTop();
    const idle = await watch(session, (until) => delay(Math.max(0, until - performance.now())));
    const typing = await watch(session, (until) =>
      every(TYPING_INTERVAL_MS, until, (n) => {
        session.send('key', String(KEYSYM_A + (n % 26)), '1');
        session.send('key', String(KEYSYM_A + (n % 26)), '0');
      }),
    );
    await probe.settle(500, 10000);
    const steps = Math.floor((SECONDS * 1000) / WHEEL_INTERVAL_MS);
    const scrolling = await watch(session, (until) =>
      every(WHEEL_INTERVAL_MS, until, (n) => {
        session.send('mouse', x, y, String(n < steps / 2 ? WHEEL_DOWN : WHEEL_UP));
        session.send('mouse', x, y, '0');
      }),
    );
    // A moving picture (the tunnel benchmark's busy canvas, 640×360 CSS pixels): where guacd's lossy
    // encodings are meant to apply, for comparison with the actions above.
    await toTop();
    desktop.setMode('busy');
    await delay(1000);
    const animation = await watch(session, (until) => delay(Math.max(0, until - performance.now())));
    // A photograph-like picture panning across the same canvas: the content guacd encodes lossily when
    // the client accepts it (an area redrawn three times a second or more, with few runs of equal pixels).
    desktop.setMode('photo');
    await delay(1000);
    const photo = await watch(session, (until) => delay(Math.max(0, until - performance.now())));
    desktop.setMode('idle');
    return { idle, typing, scrolling, animation, photo };
  } finally {
    probe.dispose();
    await session.close();
    // guacd ends its VNC connection after ours; the desktop takes one viewer at a time.
    await delay(500);
  }
}

function add(into: Window | undefined, from: Window): Window {
  if (!into) return structuredClone(from);
  into.bytes += from.bytes;
  into.seconds += from.seconds;
  into.frames += from.frames;
  for (const [type, image] of Object.entries(from.images)) {
    const sum = (into.images[type] ??= { count: 0, bytes: 0 });
    sum.count += image.count;
    sum.bytes += image.bytes;
  }
  return into;
}

const kibPerSecond = (w: Window) => w.bytes / 1024 / w.seconds;

const stops: Array<() => Promise<void>> = [];
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hcw-bandwidth-bench-'));
let isCleaningUp = false;

async function cleanUp(): Promise<void> {
  if (isCleaningUp) return;
  isCleaningUp = true;
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

async function main(): Promise<void> {
  const runStartedAt = performance.now();
  const loadAtStart = os.loadavg();
  try {
    const ca = internalCa(path.join(dataDir, 'internal-ca'));
    const redis = await startRedis(dataDir, await freePort(), ca);
    stops.push(() => redis.process.stop());
    const guacdCertificate = ca.issue('guacd', {
      commonName: 'guacd',
      usage: 'server',
      dns: ['localhost'],
      ips: ['127.0.0.1'],
    });
    const brokerCertificate = ca.issue('broker', {
      commonName: 'broker',
      usage: 'client',
      uris: [BROKER_IDENTITY],
    });
    const guacd = await startGuacd(dataDir, await freePort(), guacdCertificate);
    stops.push(() => guacd.process.stop());
    const host = TunnelHostClient.launch();
    stops.push(() => host.stop());
    const tunnelKey = randomBytes(32);
    const started = await host.request(
      {
        type: 'start',
        redisUrl: redis.serviceUrls.broker,
        tunnelKey: tunnelKey.toString('base64'),
        dataDir,
        tls: {
          caFile: ca.certFile,
          certFile: brokerCertificate.certFile,
          keyFile: brokerCertificate.keyFile,
        },
      },
      'started',
    );
    const { users } = await host.request({ type: 'sign-in', count: 1, desktopId: DESKTOP_ID }, 'signed-in');
    const rig: Rig = {
      guacd: { host: guacd.host, port: guacd.port, ca: ca.pem },
      tunnelKey,
      tunnelUrl: `ws://127.0.0.1:${started.port}/tunnel`,
      origin: started.origin,
      cookie: users[0]!.cookie,
      userId: users[0]!.userId,
    };

    const results = new Map<string, Window>();
    const key = (device: string, way: string, action: Action): string => `${device}|${way}|${action}`;
    for (const device of devices) {
      log(`starting the desktop at ${device.name}…`);
      const desktop = await startBenchDesktop(dataDir, device.width, device.height, {
        scale: device.scale,
        query: '?long=1',
      });
      stops.push(() => desktop.stop());
      const display: DisplaySize = { width: device.width, height: device.height, dpi: 96 * device.scale };
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const order = round % 2 === 0 ? ways : [...ways].reverse();
          for (const way of order) {
            const windows = await measureWay(rig, way, desktop, display);
            for (const action of actions) {
              const k = key(device.short, way.short, action);
              results.set(k, add(results.get(k), windows[action]));
            }
            log(
              `  ${device.short}, round ${round + 1}/${ROUNDS}, ${way.short}: ${actions
                .map((action) => `${action} ${kibPerSecond(windows[action]).toFixed(1)} KiB/s`)
                .join(', ')}`,
            );
          }
        }
      } finally {
        await desktop.stop();
      }
    }

    const figures: Figure[] = [];
    const rows: string[][] = [];
    for (const device of devices) {
      for (const way of ways) {
        const cells: string[] = [device.short, way.short];
        for (const action of actions) {
          const w = results.get(key(device.short, way.short, action))!;
          cells.push(kibPerSecond(w).toFixed(1), (w.frames / w.seconds).toFixed(1));
          const types = Object.entries(w.images)
            .map(([type, image]) => `${type.replace('image/', '')} ${image.count}`)
            .join(' ');
          if (action !== 'idle') cells.push(types || '–');
          figures.push({
            name: `${device.short}, ${way.short}, ${action}`,
            value: kibPerSecond(w),
            unit: 'KiB/s',
            better: 'lower',
          });
          figures.push({
            name: `${device.short}, ${way.short}, ${action}, frames`,
            value: w.frames / w.seconds,
            unit: 'frames/s',
            better: 'higher',
          });
        }
        rows.push(cells);
      }
    }
    log(`\n${ROUNDS} connections a way and size, ${SECONDS} s an action each; images counted by type\n`);
    log(
      formatTable(
        [
          'size',
          'way',
          'idle KiB/s',
          'frames/s',
          'typing KiB/s',
          'frames/s',
          'images',
          'scroll KiB/s',
          'frames/s',
          'images',
          'animation KiB/s',
          'frames/s',
          'images',
          'photo KiB/s',
          'frames/s',
          'images',
        ],
        rows,
      ),
    );
    const ratioRows: string[][] = [];
    for (const device of devices) {
      for (const way of ways.slice(1)) {
        ratioRows.push([
          device.short,
          `${way.short} / broker`,
          ...actions.map((action) =>
            (
              kibPerSecond(results.get(key(device.short, way.short, action))!) /
              kibPerSecond(results.get(key(device.short, 'broker', action))!)
            ).toFixed(2),
          ),
        ]);
      }
    }
    for (const way of ways) {
      ratioRows.push([
        'phone / PC',
        way.short,
        ...actions.map((action) =>
          (
            kibPerSecond(results.get(key('phone', way.short, action))!) /
            kibPerSecond(results.get(key('PC', way.short, action))!)
          ).toFixed(2),
        ),
      ]);
    }
    log(`\n${formatTable(['ratio of bytes/s', '', ...actions], ratioRows)}`);
    log(
      `\nload average at the start ${loadAtStart.map((v) => v.toFixed(2)).join(' ')}, at the end ${os
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(
          ' ',
        )} (${os.cpus().length} cores); run took ${((performance.now() - runStartedAt) / 1000).toFixed(0)} s`,
    );
    const file = writeRun('bandwidth', figures);
    log(`figures in ${file}`);
  } finally {
    await cleanUp();
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bandwidth benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
}
