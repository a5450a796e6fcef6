import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { DEMO_PATIENT_IDS } from '#demo/seed-demo-patients.js';
import { demoTransferRequestId } from '#demo/seed-demo-transfers.js';
import { launchBrowser, type TestBrowser } from '#test-support/browser.js';
import {
  NARROW_MAX_PX,
  blocksSideBySide,
  headerWrapped,
  hoverOrRightClickOnly,
  sidewaysOverflow,
  smallTargets,
  smallText,
  tablesNotCards,
} from './page-checks.js';
import { PORTAL_PAGES as pages, type PortalPage, type Role } from './portal-pages-by-role.js';
import { demoPeople, startPortalWithDemoData, type PortalWithDemoData } from './portal-with-demo-data.js';

/** The sizes a practitioner's devices give the desktop, in CSS pixels. */
const sizes = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'phone on its side', width: 844, height: 390 },
  { name: 'tablet', width: 768, height: 1024 },
  { name: 'PC', width: 1920, height: 1080 },
  { name: 'small phone', width: 360, height: 780 },
] as const;

const patient = DEMO_PATIENT_IDS.yamaguchiMasao;
const request = demoTransferRequestId;

const people = { practitioner: demoPeople.sato, msw: demoPeople.takahashi, bedManager: demoPeople.ito };

/** The responsive rules removed, as the page was before them: what each control measures. */
async function withoutResponsiveStylesheet(page: Page): Promise<void> {
  await page.evaluate(() => document.querySelector('link[href="/assets/responsive.css"]')?.remove());
}

describe('the portal’s own pages on any device', function () {
  this.timeout(600_000);
  let portal: PortalWithDemoData;

  before(async () => {
    portal = await startPortalWithDemoData();
  });
  after(async () => {
    await portal?.stop();
  });

  describe('on a phone, on its side, a tablet and a PC', function () {
    const browsers = new Map<Role, TestBrowser>();
    const tabs = new Map<Role, Page>();
    let firstItemId = '';
    /** Kept after the run (not in the repository) for a person to look at. */
    let screenshots = '';

    async function show(role: Role, target: PortalPage | string, size: { width: number; height: number }) {
      const page = tabs.get(role)!;
      await page.setViewportSize({ width: size.width, height: size.height });
      const where = typeof target === 'string' ? target : target.path.replace('{first-item}', firstItemId);
      const response = await page.goto(`${portal.url}${where}`);
      assert.equal(response?.status(), 200, `${where} answered ${response?.status()}`);
      // Folded only where the screen is small; elsewhere its toggle is hidden and its content shown.
      const toggle = typeof target !== 'string' && target.open ? page.locator(target.open) : undefined;
      if (toggle && (await toggle.isVisible())) await toggle.click();
      return page;
    }

    async function screenshot(page: Page, file: string): Promise<void> {
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      const width = page.viewportSize()!.width;
      await page.screenshot({
        path: path.join(screenshots, file),
        fullPage: true,
        clip: { x: 0, y: 0, width, height: Math.min(height, 8000) },
      });
    }

    before(async () => {
      screenshots = mkdtempSync(path.join(os.tmpdir(), 'hcw-portal-pages-'));
      process.stdout.write(`      screenshots of every page at every size: ${screenshots}\n`);
      for (const role of Object.keys(people) as Role[]) {
        const browser = await launchBrowser(sizes[0]);
        browsers.set(role, browser);
        await portal.signIn(browser.context, people[role]);
        tabs.set(role, await browser.context.newPage());
      }
      // The timeline fills from the five vendor sandboxes; wait until every one of them has delivered.
      const timeline = tabs.get('practitioner')!;
      // A generous bound for a busy machine, inside the suite's own timeout, to name what is missing.
      const deadline = Date.now() + 400_000;
      for (;;) {
        await timeline.goto(`${portal.url}/timeline`);
        const sources = new Set(await timeline.locator('.tl-item .tl-source').allTextContents());
        if (sources.size >= 6) break;
        if (Date.now() > deadline) throw new Error(`the timeline shows only ${[...sources].join(', ')}`);
        await timeline.waitForTimeout(1000);
      }
      await timeline.goto(`${portal.url}/patients/${patient}`);
      const history = await timeline.locator('a[href*="/history"]').first().getAttribute('href');
      firstItemId = history?.split('/items/')[1]?.split('/')[0] ?? '';
      assert.ok(firstItemId, 'the demo record has items');
    });

    after(async () => {
      for (const browser of browsers.values()) await browser.close();
    });

    for (const size of sizes) {
      describe(`${size.name} (${size.width}×${size.height})`, () => {
        const isNarrow = size.width <= NARROW_MAX_PX;
        for (const target of pages) {
          it(`${target.role}: ${target.name}`, async () => {
            const page = await show(target.role, target, size);
            const slug = `${target.role}-${target.name.replace(/[^a-z]+/gi, '-')}`;
            await screenshot(page, `${size.width}x${size.height}-${slug}.png`);
            assert.deepEqual(await sidewaysOverflow(page), [], 'nothing to scroll sideways');
            assert.deepEqual(await headerWrapped(page), [], 'the header on one line');
            assert.deepEqual(await smallText(page), [], 'no text under 14 px');
            assert.deepEqual(await smallTargets(page), [], 'every target at least 44×44 px');
            assert.deepEqual(await hoverOrRightClickOnly(page), [], 'nothing on hover or right-click only');
            if (isNarrow) {
              assert.deepEqual(await tablesNotCards(page), [], 'tables as labelled cards');
              assert.deepEqual(await blocksSideBySide(page), [], 'one column');
            }
          });
        }
      });
    }

    describe('controls: each check finds what it looks for', () => {
      const phone = sizes[0];

      it('sideways scrolling: the bed screen without the responsive rules is wider than a phone', async () => {
        const page = await show('bedManager', '/transfers/beds', phone);
        assert.deepEqual(await sidewaysOverflow(page), []);
        await withoutResponsiveStylesheet(page);
        assert.notDeepEqual(await sidewaysOverflow(page), []);
      });

      it('header: a title too large for the smallest phone is found wrapped', async () => {
        const page = await show('practitioner', '/', sizes[4]);
        assert.deepEqual(await headerWrapped(page), []);
        await page.evaluate(() => {
          const sheet = Array.from(document.styleSheets).find((s) => s.href?.endsWith('/responsive.css'));
          sheet?.insertRule('.portal-name { font-size: 30px !important; }', sheet.cssRules.length);
        });
        const found = await headerWrapped(page);
        assert.ok(
          found.some((line) => line.includes('東京在宅療養ポータル')),
          found.join('\n'),
        );
      });

      it('text size: a line of 12 px type is found', async () => {
        const page = await show('practitioner', '/timeline', phone);
        assert.deepEqual(await smallText(page), []);
        await page.evaluate(() => {
          const sheet = Array.from(document.styleSheets).find((s) => s.href?.endsWith('/responsive.css'));
          sheet?.insertRule('.tl-meta { font-size: 12px !important; }', sheet.cssRules.length);
        });
        const found = await smallText(page);
        assert.ok(found.length > 0 && found.every((line) => line.startsWith('12px')), found.join('\n'));
      });

      it('tap targets: the record without the responsive rules has links a finger misses', async () => {
        const page = await show('practitioner', `/patients/${patient}`, phone);
        assert.deepEqual(await smallTargets(page), []);
        await withoutResponsiveStylesheet(page);
        const found = await smallTargets(page);
        assert.ok(
          found.some((line) => line.includes('“編集”')),
          found.join('\n'),
        );
      });

      it('tap targets: the map’s tiles pass only because the list beneath repeats them', async () => {
        const page = await show('msw', `/transfers/requests/${request}/search`, phone);
        await page.locator('.map-list > summary').click();
        assert.deepEqual(await smallTargets(page), []);
        await page.evaluate(() => document.querySelector('.map-list')?.remove());
        const found = await smallTargets(page);
        assert.ok(found.length > 0 && found.every((line) => line.startsWith('<a>')), found.join('\n'));
      });

      it('tables: the bed screen without the responsive rules keeps its table, and a cell without its label is found', async () => {
        const page = await show('bedManager', '/transfers/beds', phone);
        assert.deepEqual(await tablesNotCards(page), []);
        await withoutResponsiveStylesheet(page);
        assert.ok((await tablesNotCards(page)).some((line) => line.includes('laid out as a table')));

        const accounts = await show('practitioner', '/timeline/accounts', phone);
        assert.deepEqual(await tablesNotCards(accounts), []);
        await accounts.evaluate(() =>
          document.querySelector('td[data-label]')?.removeAttribute('data-label'),
        );
        assert.ok((await tablesNotCards(accounts)).some((line) => line.includes('has no label')));
      });

      it('one column: the record without the responsive rules puts labels beside values, as a tablet does', async () => {
        const page = await show('practitioner', `/patients/${patient}`, phone);
        assert.deepEqual(await blocksSideBySide(page), []);
        await withoutResponsiveStylesheet(page);
        assert.notDeepEqual(await blocksSideBySide(page), []);
        const tablet = await show('practitioner', `/patients/${patient}`, sizes[2]);
        assert.notDeepEqual(await blocksSideBySide(tablet), []);
      });

      it('hover: a tooltip and a style shown on hover are found', async () => {
        const page = await show('practitioner', '/patients', phone);
        assert.deepEqual(await hoverOrRightClickOnly(page), []);
        await page.evaluate(() => {
          document.querySelector('main a')?.setAttribute('title', '詳しくはここ');
          const sheet = Array.from(document.styleSheets).find((s) => s.href?.endsWith('/responsive.css'));
          sheet?.insertRule('.patient-link:hover .kana { display: inline; }', sheet.cssRules.length);
        });
        const found = await hoverOrRightClickOnly(page);
        assert.equal(found.length, 2, found.join('\n'));
      });
    });
  });

  describe('on a phone, by tapping', () => {
    for (const javaScript of [true, false]) {
      it(`opens the header menu, the timeline’s filters and the map’s list by tap, with JavaScript ${javaScript ? 'on' : 'off'}`, async () => {
        const practitioner = await launchBrowser(
          { width: 390, height: 844 },
          { hasTouch: true, javaScriptEnabled: javaScript },
        );
        try {
          await portal.signIn(practitioner.context, demoPeople.sato);
          const page = await practitioner.context.newPage();
          await page.goto(`${portal.url}/`);
          const patients = page.locator('.portal-menu a[href="/patients"]');
          assert.equal(await patients.isVisible(), false, 'the menu is folded on a phone');
          await page.locator('.portal-menu > summary').tap();
          assert.equal(await patients.isVisible(), true);
          await Promise.all([page.waitForURL(`${portal.url}/patients`), patients.tap()]);

          await page.goto(`${portal.url}/timeline`);
          const unreadOnly = page.locator('.tl-filters input[name="unread"]');
          assert.equal(await unreadOnly.isVisible(), false, 'the filters are folded on a phone');
          await page.locator('.tl-filter-box > summary').tap();
          await page.locator('.tl-filters label.tl-check').tap();
          await Promise.all([
            page.waitForURL((url) => url.searchParams.get('unread') === '1'),
            page.locator('.tl-filters button[type="submit"]').tap(),
          ]);
          assert.equal(
            await page.locator('.tl-filter-box').getAttribute('open'),
            '',
            'open while a filter is on',
          );
        } finally {
          await practitioner.close();
        }

        const msw = await launchBrowser(
          { width: 390, height: 844 },
          { hasTouch: true, javaScriptEnabled: javaScript },
        );
        try {
          await portal.signIn(msw.context, demoPeople.takahashi);
          const page = await msw.context.newPage();
          await page.goto(`${portal.url}/transfers/requests/${request}/search`);
          await page.locator('.map-list > summary').tap();
          const choice = page.locator('.map-choice').first();
          const municipality = await choice.getAttribute('data-municipality');
          await Promise.all([
            page.waitForURL((url) => url.searchParams.get('municipality') === municipality),
            choice.tap(),
          ]);
          assert.equal(
            await page.locator('.map-choice[aria-current]').getAttribute('data-municipality'),
            municipality,
          );
        } finally {
          await msw.close();
        }
      });
    }

    it('changes a free-bed figure with the stepper’s + button by tap', async () => {
      const browser = await launchBrowser({ width: 390, height: 844 }, { hasTouch: true });
      try {
        await portal.signIn(browser.context, demoPeople.ito);
        const page = await browser.context.newPage();
        await page.goto(`${portal.url}/transfers/beds`);
        const ward = page.locator('.ward-card').first();
        const field = ward.locator('input[name="maleShared"]');
        const before = Number(await field.inputValue());
        await ward.locator('button.step[data-target="maleShared"][data-step="1"]').tap();
        assert.equal(Number(await field.inputValue()), before + 1);
      } finally {
        await browser.close();
      }
    });
  });
});
