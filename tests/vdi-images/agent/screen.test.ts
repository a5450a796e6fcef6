import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { AgentHealth, SCREEN_PATH } from '@hcw/common';
import { parseRandr } from '#agent/x-screen.js';
import { startTestDesktop, type TestDesktop } from '../support/test-desktop.js';
import { startTestSite, type TestSite } from '../support/test-site.js';

/** What the X server itself says its screen is, and the modes the agent added to it. */
function xScreen(display: number): { width: number; height: number; added: string[] } {
  const text = execFileSync('xrandr', ['--query'], {
    env: { PATH: '/usr/bin:/bin', DISPLAY: `:${display}` },
    timeout: 5000,
  }).toString('utf8');
  const state = parseRandr(text);
  return { width: state.width, height: state.height, added: state.modes.filter((m) => m.startsWith('hcw-')) };
}

async function kioskLayout(page: Page): Promise<{ width: number; height: number; scale: number }> {
  return page.evaluate(() => ({ width: innerWidth, height: innerHeight, scale: devicePixelRatio }));
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('the desktop’s screen', function () {
  this.timeout(120000);
  let site: TestSite;
  let desktop: TestDesktop;
  let kiosk: { browser: Browser; page: Page };

  before(async () => {
    [site, desktop] = await Promise.all([startTestSite('画面'), startTestDesktop({ debugPages: true })]);
  });
  after(async () => {
    await kiosk?.browser.close().catch(() => undefined);
    await desktop?.stop();
    await site?.close();
  });

  it('starts a session at the size and scale it is given: the kiosk lays out at the CSS size', async () => {
    const { status } = await desktop.call('POST', '/v1/sessions', {
      userId: 'nurse.screen',
      startUrl: `${site.url}/`,
      organisation: '画面テスト訪問看護ステーション',
      screen: { width: 780, height: 1688, scale: 2 },
    });
    assert.equal(status, 201);
    kiosk = await desktop.connect(site.url);
    assert.deepEqual(await kioskLayout(kiosk.page), { width: 390, height: 844, scale: 2 });
    const screen = xScreen(desktop.display);
    assert.deepEqual([screen.width, screen.height], [780, 1688], 'the X server’s screen');
    const health = AgentHealth.parse((await desktop.call('GET', '/v1/health')).body);
    assert.deepEqual(health.screen, { width: 780, height: 1688, scale: 2 });
  });

  it('changes the running screen without reloading the kiosk’s page: a half-typed text stays', async () => {
    await kiosk.page.fill('#note', '途中まで入力した記録');
    const answer = await desktop.call('PUT', SCREEN_PATH, { width: 1688, height: 780, scale: 2 });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { width: 1688, height: 780, scale: 2 });
    assert.equal(xScreen(desktop.display).width, 1688);
    await until('the kiosk to lay out across', async () =>
      (await kioskLayout(kiosk.page)).width === 844 ? true : undefined,
    );
    assert.deepEqual(await kioskLayout(kiosk.page), { width: 844, height: 390, scale: 2 });
    assert.equal(await kiosk.page.inputValue('#note'), '途中まで入力した記録');
  });

  it('changes the kiosk’s scale while it runs', async () => {
    const answer = await desktop.call('PUT', SCREEN_PATH, { width: 1536, height: 2048, scale: 1.5 });
    assert.equal(answer.status, 200);
    const layout = await until('the kiosk at scale 1.5', async () => {
      const now = await kioskLayout(kiosk.page);
      return now.scale === 1.5 ? now : undefined;
    });
    assert.equal(layout.width, 1024);
    assert.ok(Math.abs(layout.height - 2048 / 1.5) < 1, `the kiosk is ${layout.height} CSS pixels tall`);
    assert.equal(await kiosk.page.inputValue('#note'), '途中まで入力した記録');
  });

  it('keeps only the mode it uses: turning a phone a hundred times does not fill the X server with modes', async () => {
    for (const screen of [
      { width: 780, height: 1688, scale: 2 },
      { width: 1688, height: 780, scale: 2 },
      { width: 780, height: 1688, scale: 2 },
    ]) {
      assert.equal((await desktop.call('PUT', SCREEN_PATH, screen)).status, 200);
    }
    assert.deepEqual(xScreen(desktop.display).added, ['hcw-780x1688']);
  });

  it('refuses sizes and scales outside its bounds, with the reason', async () => {
    const refusals: [unknown, RegExp][] = [
      [{ width: 100, height: 800, scale: 1 }, /width/],
      [{ width: 5000, height: 800, scale: 1 }, /width/],
      [{ width: 4000, height: 4000, scale: 1 }, /pixels/],
      [{ width: 780.5, height: 1688, scale: 2 }, /integer/],
      [{ width: 780, height: 1688, scale: 2.1 }, /0\.25/],
      [{ width: 780, height: 1688, scale: 3 }, /scale/],
      [{ width: 780, height: 1688 }, /scale/],
      [{ width: 780, height: 1688, scale: 2, x: 1 }, /Unrecognized key/],
      ['not json', /not JSON/],
    ];
    for (const [body, reason] of refusals) {
      const answer = await desktop.call('PUT', SCREEN_PATH, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.match((answer.body as { error: string }).error, reason);
    }
    assert.equal(xScreen(desktop.display).width, 780, 'the screen did not change');
    // Control: the same request within bounds is applied.
    assert.equal((await desktop.call('PUT', SCREEN_PATH, { width: 844, height: 390, scale: 1 })).status, 200);
    assert.equal(xScreen(desktop.display).width, 844);
  });

  it('refuses a screen change when no session runs, and starts the next session at the default size', async () => {
    await desktop.endSession();
    const answer = await desktop.call('PUT', SCREEN_PATH, { width: 780, height: 1688, scale: 2 });
    assert.equal(answer.status, 409);
    const health = AgentHealth.parse((await desktop.call('GET', '/v1/health')).body);
    assert.deepEqual(health.screen, { width: 1280, height: 800, scale: 1 });
    assert.equal(xScreen(desktop.display).width, 1280, 'the wipe gave the next user the default screen');
  });
});
