import type { Page } from 'playwright-core';
import { enrolmentCodeFor } from './enrolment-codes.js';
import { nextTotpCode, rememberTotpSecret } from './totp.js';
import { TEST_DEMO_PASSWORD } from './workspace.js';

/** Signs in through the development IdP's form, as a person would. */
export async function signIn(
  page: Page,
  brokerUrl: string,
  username: string,
  password = TEST_DEMO_PASSWORD,
): Promise<void> {
  await page.goto(`${brokerUrl}/`);
  await page.waitForSelector('input[name=username]');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL((url) => url.pathname === '/' || url.pathname === '/auth/second-factor');
  if (new URL(page.url()).pathname === '/auth/second-factor')
    await passSecondFactor(page, brokerUrl, username);
}

/**
 * Enrols an authenticator app on the first sign-in (typing the enrolment code the development IdP lists
 * for the user first), or types the next code, as a person would.
 */
export async function passSecondFactor(page: Page, brokerUrl: string, username: string): Promise<void> {
  await typeEnrolmentCodeIfAsked(page, brokerUrl, username);
  const enrolKey = page.locator('text=このキーを入力してください').locator('code');
  if (await enrolKey.count()) {
    rememberTotpSecret(brokerUrl, username, (await enrolKey.textContent())!.trim());
    await page.fill(
      'form[action="/auth/second-factor/totp/enrol"] input[name=code]',
      await nextTotpCode(brokerUrl, username),
    );
    await page.click('form[action="/auth/second-factor/totp/enrol"] button');
    await page.waitForURL(`${brokerUrl}/auth/second-factor/recovery-codes`);
    await Promise.all([page.waitForURL(`${brokerUrl}/`), page.click('button[type=submit]')]);
    return;
  }
  await page.fill(
    'form[action="/auth/second-factor/totp"] input[name=code]',
    await nextTotpCode(brokerUrl, username),
  );
  await Promise.all([
    page.waitForURL(`${brokerUrl}/`),
    page.click('form[action="/auth/second-factor/totp"] button'),
  ]);
}

/** On the enrolment-code page, types the code the user's administrator (the development IdP) issued. */
export async function typeEnrolmentCodeIfAsked(
  page: Page,
  brokerUrl: string,
  username: string,
): Promise<void> {
  const form = page.locator('form[action="/auth/second-factor/enrolment-code"]');
  if (!(await form.count())) return;
  const code = await enrolmentCodeFor(brokerUrl, username);
  if (!code) throw new Error(`the development IdP lists no enrolment code for ${username}`);
  await form.locator('input[name=code]').fill(code);
  await form.locator('button').click();
  await page.waitForSelector('form[action="/auth/second-factor/totp/enrol"]');
  // The passkey button works once the page's script has run.
  await page.waitForLoadState('load');
}
