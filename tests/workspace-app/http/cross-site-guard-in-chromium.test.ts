import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '#test-support/browser.js';
import { basicsForm, people } from '../patients/patient-fixtures.js';
import { startPortalUnderTest, type PortalUnderTest } from '../portal-under-test.js';

/** A page elsewhere that posts a complete patient registration to the portal as soon as it loads. */
function forgingSite(target: string): Promise<Server> {
  const fields = Object.entries(basicsForm({ 'name.kanji.family': '偽造' }))
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
    .join('');
  const html = `<!doctype html><meta charset="utf-8"><form id="f" method="post" action="${target}/patients">${fields}</form>
<script>document.getElementById('f').submit()</script>`;
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * The guard relies on what a real browser sends. Debian's Chromium, the kiosk's browser, is driven here:
 * the portal's own form passes, and a page of the same site on another port (the SameSite cookie goes
 * with it) or of another site is refused.
 */
describe('the cross-site guard with the kiosk’s browser (decision 0017)', function () {
  this.timeout(180_000);
  let portal: PortalUnderTest;
  let browser: TestBrowser;
  let page: Page;
  let forger: Server;
  let forgerPort: number;

  const patients = async () =>
    (await portal.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM patients')).rows[0]!.n;
  const refusalsFrom = async (origin: string) =>
    (
      await portal.pool.query<{ actor_id: string; details: Record<string, unknown> }>(
        `SELECT actor_id, details FROM audit_events
          WHERE type = 'portal.cross-site-request-refused' AND details->>'origin' = $1`,
        [origin],
      )
    ).rows;

  /** Opens the page at `url`, which posts to the portal; resolves with the portal's answer to that post. */
  async function postedFrom(url: string): Promise<number> {
    const answered = page.waitForResponse(
      (response) => response.url() === `${portal.url}/patients` && response.request().method() === 'POST',
    );
    await page.goto(url);
    return (await answered).status();
  }

  before(async () => {
    portal = await startPortalUnderTest('cross_site_chromium_test', { listen: true });
    forger = await forgingSite(portal.url);
    forgerPort = (forger.address() as AddressInfo).port;
    browser = await launchBrowser();
    page = await browser.context.newPage();
    // As the kiosk starts: the hand-off address opened by the browser itself.
    await page.goto(await portal.handoffUrl(people.sato));
    assert.equal(new URL(page.url()).pathname, '/');
    assert.match(await page.content(), /佐藤 花子/);
  });
  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (forger ? forger.close(() => resolve()) : resolve()));
    await portal?.close();
  });

  it('carries out a registration posted from the portal’s own page (control)', async () => {
    const before = await patients();
    await page.goto(`${portal.url}/patients/new`);
    const answered = page.waitForResponse(
      (response) => response.url() === `${portal.url}/patients` && response.request().method() === 'POST',
    );
    await page.evaluate((fields) => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = '/patients';
      for (const [name, value] of Object.entries(fields)) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.append(input);
      }
      document.body.append(form);
      form.submit();
    }, basicsForm());
    assert.equal((await answered).status(), 303);
    await page.waitForURL(/\/patients\/[0-9a-f-]{36}/);
    assert.equal(await patients(), before + 1);
  });

  it('refuses the same post from a page of the same site on another port, though the cookie went along', async () => {
    const before = await patients();
    const origin = `http://127.0.0.1:${forgerPort}`;
    assert.equal(await postedFrom(`${origin}/`), 403);
    assert.match(await page.content(), /ポータル自身の画面からのみ/);
    assert.equal(await patients(), before);
    const refusals = await refusalsFrom(origin);
    assert.equal(refusals.length, 1, 'the session was recognised, so the guard alone refused');
    assert.equal(refusals[0]?.actor_id, 'nurse.sato');
    assert.equal(refusals[0]?.details.fetchSite, 'same-site');
  });

  it('refuses it from another site, where the SameSite=Strict cookie stays at home as well', async () => {
    const before = await patients();
    const origin = `http://localhost:${forgerPort}`;
    assert.equal(await postedFrom(`${origin}/`), 403);
    assert.equal(await patients(), before);
    assert.deepEqual(await refusalsFrom(origin), [], 'no session came with the request');
  });
});
