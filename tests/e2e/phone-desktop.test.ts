import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RedisClientType } from 'redis';
import type { AgentHealth } from '@hcw/common';
import { freePort } from '#scripts/stack/managed-process.js';
import { startWorkspaceStack, type WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { DEMO_PATIENT_IDS } from '#demo/seed-demo-patients.js';
import { artefactsDir } from '../support/artefacts.js';
import { launchBrowser, type BrowserOptions, type TestBrowser } from '../support/browser.js';
import { japanMinute, WATERMARK_COLOUR, watermarkMask } from '../support/desktop-watermark.js';
import { kioskPageAt } from '../support/kiosk-page.js';
import { NetworkCut } from '../support/network-cut.js';
import { shareOfMaskInColour } from '../support/pixels.js';
import {
  displayGeometry,
  receivedFrame,
  waitForPortalOnDisplay,
  waitForSettledFrame,
} from '../support/remote-display.js';
import { signIn } from '../support/sign-in.js';
import { TEST_DEMO_PASSWORD } from '../support/workspace.js';
import { agentsOf, redisOf } from '../support/stack-clients.js';

/**
 * The desktop takes the device's shape, through the whole chain: a real browser with a phone's, a
 * tablet's and a PC's screen signs in, the broker gives the desktop that shape, the agent changes the
 * running X server, guacd follows, and the kiosk lays the portal out again at the device's own width.
 * What the device shows is measured on both ends: the frame it received, and the kiosk's page behind it.
 */

const USER = 'dr.tanaka';
const ORGANISATION = '中野在宅クリニック';
const PHONE = { width: 390, height: 844 };
const PHONE_TURNED = { width: 844, height: 390 };
const TABLET = { width: 768, height: 1024 };
const PC = { width: 1920, height: 1080 };
/** The smallest body text a practitioner should have to read on the device, in the device's CSS pixels. */
const LEGIBLE_PX = 14;
/** A short lease, so a cut longer than it proves the desktop is held for the session, not by luck. */
const LEASE_TTL_SECONDS = 12;
/** How long the broker waits for a silent tunnel before closing it (guacamole-lite's inactivity limit). */
const TUNNEL_SILENCE_MS = 20000;
const HALF_TYPED = '訪問時、下肢のむくみ軽度。続きは';

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.fail(`timed out waiting for ${what}${lastError ? ` (${lastError})` : ''}`);
}

/** What the kiosk's page says about itself: its CSS size and scale, and the size of its body text. */
async function kioskLayout(kiosk: Page): Promise<{
  width: number;
  height: number;
  scale: number;
  bodyPx: number;
  mostTextPx: number;
  scrollWidth: number;
}> {
  return kiosk.evaluate(() => {
    // The size most of the page's visible text is set in: its body text, whatever the style sheet calls it.
    const counts = new Map<number, number>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim() ?? '';
      const element = node.parentElement;
      if (!text || !element || element.closest('script, style, [hidden]')) continue;
      const style = getComputedStyle(element);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      const size = Number.parseFloat(style.fontSize);
      counts.set(size, (counts.get(size) ?? 0) + text.length);
    }
    const bodyPx = Number.parseFloat(getComputedStyle(document.body).fontSize);
    const mostTextPx = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? bodyPx;
    return {
      width: innerWidth,
      height: innerHeight,
      scale: devicePixelRatio,
      bodyPx,
      mostTextPx,
      scrollWidth: document.scrollingElement?.scrollWidth ?? 0,
    };
  });
}

interface Device {
  browser: TestBrowser;
  page: Page;
}

describe('the desktop takes the device’s shape', function () {
  this.timeout(600000);
  let dataDir: string;
  let stack: WorkspaceStack;
  let redis: RedisClientType;
  let kiosk: { browser: Browser; page: Page };
  let debugPort: number;
  let network: NetworkCut;
  let shots: string;
  let phone: Device;
  const opened: Device[] = [];

  async function agentHealth(): Promise<AgentHealth> {
    return agentsOf(stack).health(stack.desktops[0]!);
  }

  async function open(
    viewport: { width: number; height: number },
    device: BrowserOptions,
    query = '',
  ): Promise<Device> {
    const browser = await launchBrowser(viewport, device);
    const page = await browser.context.newPage();
    opened.push({ browser, page });
    await signIn(page, stack.brokerUrl, USER);
    if (query) await page.goto(`${stack.brokerUrl}/${query}`);
    await waitForConnected(page);
    return { browser, page };
  }

  async function waitForConnected(page: Page): Promise<void> {
    await waitFor('the client to be connected', async () =>
      (await page.locator('#connection').getAttribute('data-state')) === 'connected' ? true : undefined,
    );
  }

  /**
   * Waits until the device shows the desktop at its own shape: the received desktop is the client's area
   * times the kiosk's scale, and it fills the area (nothing letterboxed); returns what was measured.
   */
  async function waitForShape(page: Page, viewport: { width: number; height: number }) {
    const shape = await waitFor(`the desktop at ${viewport.width}×${viewport.height}`, async () => {
      const geometry = await displayGeometry(page);
      const layout = await kioskLayout(kiosk.page);
      const fills =
        Math.abs(geometry.shown.width - geometry.area.width) <= 2 &&
        Math.abs(geometry.shown.height - geometry.area.height) <= 2;
      const isKioskAtViewport =
        Math.abs(layout.width - viewport.width) <= 2 && Math.abs(layout.height - viewport.height) <= 2;
      return fills && isKioskAtViewport ? { geometry, layout } : undefined;
    });
    // And the page laid out again has reached the device: the portal's header across the top of the frame.
    await waitForPortalOnDisplay(page, 60000);
    return shape;
  }

  async function shot(page: Page, name: string): Promise<void> {
    const frame = await waitForSettledFrame(page);
    await page.screenshot({ path: path.join(shots, `${name}.png`) });
    writeFileSync(path.join(shots, `${name}-received-frame.png`), frame);
  }

  /** The text the device shows the portal's body in: kiosk CSS pixels × kiosk scale × device CSS per desktop pixel. */
  function shownPx(px: number, kioskScale: number, cssPerDesktopPixel: number): number {
    return px * kioskScale * cssPerDesktopPixel;
  }

  async function assertLegible(page: Page): Promise<void> {
    const { geometry, layout } = await waitForShape(page, await clientArea(page));
    for (const [what, px] of [
      ['body', layout.bodyPx],
      ['most of the text', layout.mostTextPx],
    ] as const) {
      const shown = shownPx(px, layout.scale, geometry.cssPerDesktopPixel);
      assert.ok(
        shown >= LEGIBLE_PX,
        `${what} is shown at ${shown.toFixed(1)} CSS px (${px} px in the kiosk)`,
      );
    }
  }

  async function clientArea(page: Page): Promise<{ width: number; height: number }> {
    const area = (await displayGeometry(page)).area;
    return { width: Math.round(area.width), height: Math.round(area.height) };
  }

  /** The frame the device received carries the user's watermark, as the desktop draws it at this minute. */
  async function assertWatermarked(page: Page): Promise<void> {
    let shares: number[] = [];
    await waitFor(
      'the watermark in the received frame',
      async () => {
        const frame = await receivedFrame(page);
        const screen = (await agentHealth()).screen!;
        // The minute may turn between the frame and the mask: either minute's drawing counts.
        const now = Date.now();
        shares = [now, now - 60000].map((at) =>
          shareOfMaskInColour(
            frame,
            watermarkMask({
              ...screen,
              user: USER,
              organisation: ORGANISATION,
              minute: japanMinute(new Date(at)),
            }),
            WATERMARK_COLOUR,
          ),
        );
        return Math.max(...shares) >= 0.95 ? true : undefined;
      },
      30000,
    ).catch(() => assert.fail(`the watermark's pixels are not in the frame: ${shares.join(', ')}`));
  }

  async function showVisitForm(): Promise<void> {
    await kiosk.page.goto(`${stack.portalUrl}/patients/${DEMO_PATIENT_IDS.suzukiIchiro}/visit`);
    await kiosk.page.locator('textarea').first().waitFor();
  }

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'hcw-phone-desktop-'));
    debugPort = await freePort();
    stack = await startWorkspaceStack({
      dataDir,
      demoPassword: TEST_DEMO_PASSWORD,
      desktops: 1,
      kioskDebugPort: debugPort,
      brokerEnv: { LEASE_TTL_SECONDS: String(LEASE_TTL_SECONDS), LEASE_HEARTBEAT_SECONDS: '1' },
    });
    redis = redisOf(stack);
    await redis.connect();
    network = await NetworkCut.start();
    shots = artefactsDir('phone-desktop');
    phone = await open(PHONE, { deviceScaleFactor: 3, isMobile: true, proxyServer: network.proxyServer });
    kiosk = await kioskPageAt(debugPort, stack.portalUrl);
  });
  after(async () => {
    // The desktop's and the broker's logs go with the screenshots, for whoever looks at them.
    for (const log of ['desktop-1.log', 'broker.log']) {
      if (dataDir && existsSync(path.join(dataDir, log)))
        copyFileSync(path.join(dataDir, log), path.join(shots, log));
    }
    await kiosk?.browser.close().catch(() => undefined);
    for (const device of opened) await device.browser.close().catch(() => undefined);
    await network?.close();
    await redis?.quit();
    await stack?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  describe('on a phone held upright, 390×844 at 3 device pixels per CSS pixel', () => {
    it('gives the desktop the phone’s shape: the kiosk lays out at 390×844 CSS pixels, at scale 2', async () => {
      const { geometry, layout } = await waitForShape(phone.page, PHONE);
      assert.deepEqual(geometry.desktop, { width: 780, height: 1688 }, 'the desktop received');
      assert.equal(layout.scale, 2, 'the kiosk renders at scale 2');
      assert.deepEqual((await agentHealth()).screen, { width: 780, height: 1688, scale: 2 });
      await shot(phone.page, '1-phone-390x844');
      await assertWatermarked(phone.page);
    });

    it('shows the portal’s body text at 14 CSS pixels or more, as the phone shows it', async () => {
      await assertLegible(phone.page);
    });

    it('would not be legible as a PC screen shrunk to the phone (control)', async () => {
      // The agent told directly to go back to a 1280×800 screen at scale 1: what the phone used to get.
      await agentsOf(stack).setScreen(stack.desktops[0]!, { width: 1280, height: 800, scale: 1 });
      const { geometry, layout } = await waitFor('the old 1280×800 screen on the phone', async () => {
        const geometry = await displayGeometry(phone.page);
        const layout = await kioskLayout(kiosk.page);
        return geometry.desktop.width === 1280 && layout.width === 1280 ? { geometry, layout } : undefined;
      });
      const shown = shownPx(layout.mostTextPx, layout.scale, geometry.cssPerDesktopPixel);
      assert.ok(shown < LEGIBLE_PX, `the check would pass even so (${shown.toFixed(1)} CSS px)`);
      await shot(phone.page, '1-control-phone-with-a-1280x800-desktop');
      // The phone's next connection puts it right again: the connect call carries its shape.
      await phone.page.reload();
      await waitForConnected(phone.page);
      await waitForShape(phone.page, PHONE);
    });
  });

  describe('turned on its side during the session, 844×390', () => {
    it('follows the rotation and keeps a half-typed visit record', async () => {
      await showVisitForm();
      const field = kiosk.page.locator('textarea').first();
      await field.fill(HALF_TYPED);
      // Back at the top, where the portal's header tells a re-laid-out frame from an old one.
      await field.evaluate((element) => (element as HTMLElement).blur());
      await kiosk.page.evaluate(() => window.scrollTo(0, 0));
      await phone.page.setViewportSize(PHONE_TURNED);
      const { geometry, layout } = await waitForShape(phone.page, PHONE_TURNED);
      assert.deepEqual(geometry.desktop, { width: 1688, height: 780 });
      assert.equal(layout.scale, 2);
      assert.equal(await field.inputValue(), HALF_TYPED, 'the half-typed record is still there');
      assert.match(kiosk.page.url(), /\/visit$/, 'the same page, not reloaded');
      await shot(phone.page, '2-phone-turned-844x390-visit-record');
    });

    it('shows the portal’s body text at 14 CSS pixels or more', async () => {
      await assertLegible(phone.page);
    });

    it('and back upright', async () => {
      await phone.page.setViewportSize(PHONE);
      await waitForShape(phone.page, PHONE);
      assert.equal(await kiosk.page.locator('textarea').first().inputValue(), HALF_TYPED);
      await shot(phone.page, '2-phone-upright-again-visit-record');
    });
  });

  describe('when the connection is cut', () => {
    async function leaseOf(): Promise<{ desktopId: string; leasedAt: string } | undefined> {
      const stored = await redis.get(`lease:user:${USER}`);
      return stored ? (JSON.parse(stored) as { desktopId: string; leasedAt: string }) : undefined;
    }

    async function recordStates(page: Page): Promise<void> {
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { statesSeen: string[] }).statesSeen = seen;
        const element = document.getElementById('connection')!;
        new MutationObserver(() =>
          seen.push(`${element.dataset.state}: ${element.textContent?.trim()}`),
        ).observe(element, { attributes: true, childList: true, subtree: true, characterData: true });
      });
    }
    const statesSeen = (page: Page): Promise<string[]> =>
      page.evaluate(() => (window as unknown as { statesSeen: string[] }).statesSeen);

    it('reconnects at once to the same desktop when the socket is closed, saying so (in English on request)', async () => {
      await phone.page.goto(`${stack.brokerUrl}/?lang=en`);
      await waitForConnected(phone.page);
      const before = await leaseOf();
      await recordStates(phone.page);
      network.closeSockets();
      await waitFor('the states of a reconnection', async () => {
        const seen = await statesSeen(phone.page);
        return seen.some((s) => s.startsWith('reconnecting: Reconnecting…')) &&
          (await phone.page.locator('#connection').getAttribute('data-state')) === 'connected'
          ? true
          : undefined;
      });
      const seen = await statesSeen(phone.page);
      assert.ok(
        seen.some((s) => s.includes('Your desktop is kept as it was')),
        `the page said what is happening: ${seen.join(' | ')}`,
      );
      assert.deepEqual(await leaseOf(), before, 'the same lease: the same desktop');
      assert.equal(await kiosk.page.locator('textarea').first().inputValue(), HALF_TYPED);
    });

    it('comes back to the same desktop after the network was gone for longer than a lease lives', async () => {
      await phone.page.goto(`${stack.brokerUrl}/`);
      await waitForConnected(phone.page);
      const before = await leaseOf();
      assert.ok(before, 'the user holds a desktop');
      network.block();
      // The page tells the user while it waits, in Japanese.
      await waitFor(
        'the page to say it is reconnecting',
        async () => (await phone.page.locator('#connection').getAttribute('data-state')) === 'reconnecting',
        TUNNEL_SILENCE_MS + 30000,
      );
      assert.equal(await phone.page.locator('#connection-title').textContent(), '再接続しています…');
      assert.match(
        (await phone.page.locator('#connection-detail').textContent()) ?? '',
        /デスクトップはそのまま/,
      );
      // The broker closes the silent tunnel; the lease is then held for the session, not its own 12 s.
      await waitFor(
        'the broker to hold the lease for the session',
        async () => (await redis.ttl(`lease:user:${USER}`)) > LEASE_TTL_SECONDS + 30,
        TUNNEL_SILENCE_MS + 30000,
      );
      await new Promise((resolve) => setTimeout(resolve, (LEASE_TTL_SECONDS + 3) * 1000));
      network.restore();
      await waitForConnected(phone.page);
      assert.deepEqual(await leaseOf(), before, 'the same lease: the same desktop');
      assert.equal(await kiosk.page.locator('textarea').first().inputValue(), HALF_TYPED);
      await waitForShape(phone.page, PHONE);
      await shot(phone.page, '3-phone-after-the-network-came-back');
    });

    it('tells a lost desktop apart (control): after a cut in which the lease ended, the check fails', async () => {
      const before = await leaseOf();
      network.block();
      await waitFor(
        'the broker to close the silent tunnel and hold the lease',
        async () => (await redis.ttl(`lease:user:${USER}`)) > LEASE_TTL_SECONDS + 30,
        TUNNEL_SILENCE_MS + 30000,
      );
      // What happened before the broker held leases for a quiet device: the lease ran out while the phone
      // was away, and the desktop was wiped for the next user.
      await redis.del([`lease:user:${USER}`, `lease:desktop:${stack.desktops[0]!.id}`]);
      await agentsOf(stack).endSession(stack.desktops[0]!);
      network.restore();
      await waitForConnected(phone.page);
      const after = await leaseOf();
      assert.ok(after, 'the phone is connected to a desktop again');
      assert.notDeepEqual(after, before, 'the check sees a new lease');
      await kiosk.browser.close().catch(() => undefined);
      kiosk = await kioskPageAt(debugPort, stack.portalUrl);
      assert.equal(await kiosk.page.locator('textarea').count(), 0, 'the check sees the record is gone');
    });
  });

  describe('on a tablet, 768×1024 at 2 device pixels per CSS pixel', () => {
    it('gives the desktop the tablet’s shape, legibly (the same desktop, another device)', async () => {
      const tablet = await open(TABLET, { deviceScaleFactor: 2, isMobile: true });
      const { geometry, layout } = await waitForShape(tablet.page, TABLET);
      assert.deepEqual(geometry.desktop, { width: 1536, height: 2048 });
      assert.equal(layout.scale, 2);
      await assertLegible(tablet.page);
      await kiosk.page.goto(`${stack.portalUrl}/`);
      await waitForShape(tablet.page, TABLET);
      await shot(tablet.page, '4-tablet-768x1024');
    });
  });

  describe('on a PC, 1920×1080 at 1 device pixel per CSS pixel', () => {
    let pc: Device;

    it('gives the desktop the window’s shape, legibly', async () => {
      pc = await open(PC, {});
      const { geometry, layout } = await waitForShape(pc.page, PC);
      assert.deepEqual(geometry.desktop, { width: 1920, height: 1080 });
      assert.equal(layout.scale, 1);
      await assertLegible(pc.page);
      await shot(pc.page, '5-pc-1920x1080');
    });

    it('carries the watermark in the pixels of the frame the device received', async () => {
      const frame = await receivedFrame(pc.page);
      const health = await agentHealth();
      const mask = (user: string, minute: string): Buffer =>
        watermarkMask({ ...health.screen!, user, organisation: ORGANISATION, minute });
      // The minute may turn between the frame and the mask: either minute's drawing counts.
      const now = Date.now();
      const shares = [japanMinute(new Date(now)), japanMinute(new Date(now - 60000))].map((minute) =>
        shareOfMaskInColour(frame, mask(USER, minute), WATERMARK_COLOUR),
      );
      assert.ok(Math.max(...shares) >= 0.95, `the watermark's pixels are in the frame: ${shares.join(', ')}`);
      // Control: the same check for another user's name finds their watermark is not there.
      const other = shareOfMaskInColour(
        frame,
        mask('nurse.sato', japanMinute(new Date(now))),
        WATERMARK_COLOUR,
      );
      assert.ok(other < 0.8, `another user's watermark would be found too (${other})`);
    });
  });
});
