import assert from 'node:assert/strict';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { signInOverHttp, signOutOverHttp, type Cookies } from '../support/http-sign-in.js';
import { waitForPortalOnDisplay } from '../support/remote-display.js';
import { signIn } from '../support/sign-in.js';
import { workspace } from '../support/workspace.js';
import type { WorkspaceStack } from '../../scripts/stack/workspace-stack.js';

/** Practitioners who may hold the shared workspace's desktops for this test (whoever else holds one). */
const COLLEAGUES = ['nurse.kimura', 'cm.suzuki', 'pharm.kobayashi', 'nurse.sato'];

async function connect(stack: WorkspaceStack, cookies: Cookies): Promise<Response> {
  return fetch(`${stack.brokerUrl}/api/desktop/connect`, {
    method: 'POST',
    headers: { cookie: cookies.header(), 'x-requested-with': 'hcw-client' },
  });
}

describe('waiting for a free desktop', function () {
  this.timeout(240000);
  let stack: WorkspaceStack;
  let browser: TestBrowser;
  const holders: Cookies[] = [];

  before(async () => {
    stack = await workspace();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    for (const cookies of holders) await signOutOverHttp(stack.brokerUrl, cookies).catch(() => undefined);
  });

  it('says so in both languages, with when to ask again, while every desktop is taken', async () => {
    // Colleagues take desktops until the pool has none left.
    let refusal: Response | undefined;
    for (const username of COLLEAGUES) {
      const { cookies } = await signInOverHttp(stack.brokerUrl, username);
      holders.push(cookies);
      const answer = await connect(stack, cookies);
      if (answer.status === 503) {
        refusal = answer;
        break;
      }
      assert.equal(answer.status, 200, `${username} could not connect`);
    }
    assert.ok(refusal, 'the pool never ran out of desktops');
    const body = (await refusal.json()) as { error: { ja: string; en: string }; retryAfterSeconds: number };
    assert.match(body.error.ja, /空いているデスクトップがありません。.*自動で接続します/);
    assert.match(body.error.en, /No desktop is free\..*connects by itself/);
    assert.ok(body.retryAfterSeconds >= 1 && body.retryAfterSeconds <= 10, String(body.retryAfterSeconds));
    assert.equal(refusal.headers.get('retry-after'), String(body.retryAfterSeconds));
    // The last colleague holds nothing; the others hold every desktop.
    await signOutOverHttp(stack.brokerUrl, holders.pop()!);
  });

  it('shows the wait on the client page and connects by itself once a colleague signs out', async () => {
    const page = await browser.context.newPage();
    try {
      await signIn(page, stack.brokerUrl, 'dr.tanaka');
      await page.waitForFunction(
        () => document.querySelector('#status')?.getAttribute('data-state') === 'waiting',
      );
      assert.match((await page.locator('#status').textContent()) ?? '', /空いているデスクトップがありません/);
      await signOutOverHttp(stack.brokerUrl, holders.shift()!);
      await waitForPortalOnDisplay(page);
      assert.equal(await page.locator('#status').getAttribute('data-state'), 'connected');
      await Promise.all([page.waitForURL(/\/signed-out$/), page.click('button:has-text("サインアウト")')]);
    } finally {
      await page.close();
    }
  });
});
