import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import type { RedisClientType } from 'redis';
import { freePort } from '#scripts/stack/managed-process.js';
import type { SupervisedProcess } from '#scripts/stack/supervised-process.js';
import { startWorkspaceStack, type WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { DEMO_PATIENT_IDS } from '#demo/seed-demo-patients.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { kioskPageAt } from '../support/kiosk-page.js';
import { waitForPortalOnDisplay } from '../support/remote-display.js';
import { signIn } from '../support/sign-in.js';
import { redisOf } from '../support/stack-clients.js';
import { TEST_DEMO_PASSWORD } from '../support/workspace.js';

/**
 * The services behind a practitioner's desktop die, as processes do: each is killed outright (SIGKILL, no
 * chance to tidy up) while the practitioner works. The stack starts it again as systemd would, and the
 * practitioner's client says the connection was lost, reconnects by itself, and comes back to the same
 * desktop with the half-typed record still there, without signing in again.
 */

const USER = 'dr.tanaka';
const HALF_TYPED = '訪問時、血圧やや高め。続きは';

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 90000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.fail(`timed out waiting for ${what}${lastError ? ` (${lastError})` : ''}`);
}

describe('services killed during a session', function () {
  this.timeout(600000);
  let dataDir: string;
  let stack: WorkspaceStack;
  let redis: RedisClientType;
  let database: pg.Pool;
  let practitioner: TestBrowser;
  let page: Page;
  let kiosk: { browser: Browser; page: Page };

  const service = (name: string): SupervisedProcess => stack.processes.find((p) => p.name === name)!;
  const lease = async (): Promise<string | null> => redis.get(`lease:user:${USER}`);
  const signIns = async (): Promise<number> =>
    Number(
      (
        await database.query(
          "SELECT count(*) FROM audit_events WHERE type = 'sign-in' AND outcome = 'success' AND actor_id = $1",
          [USER],
        )
      ).rows[0].count,
    );
  const connectionState = (): Promise<string | null> =>
    page.locator('#connection').getAttribute('data-state');

  /** Every state the client's connection panel passes through from now on, with its text. */
  async function recordStates(): Promise<void> {
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { statesSeen: string[] }).statesSeen = seen;
      const element = document.getElementById('connection')!;
      new MutationObserver(() =>
        seen.push(`${element.dataset.state}: ${element.textContent?.trim()}`),
      ).observe(element, { attributes: true, childList: true, subtree: true, characterData: true });
    });
  }
  const statesSeen = (): Promise<string[]> =>
    page.evaluate(() => (window as unknown as { statesSeen: string[] }).statesSeen);

  /** Kills the service outright and checks the practitioner comes back to the same desktop, told meanwhile. */
  async function killAndComeBack(name: string): Promise<string[]> {
    const before = { lease: await lease(), signIns: await signIns() };
    assert.ok(before.lease, 'the practitioner holds a desktop');
    const victim = service(name);
    const restarts = victim.restarts;
    const pid = victim.pid;
    await recordStates();
    process.kill(-pid, 'SIGKILL');
    await victim.restarted(restarts + 1);
    assert.notEqual(victim.pid, pid, `${name} runs as a new process`);
    await waitFor('the client to say the connection was lost', async () =>
      (await statesSeen()).some((state) => state.startsWith('reconnecting')),
    );
    await waitFor('the client to be connected again', async () => (await connectionState()) === 'connected');
    assert.equal(await lease(), before.lease, 'the same lease: the same desktop');
    assert.equal(await kiosk.page.locator('textarea').first().inputValue(), HALF_TYPED, 'the record kept');
    assert.equal(await signIns(), before.signIns, 'no new sign-in');
    assert.doesNotMatch(page.url(), /dev-idp/, 'the practitioner was never sent to sign in');
    return statesSeen();
  }

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'hcw-restarts-'));
    const debugPort = await freePort();
    stack = await startWorkspaceStack({
      dataDir,
      demoPassword: TEST_DEMO_PASSWORD,
      desktops: 1,
      kioskDebugPort: debugPort,
      brokerEnv: { LEASE_HEARTBEAT_SECONDS: '1' },
    });
    redis = redisOf(stack);
    // This test's own clients see the stores die too: they reconnect, and say nothing meanwhile.
    redis.on('error', () => undefined);
    await redis.connect();
    database = new pg.Pool({ connectionString: stack.brokerDatabaseUrl, max: 2 });
    database.on('error', () => undefined);
    practitioner = await launchBrowser({ width: 1280, height: 800 });
    page = await practitioner.context.newPage();
    await signIn(page, stack.brokerUrl, USER);
    await waitFor('the desktop', async () => (await connectionState()) === 'connected');
    kiosk = await kioskPageAt(debugPort, stack.portalUrl);
    await kiosk.page.goto(`${stack.portalUrl}/patients/${DEMO_PATIENT_IDS.suzukiIchiro}/visit`);
    await kiosk.page.locator('textarea').first().fill(HALF_TYPED);
  });
  after(async () => {
    await kiosk?.browser.close().catch(() => undefined);
    await practitioner?.close().catch(() => undefined);
    await database?.end().catch(() => undefined);
    await redis?.quit().catch(() => undefined);
    await stack?.stop();
    if (dataDir && !process.env.KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
  });

  it('guacd: the client says the connection was lost, and reconnects to the same desktop once guacd is back', async () => {
    const states = await killAndComeBack('guacd');
    assert.ok(
      states.some((state) => /再接続しています/.test(state) && /デスクトップはそのまま/.test(state)),
      `the client said what was happening, in Japanese: ${states.join(' | ')}`,
    );
  });

  it('the broker carrying the tunnel: the client reconnects through the broker started again, signed in still', async () => {
    await killAndComeBack('broker');
    const me = await page.evaluate(async () => (await fetch('/api/me')).status);
    assert.equal(me, 200, 'the session outlived the broker process');
  });

  it('the portal: the stack starts it again and the desktop’s pages load from it', async () => {
    const portal = service('portal');
    const restarts = portal.restarts;
    process.kill(-portal.pid, 'SIGKILL');
    await portal.restarted(restarts + 1);
    await waitFor('the portal to answer again', async () => (await fetch(`${stack.portalUrl}/healthz`)).ok);
    await kiosk.page.goto(`${stack.portalUrl}/patients/${DEMO_PATIENT_IDS.suzukiIchiro}`);
    assert.match((await kiosk.page.locator('h1').first().textContent()) ?? '', /鈴木/);
  });

  it('the desktop’s agent: the practitioner is told, and is working in a desktop again without signing in', async () => {
    const agent = service('desktop-1');
    const restarts = agent.restarts;
    const signInsBefore = await signIns();
    await recordStates();
    process.kill(-agent.pid, 'SIGKILL');
    await agent.restarted(restarts + 1);
    await waitFor('the client to say the desktop was lost', async () =>
      (await statesSeen()).some((state) => !state.startsWith('connected')),
    );
    // The fresh desktop comes with a word on what happened to the old one, until the practitioner goes on.
    await waitFor(
      'the client to say the desktop restarted',
      async () => (await connectionState()) === 'notice',
      180000,
    );
    assert.match((await page.locator('#connection-detail').textContent()) ?? '', /再起動/);
    await page.locator('#dismiss').click();
    assert.equal(await connectionState(), 'connected');
    await waitForPortalOnDisplay(page, 120000);
    assert.equal(await signIns(), signInsBefore, 'no new sign-in');
    const { rows } = await database.query(
      "SELECT 1 FROM audit_events WHERE type = 'desktop-session-lost' AND actor_id = $1",
      [USER],
    );
    assert.equal(rows.length, 1, 'the lost session is in the audit trail');
    const states = await statesSeen();
    assert.ok(states.length > 0, 'the client showed what was happening');
  });

  /** A store as the broker's own probe last saw it, and when (its readiness report, asked from loopback). */
  async function storeState(name: 'redis' | 'postgres'): Promise<{ state?: string; checkedAt: number }> {
    const report = (await (await fetch(`${stack.brokerUrl}/readyz`)).json()) as {
      checkedAt?: string;
      dependencies?: Record<string, { state?: string }>;
    };
    return { state: report.dependencies?.[name]?.state, checkedAt: Date.parse(report.checkedAt ?? '') };
  }

  /** Kills a store outright and waits until the broker reaches it again; nothing else may have died of it. */
  async function killStore(name: 'redis' | 'postgres'): Promise<void> {
    const others = ['broker', 'portal'].map((other) => ({ other, restarts: service(other).restarts }));
    const store = service(name);
    const restarts = store.restarts;
    process.kill(-store.pid, 'SIGKILL');
    await store.restarted(restarts + 1);
    const startedAgainAt = Date.now();
    await waitFor(`the broker to reach ${name} again`, async () => {
      const seen = await storeState(name);
      // A probe begun after the start again, plus a second for whatever the death set off to happen.
      return seen.state === 'up' && seen.checkedAt > startedAgainAt + 1000;
    });
    for (const { other, restarts: before } of others)
      assert.equal(service(other).restarts, before, `the ${other} lived through ${name} dying`);
  }

  it('Redis: the broker and the portal reconnect, and the practitioner is still signed in', async () => {
    const signInsBefore = await signIns();
    await killStore('redis');
    // Sessions are kept on disk as in production (an append-only file), so the sign-in outlives Redis.
    const me = await page.evaluate(async () => (await fetch('/api/me')).status);
    assert.equal(me, 200, 'the session outlived Redis');
    await page.reload();
    await waitFor('the client to be connected', async () => (await connectionState()) === 'connected');
    assert.equal(await signIns(), signInsBefore, 'no new sign-in');
    assert.doesNotMatch(page.url(), /dev-idp/);
  });

  it('PostgreSQL: no audit record is lost, and connections are recorded again once it is back', async () => {
    const count = async (): Promise<number> =>
      Number((await database.query('SELECT count(*) FROM audit_events')).rows[0].count);
    const before = await count();
    await killStore('postgres');
    await waitFor('the pool to reach the database again', async () => (await count()) >= before);
    assert.ok((await count()) >= before, 'every audit record written before is still there');
    const connectionsBefore = await count();
    await page.reload();
    await waitFor('the client to be connected', async () => (await connectionState()) === 'connected');
    await waitFor('the new connection in the audit trail', async () => (await count()) > connectionsBefore);
  });

  it('a service stopped on purpose stays stopped (control: only a death is healed)', async () => {
    const guacd = service('guacd');
    const restarts = guacd.restarts;
    await guacd.stop();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(guacd.restarts, restarts);
    await waitFor(
      'the client to notice guacd is gone',
      async () => (await connectionState()) !== 'connected',
    );
  });
});
