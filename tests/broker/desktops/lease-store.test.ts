import assert from 'node:assert/strict';
import type { RedisClientType } from 'redis';
import { desktopLeaseKey, userLeaseKey } from '#broker/desktops/lease-store.js';
import { sessionKey } from '#broker/auth/session.js';
import { NoDesktopAvailableError, type DesktopPool } from '#broker/desktops/desktop-pool.js';
import { StaticProvider } from '#broker/desktops/static-provider.js';
import { workspace } from '#test-support/workspace.js';
import {
  aDesktopPool,
  aPool,
  aUser,
  connectRedis,
  FAKE_VNC_PASSWORD,
  FakeAgent,
  LEASE_SECRETS,
} from './fake-desktops.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every desktop held by at most one user, every user holding at most one desktop. */
function sharedDesktops(grants: { userId: string; desktopId: string }[]): string[] {
  const holders = new Map<string, Set<string>>();
  for (const { userId, desktopId } of grants)
    holders.set(desktopId, (holders.get(desktopId) ?? new Set()).add(userId));
  return [...holders].filter(([, users]) => users.size > 1).map(([desktopId]) => desktopId);
}

describe('desktop leases', function () {
  this.timeout(60000);
  let redis: RedisClientType;
  const cleanup: (() => Promise<unknown>)[] = [];

  before(async () => {
    redis = await connectRedis((await workspace()).redisUrl);
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });
  after(async () => {
    await redis.quit();
  });

  async function agents(count: number): Promise<FakeAgent[]> {
    const started = await Promise.all(Array.from({ length: count }, () => FakeAgent.start()));
    cleanup.push(() => Promise.allSettled(started.map((a) => a.kill())));
    return started;
  }

  describe('the VNC password at rest', () => {
    it('is sealed in Redis: the raw lease holds no password (control: the broker opens it)', async () => {
      const [a] = await agents(1);
      const pool = aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host]));
      cleanup.push(() => pool.close());
      const user = aUser();
      await pool.leaseFor(user);
      const raw = (await redis.get(userLeaseKey(user.id))) ?? '';
      assert.match(raw, new RegExp(a!.id), 'control: this is the lease of that desktop');
      assert.ok(!raw.includes(FAKE_VNC_PASSWORD), 'the password is not in the lease as Redis holds it');
      assert.ok(!raw.includes(Buffer.from(FAKE_VNC_PASSWORD).toString('base64')), 'nor in base64');
      assert.doesNotMatch(raw, /"vncPassword"/);
      assert.equal((await pool.currentLease(user.id))?.vncPassword, FAKE_VNC_PASSWORD);
    });

    it('is opened with an earlier key during a rotation, and by no other key', async () => {
      const [a] = await agents(1);
      const before = aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host]));
      cleanup.push(() => before.close());
      const user = aUser();
      await before.leaseFor(user);
      const rotated = aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host]), {
        leaseSecrets: { key: Buffer.alloc(32, 10), previousKeys: [LEASE_SECRETS.key] },
      });
      const stranger = aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host]), {
        leaseSecrets: { key: Buffer.alloc(32, 11), previousKeys: [] },
      });
      cleanup.push(
        () => rotated.close(),
        () => stranger.close(),
      );
      assert.equal((await rotated.currentLease(user.id))?.vncPassword, FAKE_VNC_PASSWORD);
      const unopened = await stranger.currentLease(user.id);
      assert.equal(unopened?.desktopId, a!.id, 'the lease itself is still read');
      assert.equal(unopened?.vncPassword, '', 'but not its password');
    });
  });

  describe('expiry and heartbeat', () => {
    it('a lease expires when no heartbeat extends it', async () => {
      const [a] = await agents(1);
      const pool = aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host]), {
        leaseSeconds: 1,
      });
      cleanup.push(() => pool.close());
      const user = aUser();
      await pool.leaseFor(user);
      await sleep(1300);
      assert.equal(await pool.currentLease(user.id), undefined);
      assert.equal(await redis.get(desktopLeaseKey(a!.id)), null, 'the desktop is free again');
    });

    it('a heartbeat keeps the lease past its time to live (control)', async () => {
      const [a] = await agents(1);
      const pool = aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host]), {
        leaseSeconds: 1,
      });
      cleanup.push(() => pool.close());
      const user = aUser();
      const { lease } = await pool.leaseFor(user);
      for (let i = 0; i < 4; i++) {
        await sleep(400);
        assert.equal(await pool.heartbeat(user.id, lease.desktopId), true);
      }
      assert.equal((await pool.currentLease(user.id))?.desktopId, lease.desktopId);
    });

    it('a heartbeat for a desktop the user no longer holds revives nothing', async () => {
      const [a] = await agents(1);
      const pool = aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host]));
      cleanup.push(() => pool.close());
      const first = aUser();
      const { lease } = await pool.leaseFor(first);
      await pool.release(first.id);
      const second = aUser();
      await pool.leaseFor(second);
      assert.equal(await pool.heartbeat(first.id, lease.desktopId), false);
      assert.equal(await pool.currentLease(first.id), undefined);
      assert.equal((await pool.currentLease(second.id))?.desktopId, lease.desktopId);
    });
  });

  describe('a device that went quiet', () => {
    // What the session store keeps: the session, with what is left of its idle timeout as its time to live.
    const aSession = async (ms: number): Promise<string> => {
      const sessionId = `quiet-${Math.random().toString(36).slice(2)}`;
      await redis.set(sessionKey(sessionId), '{}', { PX: ms });
      cleanup.push(() => redis.del(sessionKey(sessionId)));
      return sessionId;
    };

    it('keeps the lease after its tunnel closed for what is left of the session, past the lease’s own life', async () => {
      const [a] = await agents(1);
      const pool = aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host]), {
        leaseSeconds: 1,
      });
      cleanup.push(() => pool.close());
      const user = aUser();
      const { lease } = await pool.leaseFor(user);
      const sessionId = await aSession(8000);
      assert.equal(await pool.holdForReturn(user.id, lease.desktopId, sessionId), true);
      await sleep(1500);
      assert.equal((await pool.currentLease(user.id))?.desktopId, lease.desktopId, 'still held after 1.5 s');
      assert.equal(
        await redis.get(desktopLeaseKey(a!.id)),
        `u:${user.id}`,
        'the desktop is still the user’s',
      );
      assert.ok((await redis.ttl(userLeaseKey(user.id))) <= 8, 'for no longer than the session');
      // Not beyond the session: once its idle time is over, the desktop goes back to the pool.
      const deadline = Date.now() + 30000;
      while ((await pool.currentLease(user.id)) && Date.now() < deadline) await sleep(250);
      assert.equal(await pool.currentLease(user.id), undefined, 'gone with the session');
    });

    it('keeps nothing for a session that has ended (control: the lease then lives only its own time)', async () => {
      const [a] = await agents(1);
      const pool = aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host]), {
        leaseSeconds: 1,
      });
      cleanup.push(() => pool.close());
      const user = aUser();
      const { lease } = await pool.leaseFor(user);
      assert.equal(await pool.holdForReturn(user.id, lease.desktopId, 'no-such-session'), false);
      await sleep(1500);
      assert.equal(await pool.currentLease(user.id), undefined);
    });

    it('never shortens a lease, and holds nothing for a desktop the user no longer has', async () => {
      const [a] = await agents(1);
      const pool = aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host]), {
        leaseSeconds: 60,
      });
      cleanup.push(() => pool.close());
      const user = aUser();
      const { lease } = await pool.leaseFor(user);
      assert.equal(await pool.holdForReturn(user.id, lease.desktopId, await aSession(2000)), true);
      assert.ok((await redis.ttl(userLeaseKey(user.id))) > 50, 'another tunnel’s heartbeat is not undercut');
      await pool.release(user.id);
      assert.equal(await pool.holdForReturn(user.id, lease.desktopId, await aSession(60000)), false);
      assert.equal(await pool.currentLease(user.id), undefined);
    });
  });

  describe('one user per desktop', () => {
    it('never gives one desktop to two users, however many sign in at once on several brokers', async () => {
      const desktops = await agents(6);
      const settings = aPool({ size: 6 });
      // Three broker instances sharing one Redis, as behind a load balancer.
      const brokers: DesktopPool[] = [0, 1, 2].map(() =>
        aDesktopPool(redis, settings, new StaticProvider(desktops.map((d) => d.host))),
      );
      cleanup.push(() => Promise.all(brokers.map((b) => b.close())));
      await brokers[0]!.checkNow();
      const users = Array.from({ length: 40 }, () => aUser());
      const outcomes = await Promise.allSettled(users.map((user, i) => brokers[i % 3]!.leaseFor(user)));
      const grants = outcomes.flatMap((o, i) =>
        o.status === 'fulfilled' ? [{ userId: users[i]!.id, desktopId: o.value.desktop.id }] : [],
      );
      const refusals = outcomes.filter((o) => o.status === 'rejected');
      assert.deepEqual(sharedDesktops(grants), []);
      assert.equal(grants.length, 6, 'every desktop was handed out');
      assert.ok(
        refusals.every((o) => o.status === 'rejected' && o.reason instanceof NoDesktopAvailableError),
      );
      for (const desktop of desktops) {
        assert.equal(
          desktop.calls.filter((c) => c.startsWith('start:')).length,
          1,
          'one session started per desktop',
        );
      }
      for (const { userId, desktopId } of grants) {
        assert.equal((await brokers[0]!.currentLease(userId))?.desktopId, desktopId);
      }
    });

    it('gives one user signing in twice at once a single desktop', async () => {
      const desktops = await agents(3);
      const settings = aPool({ size: 3 });
      const brokers = [0, 1].map(() =>
        aDesktopPool(redis, settings, new StaticProvider(desktops.map((d) => d.host))),
      );
      cleanup.push(() => Promise.all(brokers.map((b) => b.close())));
      const user = aUser();
      const [one, two, three] = await Promise.all([
        brokers[0]!.leaseFor(user),
        brokers[1]!.leaseFor(user),
        brokers[0]!.leaseFor(user),
      ]);
      assert.equal(new Set([one.desktop.id, two.desktop.id, three.desktop.id]).size, 1);
      assert.equal(desktops.flatMap((d) => d.calls).length, 1, 'one session started');
    });

    it('control: the same check finds shared desktops when leases are taken by reading then writing', async () => {
      const desktopIds = ['race-a', 'race-b'].map((d) => `${d}-${Date.now()}`);
      cleanup.push(() => redis.del(desktopIds.map(desktopLeaseKey)));
      // A naive claim: look whether the desktop is free, then take it; another broker can do the same between.
      const naiveClaim = async (
        userId: string,
      ): Promise<{ userId: string; desktopId: string } | undefined> => {
        for (const desktopId of desktopIds) {
          if (await redis.get(desktopLeaseKey(desktopId))) continue;
          await sleep(5);
          await redis.set(desktopLeaseKey(desktopId), `u:${userId}`);
          return { userId, desktopId };
        }
        return undefined;
      };
      const grants = (
        await Promise.all(Array.from({ length: 10 }, (_, i) => naiveClaim(`naive-${i}`)))
      ).filter((g): g is { userId: string; desktopId: string } => g !== undefined);
      assert.notDeepEqual(sharedDesktops(grants), [], 'the check catches two users on one desktop');
    });
  });
});
