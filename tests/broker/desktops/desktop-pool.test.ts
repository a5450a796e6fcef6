import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { createSessionStore, endedReason, SESSION_END_MESSAGES } from '#broker/auth/session.js';
import { LEASE_END_MESSAGES } from '#broker/desktops/lease-end-messages.js';
import { leaseEndedKey } from '#broker/desktops/lease-store.js';
import { LocalProvider } from '#broker/desktops/local-provider.js';
import { StaticProvider } from '#broker/desktops/static-provider.js';
import {
  NoDesktopAvailableError,
  NoPoolForUserError,
  type DesktopPool,
} from '#broker/desktops/desktop-pool.js';
import { freePort } from '#scripts/stack/managed-process.js';
import { startGuacd } from '#scripts/stack/services.js';
import { scratchDir } from '#test-support/scratch-dir.js';
import { testInternalCa } from '#test-support/test-internal-ca.js';
import { workspace } from '#test-support/workspace.js';
import { aDesktopPool, aPool, aUser, connectRedis, FakeAgent, FakeLauncher } from './fake-desktops.js';

describe('desktop pool', function () {
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

  async function agents(count: number, imageVersion?: string): Promise<FakeAgent[]> {
    const started = await Promise.all(
      Array.from({ length: count }, () => FakeAgent.start(undefined, imageVersion)),
    );
    cleanup.push(() => Promise.allSettled(started.map((a) => a.kill())));
    return started;
  }

  /** A signed-in session in the broker's store, as the tunnel's revocation check finds it. */
  async function aLiveSession(userId: string): Promise<string> {
    const sessionId = `test-${randomBytes(8).toString('hex')}`;
    await redis.set(`broker:sess:${sessionId}`, JSON.stringify({ cookie: {}, user: aUser({ id: userId }) }), {
      EX: 60,
    });
    cleanup.push(() => redis.del(`broker:sess:${sessionId}`));
    return sessionId;
  }

  function track(pool: DesktopPool): DesktopPool {
    cleanup.push(() => pool.close());
    return pool;
  }

  describe('warm desktops', () => {
    it('hands a signed-in user a desktop the keeper found healthy, starting their session on it', async () => {
      const [a, b] = await agents(2);
      const settings = aPool({ size: 2 });
      const pool = track(aDesktopPool(redis, settings, new StaticProvider([a!.host, b!.host])));
      await pool.checkNow();
      const status = (await pool.status())[0]!;
      assert.deepEqual(
        status.desktops.map((d) => d.state),
        ['warm', 'warm'],
      );
      const user = aUser();
      const leased = await pool.leaseFor(user);
      assert.equal(leased.isNew, true);
      assert.equal(leased.poolId, settings.id);
      assert.deepEqual(leased.guacd, settings.guacd[0]);
      const agent = [a!, b!].find((x) => x.id === leased.desktop.id)!;
      assert.deepEqual(agent.calls, [`start:${user.id}`]);
      assert.equal((await pool.currentLease(user.id))?.state, 'active');
    });

    it('gives the same desktop back to the same user, without starting another session', async () => {
      const [a] = await agents(1);
      const pool = track(aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host])));
      const user = aUser();
      const first = await pool.leaseFor(user);
      const again = await pool.leaseFor(user);
      assert.equal(again.isNew, false);
      assert.equal(again.desktop.id, first.desktop.id);
      assert.deepEqual(a!.calls, [`start:${user.id}`]);
    });

    it('wipes the desktop when its user gives it back, and only then offers it to the next user', async () => {
      const [a] = await agents(1);
      const pool = track(aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host])));
      const first = aUser();
      await pool.leaseFor(first);
      await assert.rejects(pool.leaseFor(aUser()), NoDesktopAvailableError);
      await pool.release(first.id);
      const second = aUser();
      await pool.leaseFor(second);
      assert.deepEqual(a!.calls, [`start:${first.id}`, 'end', `start:${second.id}`]);
    });

    it('says when a desktop is expected: when a holder stopped renewing (closed tab), not while all are connected', async () => {
      const [a] = await agents(1);
      const pool = track(aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host])));
      const holder = aUser();
      await pool.leaseFor(holder);
      // Control: the holder's tunnel keeps renewing the lease, so no time can be promised.
      const whileConnected = await pool.leaseFor(aUser()).catch((error: unknown) => error);
      assert.ok(whileConnected instanceof NoDesktopAvailableError);
      assert.equal(whileConnected.expectedFreeInSeconds, undefined);
      // The holder's tab closed: no heartbeat since, so the lease runs down (as 40 of its 60 seconds had).
      await redis.expire(`lease:desktop:${a!.id}`, 20);
      await redis.expire(`lease:user:${holder.id}`, 20);
      const afterTabClosed = await pool.leaseFor(aUser()).catch((error: unknown) => error);
      assert.ok(afterTabClosed instanceof NoDesktopAvailableError);
      assert.ok(
        afterTabClosed.expectedFreeInSeconds !== undefined &&
          afterTabClosed.expectedFreeInSeconds > 0 &&
          afterTabClosed.expectedFreeInSeconds <= 20,
        `expected within 20 s, got ${afterTabClosed.expectedFreeInSeconds}`,
      );
    });

    it('leases only desktops that run an allowed image version', async () => {
      const [old] = await agents(1, '2025.4');
      const [current] = await agents(1, '2026.1');
      const settings = aPool({
        size: 2,
        policies: { ...aPool().policies, imageVersions: ['2026.1'] },
      });
      const pool = track(aDesktopPool(redis, settings, new StaticProvider([old!.host, current!.host])));
      await pool.checkNow();
      const states = Object.fromEntries((await pool.status())[0]!.desktops.map((d) => [d.id, d.state]));
      assert.equal(states[old!.id], 'excluded');
      assert.equal(states[current!.id], 'warm');
      assert.equal((await pool.leaseFor(aUser())).desktop.id, current!.id);
      await assert.rejects(pool.leaseFor(aUser()), NoDesktopAvailableError);
    });

    it('spreads leases over the pool’s guacd instances and names one in each lease', async () => {
      const started = await agents(4);
      const settings = aPool({
        size: 4,
        guacd: [
          { host: '127.0.0.1', port: 4822 },
          { host: '127.0.0.2', port: 4822 },
        ],
      });
      const pool = track(aDesktopPool(redis, settings, new StaticProvider(started.map((a) => a.host))));
      const leases = [];
      for (let i = 0; i < 4; i++) leases.push(await pool.leaseFor(aUser()));
      const perGuacd = new Map<string, number>();
      for (const leased of leases) {
        assert.ok(leased.lease.guacd, 'the lease names its guacd');
        assert.deepEqual(leased.lease.guacd, leased.guacd);
        assert.equal(leased.desktop.guacdHost, leased.guacd.host);
        perGuacd.set(leased.guacd.host, (perGuacd.get(leased.guacd.host) ?? 0) + 1);
      }
      assert.deepEqual([...perGuacd.values()], [2, 2]);
    });

    it('serves a desktop through the guacd beside it only, and takes it out when that guacd is down', async () => {
      const tls = testInternalCa();
      const port = await freePort();
      const certificate = tls.ca.issue('guacd', { commonName: 'guacd', usage: 'server', ips: ['127.0.0.1'] });
      const guacd = await startGuacd(scratchDir('hcw-guacd-beside'), port, certificate);
      cleanup.push(() => guacd.process.stop());
      const [a] = await agents(1);
      const beside = { host: '127.0.0.1', port };
      // The pool's shared guacd is another (nothing listens there): the desktop's own must be used.
      const settings = aPool({ size: 1, guacd: [{ host: '127.0.0.2', port: 4822 }] });
      const pool = track(
        aDesktopPool(redis, settings, new StaticProvider([{ ...a!.host, guacd: beside }]), {
          guacdCa: tls.ca.pem,
        }),
      );
      await pool.checkNow();
      assert.equal((await pool.status())[0]!.desktops[0]!.state, 'warm', 'control: up, it is warm');
      const user = aUser();
      const leased = await pool.leaseFor(user);
      assert.deepEqual(leased.guacd, beside);
      assert.deepEqual(leased.lease.guacd, beside);
      assert.equal(leased.desktop.guacdPort, port);
      await pool.release(user.id);

      await guacd.process.stop();
      await pool.checkNow();
      await pool.checkNow();
      assert.equal((await pool.status())[0]!.desktops[0]!.state, 'unhealthy');
      await assert.rejects(pool.leaseFor(aUser()), NoDesktopAvailableError);
    });

    it('gives a desktop only to the roles its pool serves', async () => {
      const [a] = await agents(1);
      const pool = track(aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host])));
      await assert.rejects(pool.leaseFor(aUser({ roles: ['it-admin'] })), NoPoolForUserError);
      await pool.leaseFor(aUser({ roles: ['msw'] }));
    });
  });

  describe('a desktop whose agent restarted under its user', () => {
    it('ends the lease, says why, and gives the user a fresh desktop when they reconnect', async () => {
      const [a] = await agents(1);
      const lost: string[] = [];
      const pool = track(
        aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host]), {
          events: { onSessionLost: (_pool, desktopId, userId) => lost.push(`${desktopId}:${userId}`) },
        }),
      );
      const user = aUser();
      const leased = await pool.leaseFor(user);
      await pool.checkNow();
      assert.equal(
        (await pool.currentLease(user.id))?.desktopId,
        a!.id,
        'a desktop in session keeps its lease (control)',
      );

      a!.userId = undefined; // the agent came back without the session it had
      await pool.checkNow();
      assert.equal(
        await pool.currentLease(user.id),
        undefined,
        'the lease on the desktop that lost it ended',
      );
      assert.equal(
        await redis.get(leaseEndedKey(user.id)),
        'desktop-restarted',
        'the reason is left for the tunnel',
      );
      assert.match(LEASE_END_MESSAGES['desktop-restarted'], /再起動/);
      assert.deepEqual(lost, [`${a!.id}:${user.id}`], 'reported once, for the audit trail');
      assert.ok(a!.calls.at(-1) === 'end', 'the desktop was wiped before anyone gets it again');

      await pool.checkNow();
      const again = await pool.leaseFor(user);
      assert.equal(again.desktop.id, leased.desktop.id, 'the same machine, wiped, with a new session');
      assert.equal(a!.userId, user.id);
      assert.equal(again.notice, LEASE_END_MESSAGES['desktop-restarted'], 'the user is told what happened');
      assert.equal(leased.notice, undefined, 'a first lease comes with no notice (control)');
      assert.equal((await pool.leaseFor(user)).notice, undefined, 'and the notice is given once');
    });
  });

  describe('an agent that restarted between two checks, missing one', () => {
    it('still ends the lease once the agent answers again without the session', async () => {
      const [a] = await agents(1);
      const pool = track(aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host])));
      const user = aUser();
      await pool.leaseFor(user);
      await pool.checkNow();
      a!.answering = false; // the agent is down while it starts again
      await pool.checkNow();
      assert.equal((await pool.currentLease(user.id))?.desktopId, a!.id, 'one missed check is not the end');
      a!.userId = undefined;
      a!.answering = true; // back, without the session it had
      await pool.checkNow();
      assert.equal(
        await pool.currentLease(user.id),
        undefined,
        'the lease on the desktop that lost it ended',
      );
      assert.equal(await redis.get(leaseEndedKey(user.id)), 'desktop-restarted');
    });
  });

  describe('an agent that restarted before the keeper ever saw the session', () => {
    it('ends the lease: the agent answers with another run than the one that started the session', async () => {
      const [a] = await agents(1);
      const pool = track(aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host])));
      const user = aUser();
      await pool.leaseFor(user);
      a!.restart(); // straight after the session started, before any check
      await pool.checkNow();
      assert.equal(await pool.currentLease(user.id), undefined, 'the lease on the restarted desktop ended');
      assert.equal(await redis.get(leaseEndedKey(user.id)), 'desktop-restarted');
    });
  });

  describe('a desktop leased while the keeper never saw its session (control)', () => {
    it('keeps the lease: only a session seen running and then gone counts as lost', async () => {
      const [a] = await agents(1);
      const pool = track(aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host])));
      const user = aUser();
      await pool.leaseFor(user);
      a!.userId = undefined; // gone before any check saw it, as a lease written without a session would be
      await pool.checkNow();
      await pool.checkNow();
      assert.equal((await pool.currentLease(user.id))?.desktopId, a!.id);
      assert.equal(await redis.get(leaseEndedKey(user.id)), null);
    });
  });

  describe('a desktop that stops answering', () => {
    it('is taken out after failed health checks, and its user’s lease ends with a reason they are told', async () => {
      const [a, b] = await agents(2);
      const unhealthy: string[] = [];
      const pool = track(
        aDesktopPool(redis, aPool({ size: 2 }), new StaticProvider([a!.host, b!.host]), {
          events: {
            onDesktopUnhealthy: (_pool, desktopId, userId) => unhealthy.push(`${desktopId}:${userId}`),
          },
        }),
      );
      const user = aUser();
      const leased = await pool.leaseFor(user);
      const bystander = aUser();
      const other = await pool.leaseFor(bystander);
      const victim = [a!, b!].find((x) => x.id === leased.desktop.id)!;
      const sessionId = await aLiveSession(user.id);
      const store = createSessionStore(redis);
      assert.equal(
        await endedReason(redis, store, sessionId, user.id, victim.id),
        undefined,
        'a live tunnel on a healthy desktop stays open (control)',
      );

      await victim.kill();
      await pool.checkNow();
      assert.ok(await pool.currentLease(user.id), 'one failed check is not yet enough');
      await pool.checkNow();

      const states = Object.fromEntries((await pool.status())[0]!.desktops.map((d) => [d.id, d.state]));
      assert.equal(states[victim.id], 'unhealthy');
      assert.equal(await pool.currentLease(user.id), undefined, 'the lease on the dead desktop ended');
      assert.equal(
        await redis.get(leaseEndedKey(user.id)),
        'desktop-unhealthy',
        'the reason is left for the tunnel',
      );
      assert.deepEqual(unhealthy, [`${victim.id}:${user.id}`]);
      // What the user's live tunnel is told at its next check: its lease ended (the specific wording once the
      // tunnel reads the reason left above).
      const told = await endedReason(redis, store, sessionId, user.id, victim.id);
      assert.ok(
        told === SESSION_END_MESSAGES['lease-ended'] || told === LEASE_END_MESSAGES['desktop-unhealthy'],
        `the tunnel is told the desktop went (${told})`,
      );
      assert.equal(
        (await pool.currentLease(bystander.id))?.desktopId,
        other.desktop.id,
        'the healthy desktop keeps its user (control)',
      );
    });

    it('is not offered to the next user, who gets a healthy desktop instead', async () => {
      const [a, b] = await agents(2);
      const pool = track(aDesktopPool(redis, aPool({ size: 2 }), new StaticProvider([a!.host, b!.host])));
      await a!.kill();
      await pool.checkNow();
      await pool.checkNow();
      for (let i = 0; i < 3; i++) {
        const user = aUser();
        assert.equal((await pool.leaseFor(user)).desktop.id, b!.id);
        await pool.release(user.id);
      }
    });

    it('is replaced when the provider can start desktops', async () => {
      const launcher = new FakeLauncher();
      cleanup.push(() => launcher.closeAll());
      const replaced: string[] = [];
      const provider = new LocalProvider([], launcher, 4);
      const pool = track(
        aDesktopPool(redis, aPool({ size: 1, provider: { type: 'local', desktops: [] } }), provider, {
          events: { onDesktopReplaced: (_pool, id, ok) => replaced.push(`${id}:${ok}`) },
        }),
      );
      await pool.checkNow();
      await pool.settle();
      await pool.checkNow();
      assert.equal(launcher.started.length, 1, 'the pool was filled to its warm size');
      const first = launcher.started[0]!;
      const user = aUser();
      assert.equal((await pool.leaseFor(user)).desktop.id, first.id);

      await first.kill();
      await pool.checkNow();
      await pool.checkNow();
      await pool.settle();
      assert.deepEqual(replaced, [`${first.id}:true`]);
      assert.ok(launcher.stopped.includes(first.id), 'the failed desktop was stopped');
      assert.equal(await pool.currentLease(user.id), undefined);
      const now = provider.desktops().map((d) => d.id);
      assert.ok(!now.includes(first.id), 'the failed desktop left the pool');
      await pool.checkNow();
      const states = (await pool.status())[0]!.desktops.map((d) => d.state);
      assert.ok(states.includes('warm'), `a warm replacement is ready (${states.join(', ')})`);
      assert.notEqual(
        (await pool.leaseFor(user)).desktop.id,
        first.id,
        'the user reconnects to the replacement',
      );
    });
  });

  describe('warm size', () => {
    it('starts desktops up to the warm size and stops the surplus when the size is lowered', async () => {
      const launcher = new FakeLauncher();
      cleanup.push(() => launcher.closeAll());
      const settings = aPool({ size: 2, provider: { type: 'local', desktops: [] } });
      const provider = new LocalProvider([], launcher, 4);
      const pool = track(aDesktopPool(redis, settings, provider));
      await pool.checkNow();
      await pool.settle();
      await pool.checkNow();
      assert.equal(provider.desktops().length, 2);
      assert.equal((await pool.status())[0]!.desktops.filter((d) => d.state === 'warm').length, 2);

      await pool.policies.change(settings.id, { size: 0 }, 'admin.test');
      await pool.checkNow();
      await pool.settle();
      assert.equal(provider.desktops().length, 0);
      assert.equal(launcher.stopped.length, 2);
    });

    it('makes a user wait for a cold start when nothing is warm and the provider can start a desktop', async () => {
      const launcher = new FakeLauncher();
      cleanup.push(() => launcher.closeAll());
      const provider = new LocalProvider([], launcher, 2);
      const pool = track(
        aDesktopPool(redis, aPool({ size: 0, provider: { type: 'local', desktops: [] } }), provider),
      );
      const leased = await pool.leaseFor(aUser());
      assert.equal(leased.desktop.id, launcher.started[0]!.id);
      await pool.leaseFor(aUser());
      await assert.rejects(
        pool.leaseFor(aUser()),
        NoDesktopAvailableError,
        'never more than the provider’s maximum',
      );
    });
  });

  describe('expired leases', () => {
    it('wipes what an expired lease left on a desktop before anyone else is given it', async () => {
      const [a] = await agents(1);
      const pool = track(
        aDesktopPool(redis, aPool({ size: 1 }), new StaticProvider([a!.host]), { leaseSeconds: 1 }),
      );
      const gone = aUser();
      await pool.leaseFor(gone);
      await new Promise((resolve) => setTimeout(resolve, 1300));
      assert.equal(await pool.currentLease(gone.id), undefined, 'no heartbeat: the lease expired');
      assert.equal(a!.userId, gone.id, 'the expired user’s session is still on the desktop');
      await pool.checkNow();
      await pool.settle();
      assert.equal(a!.userId, undefined, 'the keeper wiped it');
      const next = aUser();
      await pool.leaseFor(next);
      assert.deepEqual(a!.calls, [`start:${gone.id}`, 'end', `start:${next.id}`]);
    });
  });
});
