/**
 * The desktop takes the device's shape: how long a phone turned on its side takes to show the portal laid
 * out again, and what the desktop costs on the wire at a phone's and a PC's size against the 1280×800
 * desktop every device used to get, idle, while typing and while scrolling. The whole chain, with a real
 * browser: the client page, the broker, guacd, the desktop's X server, its kiosk and the portal, started
 * here on free loopback ports and stopped at the end.
 *
 * Run with `npx tsx benchmarks/device-shape.bench.ts`; `--rotations=N` (12) and `--seconds=S` (10, per action).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { freePort } from '../scripts/stack/managed-process.js';
import { startWorkspaceStack, type WorkspaceStack } from '../scripts/stack/workspace-stack.js';
import { DEMO_PATIENT_IDS } from '../workspace-app/demo/seed-demo-patients.js';
import { PORTAL_HEADER_COLOUR } from '../workspace-app/src/ui/layout.js';
import { launchBrowser, type BrowserOptions, type TestBrowser } from '../tests/support/browser.js';
import { kioskPageAt } from '../tests/support/kiosk-page.js';
import { signIn } from '../tests/support/sign-in.js';
import { formatTable } from './support/tunnel/format-table.js';
import { percentile } from './support/tunnel/percentile.js';
import { writeRun } from './support/results.js';

const option = (name: string, fallback: number): number =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const ROTATIONS = option('rotations', 12);
const SECONDS = option('seconds', 10);
const PASSWORD = 'Bench-Password-For-Device-Shape-1';
// Asserts multi-factor sign-in at the IdP, so no second-factor step stands in the way.
const USER = 'dr.tanaka';

interface Device {
  name: string;
  viewport: { width: number; height: number };
  options: BrowserOptions;
}

const PHONE: Device = {
  name: 'phone 390×844 (desktop 780×1688 at 2×)',
  viewport: { width: 390, height: 844 },
  options: { deviceScaleFactor: 3, isMobile: true },
};
const PC: Device = {
  name: 'PC 1920×1080 (desktop 1920×1080)',
  viewport: { width: 1920, height: 1080 },
  options: {},
};
const BEFORE: Device = {
  name: 'the former 1280×800 desktop',
  viewport: { width: 1280, height: 800 },
  options: {},
};

const HEADER = ((n: number) => [(n >> 16) & 255, (n >> 8) & 255, n & 255])(
  Number.parseInt(PORTAL_HEADER_COLOUR.slice(1), 16),
);

/** Notes, in the client page's own clock, when its window is next resized. */
async function noteNextResize(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { resizedAt?: number }).resizedAt = undefined;
    addEventListener(
      'resize',
      () => ((window as unknown as { resizedAt?: number }).resizedAt ??= performance.now()),
      { once: true },
    );
  });
}

/**
 * Waits, checking every animation frame in the client page, for the remote display to show a frame
 * `width` pixels wide whose top band is the portal's header across the whole width: the page laid out
 * again for the new shape has reached the device. Returns the milliseconds since the noted resize.
 */
async function laidOutAt(page: Page, width: number, timeoutMs = 90000): Promise<number> {
  const handle = await page
    .waitForFunction(
      ({ width, rgb }) => {
        const canvas = document.querySelector<HTMLCanvasElement>('#display canvas');
        const layer = canvas?.parentElement;
        if (!canvas || !layer || Number.parseFloat(layer.style.width) !== width) return false;
        const { data } = canvas
          .getContext('2d', { willReadFrequently: true })!
          .getImageData(0, 12, width, 12);
        let matching = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (
            Math.abs(data[i]! - rgb[0]!) <= 12 &&
            Math.abs(data[i + 1]! - rgb[1]!) <= 12 &&
            Math.abs(data[i + 2]! - rgb[2]!) <= 12
          )
            matching++;
        }
        if (matching / (data.length / 4) <= 0.6) return false;
        return performance.now() - ((window as unknown as { resizedAt?: number }).resizedAt ?? 0);
      },
      { width, rgb: HEADER },
      { timeout: timeoutMs, polling: 'raf' },
    )
    .catch(async (error: Error) => {
      const shot = path.join(os.tmpdir(), `device-shape-${Date.now()}.png`);
      await page.screenshot({ path: shot }).catch(() => undefined);
      const state = await page
        .locator('#connection')
        .getAttribute('data-state')
        .catch(() => '?');
      throw new Error(
        `no frame ${width} wide with the portal's header (client ${state}; see ${shot}): ${error.message}`,
      );
    });
  return (await handle.jsonValue()) as number;
}

/** The desktop's width for a device, as the broker chooses it (these devices are all within its bounds). */
function desktopWidth(device: Device): number {
  const scale = Math.min(2, Math.floor((device.options.deviceScaleFactor ?? 1) * 4) / 4);
  return Math.round(device.viewport.width * scale);
}

async function open(stack: WorkspaceStack, device: Device): Promise<{ browser: TestBrowser; page: Page }> {
  const browser = await launchBrowser(device.viewport, device.options);
  const page = await browser.context.newPage();
  await signIn(page, stack.brokerUrl, USER, PASSWORD);
  await laidOutAt(page, desktopWidth(device));
  return { browser, page };
}

async function rotations(stack: WorkspaceStack): Promise<{ toSide: number[]; upright: number[] }> {
  const { browser, page } = await open(stack, PHONE);
  const toSide: number[] = [];
  const upright: number[] = [];
  try {
    for (let i = 0; i < 2 * ROTATIONS; i++) {
      const isToSide = i % 2 === 0;
      const viewport = isToSide ? { width: 844, height: 390 } : PHONE.viewport;
      await noteNextResize(page);
      await page.setViewportSize(viewport);
      (isToSide ? toSide : upright).push(await laidOutAt(page, viewport.width * 2));
      await page.waitForTimeout(1000);
    }
  } finally {
    await browser.close();
  }
  return { toSide, upright };
}

interface Traffic {
  idle: number;
  typing: number;
  scrolling: number;
}

/** Bytes per second the client page receives over its tunnel, idle, typing into a field and scrolling. */
async function traffic(stack: WorkspaceStack, debugPort: number, device: Device): Promise<Traffic> {
  const { browser, page } = await open(stack, device);
  // The kiosk of the session just opened (the same one each time: one desktop takes each shape in turn).
  const kiosk = await kioskPageAt(debugPort, stack.portalUrl);
  let received = 0;
  page.on('websocket', (socket) =>
    socket.on('framereceived', ({ payload }) => (received += Buffer.byteLength(payload))),
  );
  // The tunnel opened before the listener: a fresh one is counted from its first byte.
  await page.reload();
  await laidOutAt(page, desktopWidth(device));
  const measure = async (action: () => Promise<void>): Promise<number> => {
    await page.waitForTimeout(2000);
    const before = received;
    const started = Date.now();
    await action();
    return (received - before) / ((Date.now() - started) / 1000);
  };
  try {
    await kiosk.page.goto(`${stack.portalUrl}/patients/${DEMO_PATIENT_IDS.suzukiIchiro}/visit`);
    await kiosk.page.locator('textarea').first().focus();
    await page.waitForTimeout(3000);
    const idle = await measure(() => page.waitForTimeout(SECONDS * 1000));
    await page.locator('#display').focus();
    const text = 'abcdefghij klmnopqrst uvwxyz '.repeat(20);
    const typing = await measure(async () => {
      const until = Date.now() + SECONDS * 1000;
      // About seven characters a second, a brisk typist on a phone.
      for (let i = 0; Date.now() < until; i++) {
        await page.keyboard.type(text[i % text.length]!);
        await page.waitForTimeout(150);
      }
    });
    await kiosk.page.goto(`${stack.portalUrl}/patients/${DEMO_PATIENT_IDS.suzukiIchiro}`);
    await page.waitForTimeout(3000);
    const box = (await page.locator('#display').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const scrolling = await measure(async () => {
      const until = Date.now() + SECONDS * 1000;
      for (let i = 0; Date.now() < until; i++) {
        // Down for two seconds, up for two, a wheel step every quarter second.
        await page.mouse.wheel(0, Math.floor(i / 8) % 2 === 0 ? 100 : -100);
        await page.waitForTimeout(250);
      }
    });
    await kiosk.page.goto(`${stack.portalUrl}/`);
    return { idle, typing, scrolling };
  } finally {
    await kiosk.browser.close().catch(() => undefined);
    await browser.close();
  }
}

const ms = (value: number): string => value.toFixed(0);
const kib = (value: number): string => (value / 1024).toFixed(1);

let dataDir: string | undefined;
let stack: WorkspaceStack | undefined;
try {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'hcw-bench-shape-'));
  const debugPort = await freePort();
  stack = await startWorkspaceStack({
    dataDir,
    demoPassword: PASSWORD,
    desktops: 1,
    kioskDebugPort: debugPort,
  });
  process.stdout.write(
    `load average at the start: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );

  const results = new Map<Device, Traffic>();
  for (const device of [BEFORE, PHONE, PC]) results.set(device, await traffic(stack, debugPort, device));
  const turns = await rotations(stack);
  process.stdout.write(
    `\nRotation to a re-laid-out frame (phone, ${ROTATIONS} each way; from the window's resize to the portal's header across the new width)\n\n`,
  );
  process.stdout.write(
    formatTable(
      ['ms', 'n', 'p50', 'p95', 'max'],
      [
        [
          'upright to on its side',
          String(turns.toSide.length),
          ms(percentile(turns.toSide, 50)),
          ms(percentile(turns.toSide, 95)),
          ms(Math.max(...turns.toSide)),
        ],
        [
          'on its side to upright',
          String(turns.upright.length),
          ms(percentile(turns.upright, 50)),
          ms(percentile(turns.upright, 95)),
          ms(Math.max(...turns.upright)),
        ],
      ],
    ) + '\n',
  );

  const reference = results.get(BEFORE)!;
  process.stdout.write(
    `\nBytes per second to the device (${SECONDS} s per action), KiB/s and ratio to the former 1280×800 desktop\n\n`,
  );
  process.stdout.write(
    formatTable(
      ['device', 'idle', 'typing', 'scrolling', 'idle ratio', 'typing ratio', 'scrolling ratio'],
      [...results].map(([device, t]) => [
        device.name,
        kib(t.idle),
        kib(t.typing),
        kib(t.scrolling),
        (t.idle / Math.max(1, reference.idle)).toFixed(2),
        (t.typing / reference.typing).toFixed(2),
        (t.scrolling / reference.scrolling).toFixed(2),
      ]),
    ) + '\n',
  );
  const phone = results.get(PHONE)!;
  writeRun('device-shape', [
    { name: 'rotation to the side p50', value: percentile(turns.toSide, 50), unit: 'ms', better: 'lower' },
    { name: 'rotation to the side p95', value: percentile(turns.toSide, 95), unit: 'ms', better: 'lower' },
    { name: 'rotation upright p50', value: percentile(turns.upright, 50), unit: 'ms', better: 'lower' },
    { name: 'phone idle', value: phone.idle, unit: 'B/s', better: 'lower' },
    { name: 'phone typing', value: phone.typing, unit: 'B/s', better: 'lower' },
    { name: 'phone scrolling', value: phone.scrolling, unit: 'B/s', better: 'lower' },
    {
      name: 'phone typing against 1280×800',
      value: phone.typing / reference.typing,
      unit: '×',
      better: 'lower',
    },
    {
      name: 'phone scrolling against 1280×800',
      value: phone.scrolling / reference.scrolling,
      unit: '×',
      better: 'lower',
    },
  ]);
  process.stdout.write(
    `load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
} finally {
  await stack?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
