import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import pg from 'pg';
import type { RedisClientType } from 'redis';
import webpush from 'web-push';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { AlertDispatcher } from '#broker/alerts/alert-dispatcher.js';
import { AlertPayload, alertPayload } from '#broker/alerts/alert-payload.js';
import { PushDevices } from '#broker/alerts/push-devices.js';
import { notifyPractitioners } from '#workspace-app/timeline/notify-practitioners.js';
import { DEMO_PATIENT_IDS } from '#demo/seed-demo-patients.js';
import { Cookies, signInOverHttp, signOutOverHttp } from '#test-support/http-sign-in.js';
import { patientIdentifiers } from '#test-support/patient-identifiers.js';
import { TestPushService, type TestDevice } from '#test-support/push-service.js';
import { encodingsOf } from '#test-support/received-bytes.js';
import { redisOf } from '#test-support/stack-clients.js';
import { workspace } from '#test-support/workspace.js';

/**
 * Alerts on the practitioner's own device: a count of new items and a link to the workspace, nothing that
 * names a patient, a diagnosis or a place. The whole chain is real (a timeline delivery in the portal's
 * database, the portal's relay, the broker, Web Push encryption) up to a push service on this machine.
 */

// No other suite uses this user: its second factor and timeline are this suite's alone.
const USER = 'msw.mori';

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Every byte pattern of every patient identifier found in the bytes: the egress test's search. */
function identifiersIn(bytes: Buffer, identifiers: string[]): string[] {
  return identifiers.flatMap((identifier) =>
    encodingsOf(identifier, identifier)
      .filter((needle) => bytes.includes(needle.bytes))
      .map((needle) => needle.label),
  );
}

describe('alerts on the practitioner’s device', function () {
  this.timeout(120_000);
  let stack: WorkspaceStack;
  let pushService: TestPushService;
  let redis: RedisClientType;
  let identifiers: string[];

  before(async () => {
    stack = await workspace();
    pushService = await TestPushService.start(stack.internalCa);
    redis = redisOf(stack);
    await redis.connect();
    identifiers = await patientIdentifiers(stack.portalDatabaseUrl);
  });
  after(async () => {
    await pushService?.close();
    await redis?.quit();
  });

  describe('through the client page’s API and the portal’s timeline', () => {
    let cookies: Cookies;
    let device: TestDevice;
    let portalDb: pg.Pool;

    const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      fetch(`${stack.brokerUrl}${path}`, {
        method,
        headers: {
          cookie: cookies.header(),
          'x-requested-with': 'hcw-client',
          'content-type': 'application/json',
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });

    /** A hand-off document arrives for the user: its timeline item names the patient. */
    async function somethingNewArrives(key: string): Promise<void> {
      await notifyPractitioners(portalDb, {
        recipients: [USER],
        source: 'patients',
        kind: 'handoff-document',
        patientId: DEMO_PATIENT_IDS.suzukiIchiro,
        title: '鈴木 一郎さんの診療情報提供書が届きました（東京都練馬区）',
        link: `/patients/${DEMO_PATIENT_IDS.suzukiIchiro}`,
        occurredAt: new Date(),
        idempotencyKey: `alerts-test-${key}-${Date.now()}`,
      });
    }

    before(async () => {
      ({ cookies } = await signInOverHttp(stack.brokerUrl, USER));
      device = pushService.device();
      portalDb = new pg.Pool({ connectionString: stack.portalDatabaseUrl, max: 1 });
    });
    after(async () => {
      await signOutOverHttp(stack.brokerUrl, cookies);
      await portalDb?.end();
    });

    it('offers alerts with the workspace’s public key, to the signed-in client only', async () => {
      const answer = await call('GET', '/api/alerts');
      assert.equal(answer.status, 200);
      const body = (await answer.json()) as { offered: boolean; publicKey: string; devices: number };
      assert.equal(body.offered, true);
      assert.equal(Buffer.from(body.publicKey, 'base64url').length, 65);
      assert.equal(body.devices, 0);
      const anonymous = await fetch(`${stack.brokerUrl}/api/alerts`, {
        headers: { 'x-requested-with': 'hcw-client' },
      });
      assert.equal(anonymous.status, 401);
      assert.equal((await call('GET', '/api/alerts', undefined, { 'x-requested-with': 'form' })).status, 403);
    });

    it('refuses a subscription it cannot use or must not call, saying why, and stores nothing', async () => {
      const { subscription } = device;
      const cases: [string, unknown, RegExp][] = [
        [
          'a host that is no push service',
          { ...subscription, endpoint: 'https://10.0.0.5/internal' },
          /push service/,
        ],
        [
          'plain http',
          { ...subscription, endpoint: subscription.endpoint.replace('https:', 'http:') },
          /push service/,
        ],
        [
          'a key of the wrong length',
          { ...subscription, keys: { ...subscription.keys, auth: 'AAAA' } },
          /keys\.auth/,
        ],
        ['no keys', { endpoint: subscription.endpoint }, /keys/],
        ['an unknown field', { ...subscription, patientId: 'x' }, /Unrecognized key/],
        ['not JSON', '{"endpoint":', /./],
      ];
      for (const [name, body, message] of cases) {
        const answer = await call('POST', '/api/alerts/devices', body);
        assert.equal(answer.status, 400, name);
        const { error } = (await answer.json()) as { error: { ja: string; en: string } };
        assert.match(`${error.ja} ${error.en}`, message, name);
      }
      assert.equal(((await (await call('GET', '/api/alerts')).json()) as { devices: number }).devices, 0);
    });

    it('alerts the subscribed device with a count when a new item arrives, and nothing that identifies anyone', async () => {
      const answer = await call('POST', '/api/alerts/devices', { ...device.subscription, language: 'ja' });
      assert.equal(answer.status, 201, await answer.clone().text());
      await redis.del(`alerts:recent:${USER}`);
      await somethingNewArrives('first');
      const push = await waitFor('the alert', () => pushService.to(device)[0]);
      assert.equal(push.headers['content-encoding'], 'aes128gcm');
      assert.match(String(push.headers.authorization), /^vapid t=.+, k=.+/);
      const shown = TestPushService.decrypt(device, push);
      const payload = AlertPayload.parse(JSON.parse(shown));
      assert.match(payload.title, /^新着 \d+件$/);
      assert.equal(payload.url, '/');
      // The timeline item named the patient and the place; the alert carries neither, in any encoding, in
      // what the device shows nor in what travelled.
      assert.deepEqual(identifiersIn(Buffer.from(shown), identifiers), []);
      assert.deepEqual(identifiersIn(push.body, identifiers), []);
      assert.deepEqual(identifiersIn(Buffer.from(JSON.stringify(push.headers)), identifiers), []);
      assert.doesNotMatch(shown, /練馬|診療情報/);
    });

    it('control: the same search finds an identifier planted in an alert, and the payload schema refuses it', () => {
      const name = identifiers.find((identifier) => /[一-龥]/.test(identifier));
      assert.ok(name, 'a patient name to plant');
      const planted = JSON.stringify({ ...alertPayload(1, 'ja'), title: `新着 1件 ${name}` });
      assert.notDeepEqual(identifiersIn(Buffer.from(planted), identifiers), []);
      assert.throws(() => AlertPayload.parse(JSON.parse(planted)));
      assert.throws(() => AlertPayload.parse({ ...alertPayload(1, 'ja'), patient: name }));
    });

    it('holds alerts in the user’s quiet hours, and refuses hours it cannot read', async () => {
      for (const body of [
        { from: '25:00', until: '07:00' },
        { from: '22:00', until: '22:00' },
        { from: '22:00' },
      ]) {
        assert.equal((await call('PUT', '/api/alerts/quiet-hours', body)).status, 400, JSON.stringify(body));
      }
      // Quiet all day but a minute.
      const tokyoNow = new Date(Date.now() + 9 * 3600_000);
      const hhmm = (date: Date) => date.toISOString().slice(11, 16);
      const quiet = {
        from: hhmm(new Date(tokyoNow.getTime() + 120_000)),
        until: hhmm(new Date(tokyoNow.getTime() + 60_000)),
      };
      const answer = await call('PUT', '/api/alerts/quiet-hours', quiet);
      assert.equal(answer.status, 200, await answer.clone().text());
      const before = pushService.to(device).length;
      await redis.del(`alerts:recent:${USER}`);
      await somethingNewArrives('quiet');
      await waitFor('the alert held', async () =>
        (await redis.get(`alerts:held:${USER}`)) === null ? undefined : true,
      );
      assert.equal(pushService.to(device).length, before, 'nothing reached the device');
      assert.equal((await call('DELETE', '/api/alerts/quiet-hours')).status, 200);
      await redis.del([`alerts:held:${USER}`, `alerts:recent:${USER}`]);
      await redis.sRem('alerts:held-users', USER);
    });

    it('forgets a device the user removes: no alert reaches it afterwards', async () => {
      const answer = await call('POST', '/api/alerts/devices/remove', {
        endpoint: device.subscription.endpoint,
      });
      assert.equal(answer.status, 200);
      assert.equal(((await answer.json()) as { devices: number }).devices, 0);
      const before = pushService.to(device).length;
      await somethingNewArrives('removed');
      await new Promise((resolve) => setTimeout(resolve, 4000));
      assert.equal(pushService.to(device).length, before);
    });
  });

  describe('the dispatcher: one alert per interval, quiet hours, devices that are gone', () => {
    let brokerDb: pg.Pool;
    let devices: PushDevices;
    let now = new Date('2026-12-07T03:00:00Z'); // 12:00 in Tokyo
    let dispatcher: AlertDispatcher;
    const user = 'alerts.dispatcher-test';

    before(async () => {
      brokerDb = new pg.Pool({ connectionString: stack.brokerDatabaseUrl, max: 2 });
      devices = new PushDevices(brokerDb);
      dispatcher = new AlertDispatcher({
        devices,
        redis,
        vapid: { ...webpush.generateVAPIDKeys(), subject: 'mailto:it-admin@workspace.example' },
        minIntervalSeconds: 60,
        log: () => undefined,
        agent: new Agent({ ca: stack.internalCa.pem }),
        now: () => now,
      });
    });
    beforeEach(async () => {
      await brokerDb.query('DELETE FROM push_subscriptions WHERE user_id = $1', [user]);
      await devices.setQuietHours(user, undefined);
      await redis.del([`alerts:recent:${user}`, `alerts:held:${user}`]);
      await redis.sRem('alerts:held-users', user);
    });
    after(async () => {
      await brokerDb?.end();
    });

    const subscribe = async (language: 'ja' | 'en' = 'ja'): Promise<TestDevice> => {
      const device = pushService.device();
      await devices.add(user, { ...device.subscription, language });
      return device;
    };
    const titles = (device: TestDevice) =>
      pushService
        .to(device)
        .map((push) => (JSON.parse(TestPushService.decrypt(device, push)) as AlertPayload).title);

    it('sends nothing to a user without a device', async () => {
      assert.equal(await dispatcher.notify(user, 3), 'no-device');
    });

    it('sends the first alert, holds the next within the interval, and sends the latest count after it', async () => {
      const device = await subscribe();
      assert.equal(await dispatcher.notify(user, 1), 'sent');
      assert.equal(await dispatcher.notify(user, 2), 'held');
      assert.equal(await dispatcher.notify(user, 4), 'held');
      assert.equal(await dispatcher.flushHeld(), 0, 'the interval has not passed');
      await redis.del(`alerts:recent:${user}`);
      assert.equal(await dispatcher.flushHeld(), 1);
      assert.equal(await dispatcher.flushHeld(), 0, 'sent once');
      assert.deepEqual(titles(device), ['新着 1件', '新着 4件']);
    });

    it('writes the alert in the device’s language', async () => {
      const device = await subscribe('en');
      assert.equal(await dispatcher.notify(user, 12), 'sent');
      assert.deepEqual(titles(device), ['12 new']);
    });

    it('holds alerts in quiet hours over midnight and sends one when they end', async () => {
      const device = await subscribe();
      await devices.setQuietHours(user, { from: '22:00', until: '07:00' });
      now = new Date('2026-12-07T14:30:00Z'); // 23:30 in Tokyo
      assert.equal(await dispatcher.notify(user, 1), 'held');
      now = new Date('2026-12-07T21:59:00Z'); // 06:59
      assert.equal(await dispatcher.notify(user, 2), 'held');
      assert.equal(await dispatcher.flushHeld(), 0);
      now = new Date('2026-12-07T22:00:00Z'); // 07:00: quiet hours are over
      assert.equal(await dispatcher.flushHeld(), 1);
      assert.deepEqual(titles(device), ['新着 2件']);
      now = new Date('2026-12-07T03:00:00Z');
    });

    it('forgets a device its push service says is gone, and still alerts the others', async () => {
      const gone = await subscribe();
      const kept = await subscribe();
      pushService.markGone(gone);
      assert.equal(await dispatcher.notify(user, 1), 'sent');
      assert.deepEqual(
        (await devices.ofUser(user)).map((d) => d.endpoint),
        [kept.subscription.endpoint],
      );
      assert.deepEqual(titles(kept), ['新着 1件']);
    });
  });
});
