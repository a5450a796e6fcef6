import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import type { CDPSession, Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { signIn } from '../support/sign-in.js';
import { displayShot, waitForPortalOnDisplay } from '../support/remote-display.js';
import { workspace } from '../support/workspace.js';
import { CreateHandoffResponse, HANDOFF_PATH, signRequest } from '@hcw/common';
import { DEMO_USERS } from '#broker/auth/demo-users.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';

/** The client page on a phone-sized screen (an iPhone 14's CSS pixels), as a practitioner between visits uses it. */
const PHONE = { width: 390, height: 844 };

async function storageLeftBehind(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const found: string[] = [];
    if (localStorage.length > 0) found.push(`localStorage: ${localStorage.length}`);
    if (sessionStorage.length > 0) found.push(`sessionStorage: ${sessionStorage.length}`);
    const databases = await indexedDB.databases();
    if (databases.length > 0) found.push(`IndexedDB: ${databases.length}`);
    const caches_ = await caches.keys();
    if (caches_.length > 0) found.push(`Cache Storage: ${caches_.length}`);
    const workers = await navigator.serviceWorker.getRegistrations();
    if (workers.length > 0) found.push(`service workers: ${workers.length}`);
    return found;
  });
}

/** One finger on the screen, moved from one point to another in small steps, as a person drags. */
async function drag(
  touch: CDPSession,
  from: { x: number; y: number },
  to: { x: number; y: number },
): Promise<void> {
  await touch.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [from] });
  for (let step = 1; step <= 12; step++) {
    const x = from.x + ((to.x - from.x) * step) / 12;
    const y = from.y + ((to.y - from.y) * step) / 12;
    await touch.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y }] });
  }
  await touch.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

/**
 * Where a link of a portal page is on a phone, for this user: the same page rendered at the phone's
 * CSS size in a browser of the test's own, signed in to the portal through a hand-off as the broker would.
 * The desktop takes the phone's CSS size, so the kiosk shows the link at the same place.
 */
async function linkOnPhone(
  stack: WorkspaceStack,
  pagePath: string,
  selector: string,
): Promise<{ x: number; y: number }> {
  const user = DEMO_USERS.find((u) => u.username === 'msw.takahashi')!;
  const body = JSON.stringify({
    practitioner: {
      id: user.username,
      displayName: user.displayName,
      displayNameKana: user.displayNameKana,
      organisation: user.organisation,
      profession: user.profession,
      roles: user.roles,
    },
  });
  const created = await fetch(`${stack.portalUrl}${HANDOFF_PATH}`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      ...signRequest(stack.secrets.handoff, 'POST', HANDOFF_PATH, body),
    },
  });
  const { url } = CreateHandoffResponse.parse(await created.json());
  const reference = await launchBrowser(PHONE);
  try {
    const view = await reference.context.newPage();
    await view.goto(url);
    await view.goto(new URL(pagePath, url).toString());
    const box = (await view.locator(selector).first().boundingBox())!;
    return { x: box.x + Math.min(20, box.width / 2), y: box.y + box.height / 2 };
  } finally {
    await reference.close();
  }
}

/** How much of the top of the remote display is the portal's header, read from what the phone shows. */
async function headerAtTop(page: Page): Promise<number> {
  return (await displayShot(page, { y: 6, height: 20 })).headerShare;
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('the client on a phone', function () {
  this.timeout(240000);
  let stack: WorkspaceStack;
  let browser: TestBrowser;
  let page: Page;

  before(async () => {
    stack = await workspace();
    browser = await launchBrowser(PHONE, { deviceScaleFactor: 3, isMobile: true });
    page = await browser.context.newPage();
    await signIn(page, stack.brokerUrl, 'msw.takahashi');
    await waitForPortalOnDisplay(page, 90000);
  });
  after(async () => {
    if (page) {
      await page.goto(`${stack.brokerUrl}/`).catch(() => undefined);
      await page
        .evaluate(() => fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' }))
        .catch(() => undefined);
    }
    await browser?.close();
  });

  it('gives the desktop the whole screen: one small floating button, no sideways scrolling', async () => {
    const layout = await page.evaluate(() => {
      return {
        scrollWidth: document.scrollingElement!.scrollWidth,
        scrollHeight: document.scrollingElement!.scrollHeight,
        controls: Array.from(document.querySelectorAll('button, a'))
          .filter(
            (el) => el.getBoundingClientRect().width > 0 && getComputedStyle(el).visibility !== 'hidden',
          )
          .map((el) => ({ id: el.id, ...(el.getBoundingClientRect().toJSON() as DOMRect) })),
        display: document.querySelector('#display')!.getBoundingClientRect().toJSON() as DOMRect,
        desktop: document
          .querySelector('#display canvas')!
          .parentElement!.getBoundingClientRect()
          .toJSON() as DOMRect,
        hasOverlayWatermark: document.getElementById('watermark') !== null,
      };
    });
    assert.ok(layout.scrollWidth <= PHONE.width, `the page is ${layout.scrollWidth}px wide`);
    assert.ok(layout.scrollHeight <= PHONE.height, `the page is ${layout.scrollHeight}px tall`);
    assert.deepEqual(
      layout.controls.map((c) => c.id),
      ['menu-button'],
      'one control on the screen',
    );
    const [button] = layout.controls;
    assert.ok(button!.width >= 44 && button!.height >= 44, 'big enough to tap');
    assert.ok(button!.width * button!.height < 0.01 * PHONE.width * PHONE.height, 'and small');
    assert.ok(Math.abs(layout.display.height - PHONE.height) <= 1, 'the display has the whole height');
    assert.ok(
      Math.abs(layout.desktop.width - PHONE.width) <= 2,
      `the desktop is ${layout.desktop.width}px wide`,
    );
    assert.ok(Math.abs(layout.desktop.height - PHONE.height) <= 2, `and ${layout.desktop.height}px tall`);
    assert.equal(
      layout.hasOverlayWatermark,
      false,
      'the watermark is the desktop’s own, not a layer of this page',
    );
    const shot = PNG.sync.read(await page.screenshot());
    assert.equal(shot.width, PHONE.width * 3);
    assert.equal(shot.height, PHONE.height * 3);
  });

  it('shows the connection state in Japanese, on the button and in its menu', async () => {
    assert.equal(await page.locator('#menu-button').getAttribute('data-state'), 'connected');
    assert.equal(await page.locator('#connection').getAttribute('data-state'), 'connected');
    assert.equal(await page.locator('#connection').isVisible(), false, 'nothing covers the desktop');
    await page.click('#menu-button');
    assert.equal(await page.locator('#status').textContent(), '接続中');
    await page.click('#menu-close');
    assert.equal(await page.locator('#menu').isVisible(), false);
  });

  it('opens, from its one button, text entry, keys, touch mode, language and sign-out, each easy to tap', async () => {
    await page.click('#menu-button');
    for (const id of ['text-toggle', 'keys-toggle', 'touch-mode', 'language']) {
      const box = await page.locator(`#${id}`).boundingBox();
      assert.ok(
        box && box.height >= 44 && box.x + box.width <= PHONE.width,
        `${id} is on screen and 44px tall`,
      );
    }
    const signOut = await page.locator('button:has-text("サインアウト")').boundingBox();
    assert.ok(signOut && signOut.height >= 44);
    await page.click('#text-toggle');
    assert.equal(await page.locator('#text-panel').isVisible(), true);
    assert.equal(await page.locator('#menu').isVisible(), false, 'the menu gives way to the panel');
    assert.equal(await page.locator('#text-input').getAttribute('lang'), 'ja');
    await page.click('#text-panel .panel-close');
    await page.click('#menu-button');
    await page.click('#keys-toggle');
    for (const key of ['Enter', 'BS', 'Esc'])
      assert.equal(await page.locator(`#keys-panel >> text=${key}`).isVisible(), true);
    await page.click('#keys-panel .panel-close');
  });

  it('switches touch between direct pointing and touchpad', async () => {
    await page.click('#menu-button');
    assert.equal(await page.locator('#touch-mode').textContent(), 'タッチ: 直接');
    await page.click('#touch-mode');
    assert.equal(await page.locator('#touch-mode').textContent(), 'タッチ: パッド');
    await page.click('#touch-mode');
    await page.click('#menu-close');
  });

  it('scrolls the page under a finger dragged upwards in direct mode; a tap does not scroll', async () => {
    const touch = await page.context().newCDPSession(page);
    try {
      // The start page fits a phone's screen: a patient's record, long, is opened by tapping to it.
      const tapAt = async (point: { x: number; y: number }) => {
        const before = (await displayShot(page)).png;
        await touch.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
        await touch.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
        await waitUntil('the page to change', async () => !(await displayShot(page)).png.equals(before));
      };
      await tapAt(await linkOnPhone(stack, '/', '.cards a[href="/patients"]'));
      await tapAt(await linkOnPhone(stack, '/patients', 'a[href^="/patients/5eed"]'));
      await waitUntil('the portal at the top', async () => (await headerAtTop(page)) > 0.5);
      // Control: a tap is a click, not a scroll (on the page's empty margin, where it opens nothing).
      await touch.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: 6, y: 600 }] });
      await touch.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await page.waitForTimeout(1500);
      assert.ok((await headerAtTop(page)) > 0.5, 'a tap left the page where it was');
      await drag(touch, { x: 200, y: 700 }, { x: 200, y: 200 });
      await waitUntil('the page to scroll', async () => (await headerAtTop(page)) < 0.1);
      await drag(touch, { x: 200, y: 200 }, { x: 200, y: 750 });
      await waitUntil('the page to scroll back', async () => (await headerAtTop(page)) > 0.5);
    } finally {
      await touch.detach();
    }
  });

  it('refuses text the desktop must not receive, with a message a person can act on', async () => {
    const answer = await page.evaluate(async () => {
      const response = await fetch('/api/desktop/text', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-requested-with': 'hcw-client' },
        body: JSON.stringify({ text: 'x'.repeat(2001) }),
      });
      return { status: response.status, body: (await response.json()) as { error: { ja: string } } };
    });
    assert.equal(answer.status, 400);
    assert.match(answer.body.error.ja, /2000文字/);
  });

  it('leaves nothing in browser storage', async () => {
    assert.deepEqual(await storageLeftBehind(page), []);
  });

  it('is in English on request', async () => {
    const english = await browser.context.newPage();
    await english.goto(`${stack.brokerUrl}/?lang=en`);
    await english.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal(await english.locator('#text-toggle').textContent(), 'Text');
    assert.equal(await english.locator('#menu-button').getAttribute('aria-label'), 'Menu');
    await english.close();
  });
});
