import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { signIn } from '../support/sign-in.js';
import { waitForPortalOnDisplay } from '../support/remote-display.js';
import { workspace } from '../support/workspace.js';
import type { WorkspaceStack } from '../../scripts/stack/workspace-stack.js';

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

describe('the client on a phone', function () {
  this.timeout(240000);
  let stack: WorkspaceStack;
  let browser: TestBrowser;
  let page: Page;

  before(async () => {
    stack = await workspace();
    browser = await launchBrowser(PHONE);
    page = await browser.context.newPage();
    await signIn(page, stack.brokerUrl, 'msw.takahashi');
    // On a phone the whole desktop is scaled into the width: the header band is a few rows at the top.
    await waitForPortalOnDisplay(page, 90000, { y: 1, height: 4 });
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

  it('fits a 390×844 screen: no sideways scrolling, every control on screen, the desktop in view', async () => {
    const layout = await page.evaluate(() => {
      return {
        scrollWidth: document.scrollingElement!.scrollWidth,
        scrollHeight: document.scrollingElement!.scrollHeight,
        controls: Array.from(document.querySelectorAll('.bar button, .bar a')).map((el) => ({
          label: el.textContent,
          ...(el.getBoundingClientRect().toJSON() as DOMRect),
        })),
        display: document.querySelector('#display')!.getBoundingClientRect().toJSON() as DOMRect,
        canvas: document.querySelector('#display > div')!.getBoundingClientRect().toJSON() as DOMRect,
      };
    });
    assert.ok(layout.scrollWidth <= PHONE.width, `the page is ${layout.scrollWidth}px wide`);
    assert.ok(layout.scrollHeight <= PHONE.height, `the page is ${layout.scrollHeight}px tall`);
    for (const control of layout.controls) {
      assert.ok(control.right <= PHONE.width && control.left >= 0, `${control.label} is off screen`);
      assert.ok(control.height >= 32, `${control.label} is too small to tap (${control.height}px)`);
    }
    assert.ok(layout.display.height > PHONE.height / 2, 'the desktop has most of the screen');
    assert.ok(layout.canvas.width <= PHONE.width + 1, 'the desktop is scaled to the screen width');
    const shot = PNG.sync.read(await page.screenshot());
    assert.equal(shot.width, PHONE.width);
    assert.equal(shot.height, PHONE.height);
  });

  it('shows the connection state in Japanese', async () => {
    assert.equal(await page.locator('#status').getAttribute('data-state'), 'connected');
    assert.equal(await page.locator('#status').textContent(), '接続中');
  });

  it('lays a watermark with the user and the time over the desktop', async () => {
    const label = await page.locator('#watermark').getAttribute('data-label');
    assert.match(label ?? '', /^msw\.takahashi \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    assert.ok((await page.locator('#watermark span').count()) >= 6);
    const covers = await page.evaluate(() => {
      const mark = document.getElementById('watermark')!.getBoundingClientRect();
      const display = document.getElementById('display')!.getBoundingClientRect();
      return mark.top <= display.top && mark.bottom >= display.bottom && mark.width >= display.width;
    });
    assert.ok(covers, 'the watermark covers the whole desktop');
  });

  it('offers text entry by the phone’s own input method and the keys a phone keyboard lacks', async () => {
    await page.click('#text-toggle');
    assert.equal(await page.locator('#text-panel').isVisible(), true);
    assert.equal(await page.locator('#text-input').getAttribute('lang'), 'ja');
    await page.click('#keys-toggle');
    for (const key of ['Enter', 'BS', 'Esc'])
      assert.equal(await page.locator(`text=${key}`).isVisible(), true);
    await page.click('#text-toggle');
    await page.click('#keys-toggle');
  });

  it('switches touch between direct pointing and touchpad', async () => {
    assert.equal(await page.locator('#touch-mode').textContent(), 'タッチ: 直接');
    await page.click('#touch-mode');
    assert.equal(await page.locator('#touch-mode').textContent(), 'タッチ: パッド');
    await page.click('#touch-mode');
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
    await english.close();
  });
});
