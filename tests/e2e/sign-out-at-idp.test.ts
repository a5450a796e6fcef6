import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createClient, type RedisClientType } from 'redis';
import { redisClientOptions } from '@hcw/common';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { signInOverHttp, signOutOverHttp } from '../support/http-sign-in.js';
import { signIn } from '../support/sign-in.js';
import { TEST_DEMO_PASSWORD, workspace } from '../support/workspace.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { SESSION_COOKIE } from '#broker/auth/session.js';

/** What the broker tells a tab whose session ended because its user signed out at the IdP. */
const SIGNED_OUT_AT_IDP = /所属組織のサインイン（IdP）でサインアウトしたため接続を終了しました/;
/** The broker's instruction that ends a tunnel with the reason: Guacamole `error`, status 0x0209 (521). */
const SESSION_CLOSED_NOTICE = /5\.error,\d+\.[^;]*?,3\.521;/g;
/** What guacd sends when the desktop behind a connection goes away (status 0x0203, upstream error). */
const DESKTOP_GONE = '5.error,18.Aborted. See logs.,3.515;';

interface DesktopTab {
  page: Page;
  /** Every address the tab's main frame went to. */
  visited: string[];
  /** How many times the broker's notice was kept from the tab. */
  noticesDropped(): number;
}

describe('the desktop tab when its session ends at the IdP', function () {
  this.timeout(300000);
  let stack: WorkspaceStack;
  let browser: TestBrowser;
  let redis: RedisClientType;

  before(async () => {
    stack = await workspace();
    browser = await launchBrowser();
    redis = createClient(redisClientOptions(stack.redisUrl, stack.internalCa.pem));
    await redis.connect();
  });
  after(async () => {
    await browser?.close();
    await redis?.quit();
  });

  /**
   * A tab signed in (as a user whose IdP asserts multi-factor) with its desktop connected. With
   * `noticeReplacedBy`, the broker's in-band notice never reaches the page; the page gets that instead (guacd's
   * own error, or nothing) and the tunnel closes: what happens when the desktop is gone before the broker's
   * revocation check has seen the session end.
   */
  async function desktopTab(options: { noticeReplacedBy?: string } = {}): Promise<DesktopTab> {
    const page = await browser.context.newPage();
    const visited: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) visited.push(frame.url());
    });
    let dropped = 0;
    const replacement = options.noticeReplacedBy;
    if (replacement !== undefined) {
      await page.routeWebSocket(/\/tunnel\?/, (ws) => {
        const server = ws.connectToServer();
        server.onMessage((message) => {
          if (typeof message !== 'string') return ws.send(message);
          const kept = message.replace(SESSION_CLOSED_NOTICE, () => {
            dropped += 1;
            return replacement;
          });
          if (kept) ws.send(kept);
        });
      });
    }
    await signIn(page, stack.brokerUrl, 'dr.tanaka');
    // The status line sits in the client's menu, closed: its state is what counts.
    await page.waitForSelector('#status[data-state="connected"]', { state: 'attached', timeout: 120000 });
    // From here on: where the tab goes once its session has ended.
    visited.length = 0;
    return { page, visited, noticesDropped: () => dropped };
  }

  /** Signs out at the development IdP in another tab, as a person would, then looks at the desktop tab again. */
  async function signOutAtIdpInAnotherTab(desktop: Page): Promise<void> {
    const idp = await browser.context.newPage();
    await idp.goto(`${stack.brokerUrl}/dev-idp/logout`);
    await idp.fill('input[name=username]', 'dr.tanaka');
    await idp.fill('input[name=password]', TEST_DEMO_PASSWORD);
    await Promise.all([idp.waitForURL(/\/dev-idp\/slo\?/), idp.click('button[type=submit]')]);
    assert.match((await idp.textContent('body')) ?? '', /すべてのサービスからサインアウトしました/);
    await idp.close();
    await desktop.bringToFront();
  }

  async function endedWith(tab: DesktopTab): Promise<string> {
    await tab.page.waitForSelector('#status[data-state="ended"]', { state: 'attached', timeout: 60000 });
    // What the user sees: the card over the desktop says why.
    assert.equal(await tab.page.locator('#connection-detail').isVisible(), true);
    return (await tab.page.textContent('#status')) ?? '';
  }

  function wentToIdp(tab: DesktopTab): boolean {
    return tab.visited.some((url) => new URL(url).pathname.startsWith('/dev-idp/'));
  }

  it('says why the desktop closed, and stays on the page', async () => {
    const tab = await desktopTab();
    await signOutAtIdpInAnotherTab(tab.page);
    assert.match(await endedWith(tab), SIGNED_OUT_AT_IDP);
    assert.equal(new URL(tab.page.url()).pathname, '/');
    assert.equal(wentToIdp(tab), false, "never sent to the IdP's sign-in page");

    // Control: the way back is the user's choice, and the tab's journey to the IdP is seen when it happens.
    await Promise.all([tab.page.waitForURL(/\/dev-idp\/sso\?/), tab.page.click('#again')]);
    assert.equal(wentToIdp(tab), true);
    await tab.page.close();
  });

  for (const [what, replacement] of [
    ["with the desktop's own error", DESKTOP_GONE],
    ['without a word', ''],
  ]) {
    it(`says why even when the tunnel closes before the broker can tell it: ${what}`, async () => {
      const tab = await desktopTab({ noticeReplacedBy: replacement });
      await signOutAtIdpInAnotherTab(tab.page);
      assert.match(await endedWith(tab), SIGNED_OUT_AT_IDP);
      assert.equal(new URL(tab.page.url()).pathname, '/');
      assert.equal(wentToIdp(tab), false, "never sent to the IdP's sign-in page");
      await tab.page.close();
    });
  }

  it('gives another reason for a session that simply ran out (control)', async () => {
    const tab = await desktopTab({ noticeReplacedBy: DESKTOP_GONE });
    const cookie = (await browser.context.cookies(stack.brokerUrl)).find((c) => c.name === SESSION_COOKIE);
    const signed = decodeURIComponent(cookie?.value ?? '');
    // What the idle timeout does: the session's key in Redis reaches the end of its time to live.
    await redis.del(`broker:sess:${signed.slice(2, signed.lastIndexOf('.'))}`);
    const status = await endedWith(tab);
    assert.match(status, /一定時間操作がなかった/);
    assert.doesNotMatch(status, SIGNED_OUT_AT_IDP);
    assert.ok(tab.noticesDropped() >= 1, "the broker's notice was sent, and kept from the page");
    assert.equal(wentToIdp(tab), false);
    await tab.page.close();
    // A session that ran out leaves its desktop leased until the lease expires; signing out gives it back.
    const again = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
    await signOutOverHttp(stack.brokerUrl, again.cookies);
  });
});
