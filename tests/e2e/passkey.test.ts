import assert from 'node:assert/strict';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { signOutFromClient, typeEnrolmentCodeIfAsked } from '../support/sign-in.js';
import { workspace, TEST_DEMO_PASSWORD } from '../support/workspace.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';

/** A passkey enrolled and used through Chromium's own software authenticator (WebAuthn over CDP). */
describe('passkey as the second factor', function () {
  this.timeout(180000);
  let stack: WorkspaceStack;
  let browser: TestBrowser;

  before(async () => {
    stack = await workspace();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it('enrols a passkey at the first sign-in (with the administrator’s enrolment code) and signs in with it the next time', async () => {
    const page = await browser.context.newPage();
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    });
    const user = 'nurse.kimura'; // no other suite enrols this user
    const signInAtIdp = async () => {
      await page.goto(`${stack.brokerUrl}/auth/login`);
      await page.fill('input[name=username]', user);
      await page.fill('input[name=password]', TEST_DEMO_PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForURL(`${stack.brokerUrl}/auth/second-factor`);
    };
    await signInAtIdp();
    assert.equal(await page.locator('#passkey-register').count(), 0, 'no passkey without an enrolment code');
    await typeEnrolmentCodeIfAsked(page, stack.brokerUrl, user);
    await Promise.all([
      page.waitForURL(`${stack.brokerUrl}/auth/second-factor/recovery-codes`),
      page.click('#passkey-register'),
    ]);
    await Promise.all([page.waitForURL(`${stack.brokerUrl}/`), page.click('button[type=submit]')]);
    await signOutFromClient(page);
    await signInAtIdp();
    assert.equal(
      await page.locator('form[action="/auth/second-factor/totp"]').count(),
      0,
      'no app was enrolled',
    );
    assert.equal(await page.locator('#passkey-sign-in').count(), 1, 'the passkey is offered');
    await Promise.all([page.waitForURL(`${stack.brokerUrl}/`), page.click('#passkey-sign-in')]);
    const me = await page.evaluate(async () => (await fetch('/api/me')).status);
    assert.equal(me, 200);
    await signOutFromClient(page);
    await page.close();
  });
});
