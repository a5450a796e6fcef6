import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core; test tools never download a browser of their own. */
export const CHROMIUM = '/usr/bin/chromium';

export interface TestBrowser {
  context: BrowserContext;
  /** The browser's profile directory: everything it keeps on disk (deleted on close). */
  profileDir: string;
  close(): Promise<void>;
}

export interface BrowserOptions {
  /** Touch events, so a test can tap (`locator.tap()`) as on a phone (implied by `isMobile`). */
  hasTouch?: boolean;
  /** Off to check that a page works without scripts. */
  javaScriptEnabled?: boolean;
  /** Device pixels per CSS pixel: 3 for most phones, 2 for tablets, 1 for an ordinary PC screen. */
  deviceScaleFactor?: number;
  /** A phone or tablet: touch events, the mobile viewport. */
  isMobile?: boolean;
  /** Every connection goes through this HTTP proxy, loopback included (see network-cut.ts). */
  proxyServer?: string;
}

/** A browser with a fresh, empty profile directory that is deleted on close. */
export async function launchBrowser(
  viewport = { width: 1280, height: 900 },
  options: BrowserOptions = {},
): Promise<TestBrowser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'hcw-browser-'));
  const proxy = options.proxyServer
    ? [`--proxy-server=${options.proxyServer}`, '--proxy-bypass-list=<-loopback>']
    : [];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    hasTouch: options.hasTouch ?? options.isMobile ?? false,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    deviceScaleFactor: options.deviceScaleFactor,
    isMobile: options.isMobile,
    locale: 'ja-JP',
    args: [
      ...proxy,
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    profileDir: profile,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
