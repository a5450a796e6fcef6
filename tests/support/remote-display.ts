import type { Page } from 'playwright-core';
import { PORTAL_HEADER_COLOUR } from '../../workspace-app/src/ui/layout.js';
import { distinctColours, hexToRgb, shareOfColour } from './pixels.js';

const header = hexToRgb(PORTAL_HEADER_COLOUR);

/** A screenshot of the client page's remote display, and how much of its top rows is the portal's header. */
export async function displayShot(
  page: Page,
  band = { y: 8, height: 20 },
): Promise<{ png: Buffer; headerShare: number }> {
  const png = await page.locator('#display').screenshot();
  const box = await page.locator('#display').boundingBox();
  const width = Math.floor(box?.width ?? 0);
  return { png, headerShare: shareOfColour(png, { x: 0, width, ...band }, header) };
}

/** Waits until the portal is on the remote display: its header band across the top, and a page drawn. */
export async function waitForPortalOnDisplay(
  page: Page,
  timeoutMs = 60000,
  band?: { y: number; height: number },
): Promise<Buffer> {
  const deadline = Date.now() + timeoutMs;
  let last: { png: Buffer; headerShare: number } | undefined;
  while (Date.now() < deadline) {
    last = await displayShot(page, band);
    if (last.headerShare > 0.5 && distinctColours(last.png) > 20) return last.png;
    await page.waitForTimeout(500);
  }
  throw new Error(`the portal never appeared on the remote display (header share ${last?.headerShare ?? 0})`);
}
