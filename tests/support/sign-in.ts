import type { Page } from 'playwright-core';
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
  await Promise.all([page.waitForURL(`${brokerUrl}/`), page.click('button[type=submit]')]);
}
