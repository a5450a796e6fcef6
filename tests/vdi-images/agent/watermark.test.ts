import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { SCREEN_PATH } from '@hcw/common';
import { commandLineOf, processesMentioning } from '#scripts/stack/process-sweep.js';
import { japanMinute, WATERMARK_COLOUR, watermarkMask } from '#test-support/desktop-watermark.js';
import { shareOfMaskInColour } from '#test-support/pixels.js';
import { startTestDesktop, type TestDesktop } from '../support/test-desktop.js';
import { startTestSite, type TestSite } from '../support/test-site.js';
import { xScreenshot } from '../support/x-screenshot.js';

const ORGANISATION = '透かし訪問看護ステーション';

async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/**
 * The share of the watermark's predicted pixels found on the screen, for the current minute or the one
 * before (the minute may turn between the two readings).
 */
function watermarkShare(
  display: number,
  screen: { width: number; height: number; scale: number },
  user: string,
): number {
  const shot = xScreenshot(display);
  const now = Date.now();
  return Math.max(
    ...[now, now - 60000].map((at) =>
      shareOfMaskInColour(
        shot,
        watermarkMask({ ...screen, user, organisation: ORGANISATION, minute: japanMinute(new Date(at)) }),
        WATERMARK_COLOUR,
      ),
    ),
  );
}

describe('the desktop’s watermark', function () {
  this.timeout(120000);
  let site: TestSite;
  let desktop: TestDesktop;
  let kiosk: { browser: Browser; page: Page };
  const user = `nurse.mark-${randomBytes(3).toString('hex')}`;
  const phone = { width: 780, height: 1688, scale: 2 };

  const watermarkPids = (): number[] =>
    processesMentioning('watermark.py').filter((pid) => commandLineOf(pid).includes(user));

  before(async () => {
    [site, desktop] = await Promise.all([startTestSite('透かし'), startTestDesktop({ debugPages: true })]);
    const { status } = await desktop.call('POST', '/v1/sessions', {
      userId: user,
      startUrl: `${site.url}/`,
      organisation: ORGANISATION,
      screen: phone,
    });
    assert.equal(status, 201);
    kiosk = await desktop.connect(site.url);
  });
  after(async () => {
    await kiosk?.browser.close().catch(() => undefined);
    await desktop?.stop();
    await site?.close();
  });

  it('is drawn into the desktop’s own pixels: the user, their organisation and the time in Japan', async () => {
    const share = await until('the watermark on the screen', () => {
      const found = watermarkShare(desktop.display, phone, user);
      return found >= 0.95 ? found : undefined;
    });
    assert.ok(share >= 0.95);
    // Control: the same look for another user's watermark does not find it.
    const other = shareOfMaskInColour(
      xScreenshot(desktop.display),
      watermarkMask({ ...phone, user: 'dr.someone', organisation: ORGANISATION, minute: japanMinute() }),
      WATERMARK_COLOUR,
    );
    assert.ok(other < 0.8, `another user's watermark is found as well (${other})`);
  });

  it('leaves the page readable: only a small part of the screen, every other pixel of each letter', async () => {
    const mask = PNG.sync.read(
      watermarkMask({ ...phone, user, organisation: ORGANISATION, minute: japanMinute() }),
    );
    let drawn = 0;
    for (let i = 3; i < mask.data.length; i += 4) if (mask.data[i]! > 0) drawn++;
    const share = drawn / (mask.width * mask.height);
    assert.ok(
      share > 0.005 && share < 0.05,
      `the watermark covers ${(share * 100).toFixed(1)}% of the screen`,
    );
  });

  it('lets every click through to the kiosk, even on its own pixels', async () => {
    const mask = PNG.sync.read(
      watermarkMask({ ...phone, user, organisation: ORGANISATION, minute: japanMinute() }),
    );
    const box = (await kiosk.page.locator('#note').boundingBox())!;
    // A pixel the watermark draws, inside the text area (page CSS pixels × the scale of 2).
    let target: { x: number; y: number } | undefined;
    for (let y = Math.ceil(box.y * 2) + 4; y < (box.y + box.height) * 2 - 4 && !target; y++) {
      for (let x = Math.ceil(box.x * 2) + 4; x < (box.x + box.width) * 2 - 4; x++) {
        if (mask.data[(y * mask.width + x) * 4 + 3]! > 0) {
          target = { x, y };
          break;
        }
      }
    }
    assert.ok(target, 'the watermark crosses the text area');
    await kiosk.page.evaluate(() => {
      (document.activeElement as HTMLElement | null)?.blur();
      (window as unknown as { clicks: number }).clicks = 0;
      document.getElementById('note')!.addEventListener('mousedown', () => {
        (window as unknown as { clicks: number }).clicks++;
      });
    });
    desktop.clickAt(target.x, target.y, 1);
    await until('the click to reach the page', async () =>
      (await kiosk.page.evaluate(() => (window as unknown as { clicks: number }).clicks)) > 0
        ? true
        : undefined,
    );
    assert.equal(
      await kiosk.page.evaluate(() => document.activeElement?.id),
      'note',
      'the text area has the focus',
    );
  });

  it('runs as an unprivileged user of its own, not as root and not as the kiosk', () => {
    const [pid] = watermarkPids();
    assert.ok(pid, 'the watermark runs');
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    assert.equal(uid, '65534', 'nobody');
  });

  it('follows the screen when it changes size and scale', async () => {
    const turned = { width: 1688, height: 780, scale: 2 };
    assert.equal((await desktop.call('PUT', SCREEN_PATH, turned)).status, 200);
    await until('the watermark across the turned screen', () =>
      watermarkShare(desktop.display, turned, user) >= 0.95 ? true : undefined,
    );
    const tablet = { width: 1536, height: 2048, scale: 1.5 };
    assert.equal((await desktop.call('PUT', SCREEN_PATH, tablet)).status, 200);
    await until('the watermark at scale 1.5', () =>
      watermarkShare(desktop.display, tablet, user) >= 0.95 ? true : undefined,
    );
  });

  it('comes back when it is ended during the session', async () => {
    const [first] = watermarkPids();
    assert.ok(first);
    process.kill(first, 'SIGKILL');
    const second = await until('a new watermark', () => watermarkPids().find((pid) => pid !== first));
    assert.notEqual(second, first);
  });

  it('goes with the session: nothing of it is left after the wipe', async () => {
    await desktop.endSession();
    assert.deepEqual(watermarkPids(), []);
  });
});
