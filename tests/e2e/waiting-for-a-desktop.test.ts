import assert from 'node:assert/strict';
import { createClient, type RedisClientType } from 'redis';
import { redisClientOptions } from '@hcw/common';
import { LeaseStore } from '#broker/desktops/lease-store.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { signInOverHttp, signOutOverHttp } from '../support/http-sign-in.js';
import { waitForPortalOnDisplay } from '../support/remote-display.js';
import { signIn } from '../support/sign-in.js';
import { workspace } from '../support/workspace.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';

/** The stand-ins' leases hold no VNC password, so the key that would seal one is never used. */
const NO_VNC_PASSWORDS = { key: Buffer.alloc(32), previousKeys: [] };

/**
 * Every desktop of the shared workspace taken, as by colleagues who signed in before: leases held in Redis
 * for stand-in users (no session runs on those desktops), given back one at a time.
 */
async function takeEveryDesktop(
  stack: WorkspaceStack,
  leases: LeaseStore,
): Promise<{ giveBackOne(): Promise<void>; giveBackAll(): Promise<void> }> {
  const held: { userId: string; desktopId: string }[] = [];
  for (const [i, desktop] of stack.desktops.entries()) {
    const userId = `waiting-test-colleague-${i}`;
    const claim = await leases.claim(userId, desktop.id, 'local');
    // Someone else's already: taken either way.
    if (claim.outcome !== 'claimed') continue;
    await leases.activate({
      userId,
      desktopId: desktop.id,
      poolId: 'local',
      state: 'active',
      vncPassword: '',
      leasedAt: new Date().toISOString(),
    });
    held.push({ userId, desktopId: desktop.id });
  }
  const giveBack = async (lease: { userId: string; desktopId: string }) => {
    const token = await leases.release(lease.userId, lease.desktopId);
    await leases.forget(lease.userId, lease.desktopId);
    if (token) await leases.unlock(lease.desktopId, token);
  };
  return {
    async giveBackOne() {
      const lease = held.shift();
      assert.ok(lease, 'no desktop of ours to give back');
      await giveBack(lease);
    },
    async giveBackAll() {
      for (const lease of held.splice(0)) await giveBack(lease);
    },
  };
}

describe('waiting for a free desktop', function () {
  this.timeout(240000);
  let stack: WorkspaceStack;
  let browser: TestBrowser;
  let redis: RedisClientType;
  let taken: Awaited<ReturnType<typeof takeEveryDesktop>> | undefined;

  before(async () => {
    stack = await workspace();
    browser = await launchBrowser();
    redis = createClient(redisClientOptions(stack.redisUrl, stack.internalCa.pem));
    await redis.connect();
  });
  afterEach(async () => {
    await taken?.giveBackAll();
    taken = undefined;
  });
  after(async () => {
    await browser?.close();
    await redis?.quit();
  });

  it('says so in both languages, with when to ask again, while every desktop is taken', async () => {
    // A desktop dr.tanaka may still hold from an earlier suite goes back first (signing out wipes it).
    await signOutOverHttp(stack.brokerUrl, (await signInOverHttp(stack.brokerUrl, 'dr.tanaka')).cookies);
    taken = await takeEveryDesktop(stack, new LeaseStore(redis, 300, NO_VNC_PASSWORDS));
    // dr.tanaka: the IdP asserts multi-factor for him, so no second factor of this run is involved.
    const { cookies } = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
    try {
      const refusal = await fetch(`${stack.brokerUrl}/api/desktop/connect`, {
        method: 'POST',
        headers: { cookie: cookies.header(), 'x-requested-with': 'hcw-client' },
      });
      assert.equal(refusal.status, 503);
      const body = (await refusal.json()) as {
        error: { code: string; ja: string; en: string };
        retryAfterSeconds: number;
      };
      assert.equal(body.error.code, 'no-free-desktop');
      assert.match(body.error.ja, /空いているデスクトップがありません。.*自動で接続します/);
      assert.match(body.error.en, /No desktop is free\..*connects by itself/);
      assert.ok(body.retryAfterSeconds >= 1 && body.retryAfterSeconds <= 10, String(body.retryAfterSeconds));
      assert.equal(refusal.headers.get('retry-after'), String(body.retryAfterSeconds));
    } finally {
      await signOutOverHttp(stack.brokerUrl, cookies);
    }
  });

  it('shows the wait on the client page and connects by itself once a desktop is given back', async () => {
    await signOutOverHttp(stack.brokerUrl, (await signInOverHttp(stack.brokerUrl, 'dr.tanaka')).cookies);
    taken = await takeEveryDesktop(stack, new LeaseStore(redis, 300, NO_VNC_PASSWORDS));
    const page = await browser.context.newPage();
    try {
      await signIn(page, stack.brokerUrl, 'dr.tanaka');
      await page.waitForFunction(
        () => document.querySelector('#status')?.getAttribute('data-state') === 'waiting',
      );
      assert.match((await page.locator('#status').textContent()) ?? '', /空いているデスクトップがありません/);
      await taken.giveBackOne();
      await waitForPortalOnDisplay(page);
      assert.equal(await page.locator('#status').getAttribute('data-state'), 'connected');
    } finally {
      // Give the desktop back at once, for the suites that follow.
      const cookie = (await browser.context.cookies(stack.brokerUrl))
        .map((c) => `${c.name}=${c.value}`)
        .join('; ');
      await fetch(`${stack.brokerUrl}/auth/logout`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie },
      });
      await page.close();
    }
  });
});
