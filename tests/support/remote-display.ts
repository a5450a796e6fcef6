import type { Page } from 'playwright-core';
import { PORTAL_HEADER_COLOUR } from '#workspace-app/ui/layout.js';
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

/**
 * The desktop's picture as the client page received it: the remote display's own canvas (the desktop's
 * pixels, one for one, before the page scales them), as a PNG. Guacamole grows its canvases in steps of
 * 64 pixels; the layer's own box says how much of it is the desktop.
 */
export async function receivedFrame(page: Page): Promise<Buffer> {
  const dataUrl = await page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#display canvas');
    if (!canvas?.parentElement) throw new Error('no remote display on the page');
    const width = Number.parseFloat(canvas.parentElement.style.width);
    const height = Number.parseFloat(canvas.parentElement.style.height);
    const copy = document.createElement('canvas');
    copy.width = width;
    copy.height = height;
    copy.getContext('2d')!.drawImage(canvas, 0, 0);
    return copy.toDataURL('image/png');
  });
  return Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
}

/**
 * The remote display on the client page: the desktop's size in pixels as received, the area the page
 * shows it in, and how many of the page's CSS pixels one desktop pixel takes.
 */
export async function displayGeometry(page: Page): Promise<{
  desktop: { width: number; height: number };
  area: { width: number; height: number };
  shown: { width: number; height: number };
  cssPerDesktopPixel: number;
}> {
  return page.evaluate(() => {
    const layer = document.querySelector<HTMLCanvasElement>('#display canvas')?.parentElement;
    const area = document.getElementById('display')!.getBoundingClientRect();
    if (!layer) throw new Error('no remote display on the page');
    const desktop = {
      width: Number.parseFloat(layer.style.width),
      height: Number.parseFloat(layer.style.height),
    };
    const shown = layer.getBoundingClientRect();
    return {
      desktop,
      area: { width: area.width, height: area.height },
      shown: { width: shown.width, height: shown.height },
      cssPerDesktopPixel: shown.width / desktop.width,
    };
  });
}

/** Waits until the received frame stops changing (every tile of a new shape has arrived); returns it. */
export async function waitForSettledFrame(page: Page, timeoutMs = 30000): Promise<Buffer> {
  const deadline = Date.now() + timeoutMs;
  let previous = await receivedFrame(page);
  while (Date.now() < deadline) {
    await page.waitForTimeout(700);
    const current = await receivedFrame(page);
    if (current.equals(previous)) return current;
    previous = current;
  }
  return previous;
}
