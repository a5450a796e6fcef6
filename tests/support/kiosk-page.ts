import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * The kiosk's page whose address starts with `urlPrefix`, reached through the kiosk's debugging port (test
 * desktops only), waiting up to 30 seconds for the kiosk to start and show it.
 */
export async function kioskPageAt(
  debugPort: number,
  urlPrefix: string,
): Promise<{ browser: Browser; page: Page }> {
  const deadline = Date.now() + 30000;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const browser = await chromium.connectOverCDP(`http://127.0.0.1:${debugPort}`, { timeout: 5000 });
      const page = browser
        .contexts()
        .flatMap((c) => c.pages())
        .find((p) => p.url().startsWith(urlPrefix));
      if (page) return { browser, page };
      lastError = `no page of ${urlPrefix} yet`;
      await browser.close();
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the kiosk never showed ${urlPrefix}: ${lastError}`);
}
