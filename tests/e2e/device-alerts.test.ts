import assert from 'node:assert/strict';
import pg from 'pg';
import type { Page } from 'playwright-core';
import type { RedisClientType } from 'redis';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { AlertPayload } from '#broker/alerts/alert-payload.js';
import { notifyPractitioners } from '#workspace-app/timeline/notify-practitioners.js';
import { DEMO_PATIENT_IDS } from '#demo/seed-demo-patients.js';
import { TestPushService, type TestDevice } from '#test-support/push-service.js';
import { redisOf } from '#test-support/stack-clients.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { signIn, signOutFromClient } from '../support/sign-in.js';
import { workspace } from '../support/workspace.js';

/**
 * A practitioner turns alerts on from the client page on her phone, sets quiet hours, gets an alert when a
 * document arrives for her, and turns them off. The page, its service worker and the whole chain behind it
 * are real; only the browser's own push service is replaced (it is on the internet): the page's
 * `pushManager.subscribe` answers a subscription on the push service of this machine, with keys the test
 * holds, so the test reads what the device would show.
 */

// No other suite uses this user: its second factor and timeline are this suite's alone.
const USER = 'msw.mori';

describe('alerts on the phone, from the client page', function () {
  this.timeout(180_000);
  let stack: WorkspaceStack;
  let pushService: TestPushService;
  let device: TestDevice;
  let browser: TestBrowser;
  let page: Page;
  let redis: RedisClientType;

  const alertSettings = () =>
    page.evaluate(async () => {
      const response = await fetch('/api/alerts', { headers: { 'x-requested-with': 'hcw-client' } });
      return (await response.json()) as {
        devices: number;
        quietHours: { from: string; until: string } | null;
      };
    });

  before(async () => {
    stack = await workspace();
    pushService = await TestPushService.start(stack.internalCa);
    device = pushService.device();
    redis = redisOf(stack);
    await redis.connect();
    browser = await launchBrowser({ width: 390, height: 844 });
    await browser.context.grantPermissions(['notifications'], { origin: new URL(stack.brokerUrl).origin });
    // A string, not a function: the test's compiler would add helpers the page does not have.
    await browser.context.addInitScript(`{
      const subscription = ${JSON.stringify(device.subscription)};
      const fake = {
        endpoint: subscription.endpoint,
        toJSON: () => ({ endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys }),
        unsubscribe: async () => true,
      };
      let current = null;
      PushManager.prototype.subscribe = async () => (current = fake);
      PushManager.prototype.getSubscription = async () => current;
    }`);
    page = await browser.context.newPage();
    await signIn(page, stack.brokerUrl, USER);
  });
  after(async () => {
    await signOutFromClient(page).catch(() => undefined);
    await browser?.close();
    await pushService?.close();
    await redis?.quit();
  });

  it('offers alerts in the menu and says that only a count reaches the device', async () => {
    await page.click('#menu-button');
    await page.waitForSelector('#alerts-toggle:not([hidden])');
    await page.click('#alerts-toggle');
    await page.waitForSelector('#alerts-panel:not([hidden])');
    assert.match(
      (await page.textContent('#alerts-panel')) ?? '',
      /新着の件数だけ.*患者さんの名前や内容は届きません/s,
    );
    assert.equal(await page.textContent('#alerts-state'), 'この端末では通知を受け取っていません。');
  });

  it('turns alerts on: the service worker shows alerts only, and the device is registered with the broker', async () => {
    await page.click('#alerts-switch');
    await page.waitForFunction(
      () => document.getElementById('alerts-state')?.textContent === 'この端末で通知を受け取っています。',
    );
    assert.equal((await alertSettings()).devices, 1);
    const worker = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration('/client/alerts/');
      return {
        script: (registration?.active ?? registration?.installing ?? registration?.waiting)?.scriptURL,
        scope: registration?.scope,
        controlsThisPage: navigator.serviceWorker.controller !== null,
      };
    });
    assert.match(worker.script ?? '', /\/client\/alerts-sw\.js$/);
    assert.match(worker.scope ?? '', /\/client\/alerts\/$/);
    assert.equal(worker.controlsThisPage, false, 'the worker sees none of the page’s traffic');
  });

  it('refuses quiet hours that start when they end, and keeps hours over midnight', async () => {
    await page.fill('#quiet-from', '22:00');
    await page.fill('#quiet-until', '22:00');
    await page.click('#quiet-save');
    await page.waitForSelector('#alerts-error:not([hidden])');
    assert.match((await page.textContent('#alerts-error')) ?? '', /開始と終了を別の時刻/);
    assert.equal((await alertSettings()).quietHours, null);
    await page.fill('#quiet-until', '07:00');
    await page.click('#quiet-save');
    await page.waitForFunction(() =>
      /保存しました/.test(document.getElementById('quiet-note')?.textContent ?? ''),
    );
    assert.deepEqual((await alertSettings()).quietHours, { from: '22:00', until: '07:00' });
    await page.click('#quiet-clear');
    await page.waitForFunction(() =>
      /解除しました/.test(document.getElementById('quiet-note')?.textContent ?? ''),
    );
    assert.equal((await alertSettings()).quietHours, null);
  });

  it('alerts the phone with a count when a document arrives for her', async () => {
    const portalDb = new pg.Pool({ connectionString: stack.portalDatabaseUrl, max: 1 });
    try {
      await redis.del(`alerts:recent:${USER}`);
      await notifyPractitioners(portalDb, {
        recipients: [USER],
        source: 'patients',
        kind: 'handoff-document',
        patientId: DEMO_PATIENT_IDS.suzukiIchiro,
        title: '鈴木 一郎さんの退院時情報が届きました',
        link: `/patients/${DEMO_PATIENT_IDS.suzukiIchiro}`,
        occurredAt: new Date(),
        idempotencyKey: `client-alerts-${Date.now()}`,
      });
    } finally {
      await portalDb.end();
    }
    const deadline = Date.now() + 20_000;
    while (pushService.to(device).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [push] = pushService.to(device);
    assert.ok(push, 'an alert reached the push service');
    const alert = AlertPayload.parse(JSON.parse(TestPushService.decrypt(device, push)));
    assert.match(alert.title, /^新着 \d+件$/);
    assert.doesNotMatch(JSON.stringify(alert), /鈴木|退院/);
  });

  it('turns alerts off: the broker forgets the device and the service worker is gone', async () => {
    await page.click('#alerts-switch');
    await page.waitForFunction(
      () => document.getElementById('alerts-state')?.textContent === 'この端末では通知を受け取っていません。',
    );
    assert.equal((await alertSettings()).devices, 0);
    assert.equal(
      await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length),
      0,
    );
  });
});
