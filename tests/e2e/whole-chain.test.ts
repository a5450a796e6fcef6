import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { redisClientOptions } from '@hcw/common';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { distinctColours } from '../support/pixels.js';
import { displayShot, waitForPortalOnDisplay } from '../support/remote-display.js';
import { signIn, signOutFromClient } from '../support/sign-in.js';
import { workspace } from '../support/workspace.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';

describe('the whole chain, end to end', function () {
  this.timeout(240000);
  let stack: WorkspaceStack;
  let browser: TestBrowser;

  before(async () => {
    stack = await workspace();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it('sends a visitor to the development IdP, signs them in and shows the portal in the remote desktop', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${stack.brokerUrl}/`);
    assert.match(page.url(), /\/dev-idp\/sso\?SAMLRequest=/);
    await signIn(page, stack.brokerUrl, 'nurse.sato');
    const png = await waitForPortalOnDisplay(page);
    assert.ok(distinctColours(png) > 20, 'the remote display is not blank');
    assert.equal(await page.locator('#status').getAttribute('data-state'), 'connected');
    await page.close();
  });

  it('gives the same desktop back when the tab is closed and opened again', async () => {
    const redis = createClient(redisClientOptions(stack.redisUrl, stack.internalCa.pem));
    await redis.connect();
    try {
      const before = await redis.get('lease:user:nurse.sato');
      assert.ok(before, 'the practitioner holds a lease');
      // The desktop's VNC password, which opened the display above, is in Redis only sealed.
      const stored = JSON.parse(before) as Record<string, unknown>;
      assert.equal(stored.vncPassword, undefined);
      assert.match(String(stored.vncPasswordSealed), /^[\w-]+\.[\w-]+\.[\w-]+$/);
      const page = await browser.context.newPage();
      await page.goto(`${stack.brokerUrl}/`);
      await waitForPortalOnDisplay(page);
      assert.equal(await redis.get('lease:user:nurse.sato'), before, 'the same lease, not a new desktop');
      await signOutFromClient(page);
      assert.equal(await redis.get('lease:user:nurse.sato'), null, 'signing out gives the desktop back');
      await page.close();
    } finally {
      await redis.quit();
    }
  });

  it('does not take a page without the portal for the portal (control)', async () => {
    const page = await browser.context.newPage();
    await page.setContent('<div id="display" style="width:800px;height:400px;background:#fff"></div>');
    const shot = await displayShot(page);
    assert.ok(shot.headerShare < 0.1);
    await page.close();
  });
});
