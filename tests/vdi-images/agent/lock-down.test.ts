import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '#test-support/browser.js';
import { startTestDesktop, type TestDesktop } from '../support/test-desktop.js';
import { DOWNLOAD_CONTENT, startTestSite, type TestSite } from '../support/test-site.js';

/**
 * Each refusal is shown on the kiosk (Chromium with the managed policy, in the agent's session) and, as
 * the control, the same probe succeeds in the same Chromium binary without the policy.
 */

/**
 * Calls window.print() and reports which print events the page saw. Where printing works, the print
 * preview holds the page's script until it closes; that counts as printing too.
 */
const printEvents = (page: Page): Promise<string[]> =>
  Promise.race([
    page.evaluate(
      () =>
        new Promise<string[]>((resolve) => {
          const seen: string[] = [];
          addEventListener('beforeprint', () => seen.push('beforeprint'));
          addEventListener('afterprint', () => seen.push('afterprint'));
          window.print();
          setTimeout(() => resolve(seen), 1000);
        }),
    ),
    new Promise<string[]>((resolve) => setTimeout(() => resolve(['print preview open']), 5000)),
  ]);

/** window.open() from the page's own script, without a user gesture: a pop-up. */
async function opensPopup(session: CDPSession, url: string): Promise<boolean> {
  const result = (await session.send('Runtime.evaluate', {
    expression: `window.open(${JSON.stringify(url)}) !== null`,
    userGesture: false,
    returnByValue: true,
  })) as { result: { value: unknown } };
  return result.result.value === true;
}

/** Navigates and reports how it ended: the page's title, or the network error. */
async function visit(page: Page, url: string): Promise<string> {
  try {
    await page.goto(url, { timeout: 15000 });
    return `loaded: ${await page.title()}`;
  } catch (error) {
    // Let the error page commit before anything else navigates.
    await page.waitForTimeout(500);
    return `refused: ${(error as Error).message.split('\n')[0]}`;
  }
}

async function pageTargets(browser: Browser): Promise<string[]> {
  const session = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = (await session.send('Target.getTargets')) as {
      targetInfos: { type: string; url: string }[];
    };
    return targetInfos
      .filter((t) => t.type === 'page' && !t.url.startsWith('chrome://omnibox'))
      .map((t) => t.url);
  } finally {
    await session.detach();
  }
}

describe('kiosk lock-down', function () {
  this.timeout(120000);
  let site: TestSite;
  let offSite: TestSite;
  /** The kiosk with its debugger allowed on pages, so tests can drive it. */
  let desktop: TestDesktop;
  /** The kiosk exactly as users get it, developer tools off. */
  let strictDesktop: TestDesktop;
  let kioskBrowser: Browser;
  let kiosk: Page;
  let control: TestBrowser;
  let controlPage: Page;

  before(async () => {
    [site, offSite] = await Promise.all([startTestSite('許可されたサイト'), startTestSite('許可外のサイト')]);
    [desktop, strictDesktop, control] = await Promise.all([
      startTestDesktop({ debugPages: true }),
      startTestDesktop({ debugPages: false }),
      launchBrowser(),
    ]);
    await Promise.all([
      desktop.startSession('nurse.lockdown', `${site.url}/`),
      strictDesktop.startSession('nurse.strict', `${site.url}/`),
    ]);
    ({ browser: kioskBrowser, page: kiosk } = await desktop.connect(site.url));
    controlPage = await control.context.newPage();
    await controlPage.goto(`${site.url}/`);
  });
  beforeEach(async () => {
    // Every probe starts from the allow-listed page, whatever the one before it left on the screen. A
    // refused navigation commits its error page a little later, which may interrupt this one: try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await kiosk.goto(`${site.url}/`);
        break;
      } catch (error) {
        if (attempt === 4) throw error;
        await kiosk.waitForTimeout(500);
      }
    }
  });
  after(async () => {
    await kioskBrowser?.close().catch(() => undefined);
    await control?.close().catch(() => undefined);
    await Promise.all([desktop?.stop(), strictDesktop?.stop()]);
    await Promise.all([site?.close(), offSite?.close()]);
  });

  it('refuses a download', async () => {
    // Playwright routes downloads through itself when it connects; give them back to the kiosk's own
    // download manager, which is where the policy applies.
    const session = await kioskBrowser.newBrowserCDPSession();
    await session.send('Browser.setDownloadBehavior', { behavior: 'default' });
    await session.detach();
    await kiosk.click('#download');
    await kiosk.waitForTimeout(1500);
    const downloads = path.join(`/proc/${desktop.kioskPid()}/root${desktop.sessionDir}`, 'home', 'Downloads');
    const saved = existsSync(downloads) ? readdirSync(downloads) : [];
    assert.deepEqual(saved, [], 'nothing was saved');

    const [download] = await Promise.all([
      controlPage.waitForEvent('download'),
      controlPage.click('#download'),
    ]);
    const file = await download.path();
    assert.equal(
      readFileSync(file, 'utf8'),
      DOWNLOAD_CONTENT,
      'control: without the policy the file is saved',
    );
  });

  it('refuses window.print()', async () => {
    assert.deepEqual(await printEvents(kiosk), []);
    assert.ok(
      (await printEvents(controlPage)).includes('beforeprint'),
      'control: without the policy it prints',
    );
  });

  it('refuses developer tools: no debugger may attach to a page of the kiosk as users get it', async () => {
    const strict = await startStrictConnection(strictDesktop, site.url);
    try {
      const session = await strict.newBrowserCDPSession();
      const { targetInfos } = (await session.send('Target.getTargets')) as {
        targetInfos: { targetId: string; type: string; url: string }[];
      };
      const target = targetInfos.find((t) => t.type === 'page' && t.url.startsWith(site.url));
      assert.ok(target, 'the kiosk shows the site');
      await assert.rejects(
        session.send('Target.attachToTarget', { targetId: target.targetId, flatten: true }),
        /Not allowed/,
      );
    } finally {
      await strict.close();
    }
    // Control: a page of the same browser without the policy accepts a debugger.
    const controlSession = await control.context.newCDPSession(controlPage);
    assert.deepEqual(await controlSession.send('Runtime.evaluate', { expression: '1 + 1' }), {
      result: { type: 'number', value: 2, description: '2' },
    });
    await controlSession.detach();
  });

  it('refuses developer tools: F12 and ctrl+shift+i never reach the kiosk, and devtools:// is blocked', async () => {
    await kiosk.evaluate(() => ((window as unknown as { keysSeen: string[] }).keysSeen = []));
    desktop.pressKeys('F12', 'ctrl+shift+i', 'ctrl+shift+j', 'ctrl+b');
    await kiosk.waitForTimeout(500);
    const seen = await kiosk.evaluate(() => (window as unknown as { keysSeen: string[] }).keysSeen);
    assert.ok(seen.includes('C-b'), 'control: an ordinary shortcut reaches the page');
    assert.ok(!seen.includes('F12') && !seen.includes('C-S-I') && !seen.includes('C-S-J'), seen.join(' '));
    assert.deepEqual(await pageTargets(kioskBrowser), [`${site.url}/`], 'no developer tools window opened');

    const devtools = 'devtools://devtools/bundled/inspector.html';
    assert.match(await visit(kiosk, devtools), /refused: .*ERR_BLOCKED_BY_ADMINISTRATOR/);
    const controlProbe = await control.context.newPage();
    assert.match(await visit(controlProbe, devtools), /^loaded/, 'control: without the policy it opens');
    await controlProbe.close();
  });

  it('refuses a file:// URL', async () => {
    assert.match(await visit(kiosk, 'file:///etc/hostname'), /refused: .*ERR_BLOCKED_BY_ADMINISTRATOR/);
    const controlProbe = await control.context.newPage();
    assert.match(await visit(controlProbe, 'file:///etc/hostname'), /^loaded/, 'control: without the policy');
    await controlProbe.close();
  });

  it('refuses a URL off the allow-list, and never even asks that server', async () => {
    const allowed = await visit(kiosk, `${site.url}/another-page`);
    assert.match(allowed, /^loaded: 許可されたサイト/, `allow-listed: ${allowed}`);
    assert.match(await visit(kiosk, `${offSite.url}/`), /refused: .*ERR_BLOCKED_BY_ADMINISTRATOR/);
    assert.match(await visit(kiosk, 'https://example.com/'), /refused: .*ERR_BLOCKED_BY_ADMINISTRATOR/);
    assert.equal(offSite.hits.length, 0, 'the off-list server was never asked');

    const controlProbe = await control.context.newPage();
    assert.match(await visit(controlProbe, `${offSite.url}/`), /^loaded: 許可外のサイト/, 'control');
    await controlProbe.close();
    assert.ok(
      offSite.hits.includes('/'),
      'control: the off-list server does see a browser without the policy',
    );
  });

  it('opens no context menu and no link in a new tab: right and middle clicks, Menu and shift+F10', async () => {
    const box = (await kiosk.locator('#note').boundingBox())!;
    await kiosk.evaluate(() => {
      const seen = { menus: 0, auxClicks: 0, leftClicks: 0, keys: [] as string[] };
      (window as unknown as { seen: typeof seen }).seen = seen;
      addEventListener('contextmenu', () => seen.menus++);
      addEventListener('auxclick', () => seen.auxClicks++);
      addEventListener('click', () => seen.leftClicks++);
      addEventListener('keydown', (e) => seen.keys.push((e.shiftKey ? 'S-' : '') + e.key));
    });
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    desktop.clickAt(x, y, 3, 2, 1);
    desktop.pressKeys('Menu', 'shift+F10', 'b');
    await kiosk.waitForTimeout(800);
    const seen = await kiosk.evaluate(
      () =>
        (
          window as unknown as {
            seen: { menus: number; auxClicks: number; leftClicks: number; keys: string[] };
          }
        ).seen,
    );
    assert.equal(seen.leftClicks, 1, 'control: the left button reaches the page');
    assert.ok(seen.keys.includes('b'), 'control: the keyboard reaches the page');
    assert.equal(seen.menus, 0, 'no context menu was asked for');
    assert.equal(seen.auxClicks, 0, 'no middle or right click reached the page');
    assert.ok(!seen.keys.includes('ContextMenu') && !seen.keys.includes('S-F10'), seen.keys.join(' '));
    assert.deepEqual(await pageTargets(kioskBrowser), [`${site.url}/`], 'no new window or tab');

    // Control: in the same browser without the desktop's lock-down, a right click asks for a context menu.
    await controlPage.evaluate(() => {
      (window as unknown as { menus: number }).menus = 0;
      addEventListener('contextmenu', () => (window as unknown as { menus: number }).menus++);
    });
    await controlPage.mouse.click(x, y, { button: 'right' });
    assert.equal(await controlPage.evaluate(() => (window as unknown as { menus: number }).menus), 1);
  });

  it('refuses new windows: pop-ups from page scripts and the shortcuts for new windows and tabs', async () => {
    await kiosk.reload();
    const session = await kioskBrowser.contexts()[0]!.newCDPSession(kiosk);
    assert.equal(await opensPopup(session, `${site.url}/popup`), false);
    await session.detach();
    await kiosk.evaluate(() => ((window as unknown as { keysSeen: string[] }).keysSeen = []));
    desktop.pressKeys('ctrl+n', 'ctrl+shift+n', 'ctrl+t', 'ctrl+b');
    await kiosk.waitForTimeout(800);
    assert.deepEqual(await pageTargets(kioskBrowser), [`${site.url}/`], 'still one window with one page');
    const seen = await kiosk.evaluate(() => (window as unknown as { keysSeen: string[] }).keysSeen);
    assert.ok(seen.includes('C-b'), 'control: the keyboard reaches the kiosk');
    assert.ok(!site.hits.includes('/popup'));

    await controlPage.reload();
    const controlSession = await control.context.newCDPSession(controlPage);
    const popup = control.context.waitForEvent('page');
    assert.equal(await opensPopup(controlSession, `${site.url}/popup`), true, 'control: without the policy');
    await (await popup).close();
    await controlSession.detach();
  });
});

/** The strict kiosk's browser, at browser level only (it lets no debugger near its pages). */
async function startStrictConnection(desktop: TestDesktop, urlPrefix: string): Promise<Browser> {
  const deadline = Date.now() + 30000;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const browser = await chromium.connectOverCDP(`http://127.0.0.1:${desktop.debugPort}`, {
        timeout: 5000,
      });
      if ((await pageTargets(browser)).some((url) => url.startsWith(urlPrefix))) return browser;
      lastError = 'the site is not shown yet';
      await browser.close();
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the strict kiosk never showed ${urlPrefix}: ${lastError}`);
}
