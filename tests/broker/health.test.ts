import assert from 'node:assert/strict';
import pg from 'pg';
import request from 'supertest';
import { HealthMonitor, judgeReadiness, type ProbeFacts } from '#broker/health.js';
import { freePort } from '#scripts/stack/managed-process.js';
import { startGuacd, type GuacdService } from '#scripts/stack/services.js';
import { consoleBroker, type ConsoleBroker } from './admin/console-broker.js';
import { aUser, connectRedis, FakeAgent } from './desktops/fake-desktops.js';
import { scratchDir } from '../support/scratch-dir.js';
import { testInternalCa } from '../support/test-internal-ca.js';
import { workspace } from '../support/workspace.js';

const TOKEN = 'readiness-token-for-the-test-0123456789';

/** guacd's certificate for loopback, from the tests' internal CA, which the console's broker trusts. */
const guacdCertificate = () =>
  testInternalCa().ca.issue('guacd', { commonName: 'guacd', usage: 'server', ips: ['127.0.0.1'] });
/** What a request that came through the TLS front or the load balancer's proxy carries. */
const PROXIED = { 'x-forwarded-for': '203.0.113.9' };

function facts(overrides: Partial<ProbeFacts> = {}): ProbeFacts {
  return {
    redis: 'up',
    postgres: 'up',
    guacd: [
      { address: '10.0.0.1:4822', state: 'up' },
      { address: '10.0.0.2:4822', state: 'up' },
    ],
    pools: [{ poolId: 'p', warm: 1, leased: 0, outOfService: 0, canLaunch: false, checkedAt: 'x' }],
    ...overrides,
  };
}

describe('broker health', () => {
  describe('judging readiness from what a probe found', () => {
    it('is ready when everything answers', () => {
      assert.equal(judgeReadiness(facts()).status, 'ready');
    });
    it('is degraded, not down, with one guacd of two down', () => {
      const found = facts({
        guacd: [
          { address: '10.0.0.1:4822', state: 'up' },
          { address: '10.0.0.2:4822', state: 'down' },
        ],
      });
      assert.equal(judgeReadiness(found).status, 'degraded');
      assert.equal(judgeReadiness(found).dependencies.guacd.state, 'degraded');
    });
    it('is down with every guacd down', () => {
      const found = facts({
        guacd: [
          { address: '10.0.0.1:4822', state: 'down' },
          { address: '10.0.0.2:4822', state: 'down' },
        ],
      });
      assert.equal(judgeReadiness(found).status, 'down');
    });
    it('is down without Redis or without PostgreSQL', () => {
      assert.equal(judgeReadiness(facts({ redis: 'down' })).status, 'down');
      assert.equal(judgeReadiness(facts({ postgres: 'down' })).status, 'down');
    });
    it('is degraded when a pool has no desktop to give and cannot start one', () => {
      const empty = [{ poolId: 'p', warm: 0, leased: 3, outOfService: 0, canLaunch: false, checkedAt: 'x' }];
      assert.equal(judgeReadiness(facts({ pools: empty })).status, 'degraded');
      const launching = [{ ...empty[0]!, canLaunch: true }];
      assert.equal(judgeReadiness(facts({ pools: launching })).status, 'ready');
    });
  });

  describe('with two real guacd processes', function () {
    this.timeout(120_000);
    const poolId = 'health-pool';
    let broker: ConsoleBroker;
    let agents: FakeAgent[];
    let guacds: GuacdService[];
    let dataDir: string;

    /** The keeper's look at the pool, then the broker's own probe: what the background timers do. */
    async function probe(): Promise<void> {
      await broker.desktops.checkNow();
      await broker.health.probeNow();
    }

    const agentHealthChecks = () => agents.reduce((sum, agent) => sum + agent.healthChecks, 0);

    before(async () => {
      await workspace();
      dataDir = scratchDir('hcw-health');
      guacds = [];
      for (const port of [await freePort(), await freePort()]) {
        guacds.push(await startGuacd(dataDir, port, guacdCertificate()));
      }
      agents = [await FakeAgent.start(), await FakeAgent.start()];
      broker = await consoleBroker('health_test', {
        desktops: 0,
        env: {
          POOLS: JSON.stringify([
            {
              id: poolId,
              provider: { type: 'static', desktops: agents.map((a) => a.host) },
              size: 2,
              guacd: guacds.map((g) => ({ host: g.host, port: g.port })),
            },
          ]),
        },
      });
    });
    after(async () => {
      await broker?.close();
      await Promise.allSettled([
        ...(agents ?? []).map((a) => a.kill()),
        ...guacds.map((g) => g.process.stop()),
      ]);
    });

    it('answers liveness to anyone with nothing but “ok”', async () => {
      for (const headers of [{}, PROXIED]) {
        const response = await request(broker.app).get('/healthz').set(headers).expect(200);
        assert.deepEqual(response.body, { status: 'ok' });
        assert.equal(response.headers['cache-control'], 'no-store');
      }
    });

    it('is not ready (503) before its first probe', async () => {
      const response = await request(broker.app).get('/readyz').set(PROXIED).expect(503);
      assert.deepEqual(response.body, { status: 'starting' });
    });

    it('is ready with both guacd up: the report on loopback, one word through a proxy', async () => {
      await probe();
      const report = await request(broker.app).get('/readyz').expect(200);
      assert.equal(report.body.status, 'ready');
      assert.deepEqual(
        report.body.dependencies.guacd.instances,
        guacds.map((g) => ({ address: `${g.host}:${g.port}`, state: 'up' })),
      );
      assert.equal(report.body.dependencies.desktopPools.pools[0].warm, 2);
      const outside = await request(broker.app).get('/readyz').set(PROXIED).expect(200);
      assert.deepEqual(outside.body, { status: 'ready' }, 'no dependency, address or pool named');
      assert.doesNotMatch(outside.text, /127\.0\.0\.1|\d{4,5}/);
    });

    it('answers from the last probe: readiness requests neither probe nor ask any desktop', async () => {
      const [probes, checks] = [broker.health.probes, agentHealthChecks()];
      for (let i = 0; i < 50; i++) await request(broker.app).get('/readyz').set(PROXIED).expect(200);
      assert.equal(broker.health.probes, probes);
      assert.equal(agentHealthChecks(), checks);
      // Control: a probe counts, and the keeper's round does reach the desktops.
      await probe();
      assert.equal(broker.health.probes, probes + 1);
      assert.ok(agentHealthChecks() > checks);
    });

    it('is degraded but still 200 with one guacd stopped, and new leases go through the other', async () => {
      await guacds[1]!.process.stop();
      await probe();
      const report = await request(broker.app).get('/readyz').expect(200);
      assert.equal(report.body.status, 'degraded');
      assert.equal(report.body.dependencies.guacd.state, 'degraded');
      assert.deepEqual(
        report.body.dependencies.guacd.instances.map((g: { state: string }) => g.state),
        ['up', 'down'],
      );
      assert.deepEqual((await request(broker.app).get('/readyz').set(PROXIED).expect(200)).body, {
        status: 'degraded',
      });
      const user = aUser();
      const leased = await broker.desktops.leaseFor(user);
      assert.equal(leased.guacd.port, guacds[0]!.port, 'the guacd that still serves');
      await broker.desktops.release(user.id);
    });

    it('is down (503) with every guacd stopped, and recovers when one comes back (control)', async () => {
      const first = guacds[0]!;
      await first.process.stop();
      await probe();
      assert.deepEqual((await request(broker.app).get('/readyz').set(PROXIED).expect(503)).body, {
        status: 'down',
      });
      assert.equal(
        (await request(broker.app).get('/readyz').expect(503)).body.dependencies.guacd.state,
        'down',
      );
      await request(broker.app).get('/healthz').expect(200);
      guacds[0] = await startGuacd(dataDir, first.port, guacdCertificate());
      await probe();
      assert.equal((await request(broker.app).get('/readyz').expect(200)).body.status, 'degraded');
    });
  });

  describe('with a metrics token', function () {
    this.timeout(120_000);
    let broker: ConsoleBroker;

    before(async () => {
      broker = await consoleBroker('health_token_test', { desktops: 1, env: { METRICS_TOKEN: TOKEN } });
      await broker.desktops.checkNow();
      await broker.health.probeNow();
    });
    after(async () => {
      await broker?.close();
    });

    it('gives the report only for the token, even on loopback', async () => {
      assert.deepEqual((await request(broker.app).get('/readyz').expect(200)).body, { status: 'ready' });
      const wrong = await request(broker.app)
        .get('/readyz')
        .set('authorization', `Bearer ${'x'.repeat(40)}`);
      assert.deepEqual(wrong.body, { status: 'ready' });
      const right = await request(broker.app)
        .get('/readyz')
        .set('authorization', `Bearer ${TOKEN}`)
        .expect(200);
      assert.equal(right.body.dependencies.redis.state, 'up');
      assert.ok(right.body.dependencies.guacd.instances.length > 0);
    });
  });

  describe('probing the stores', function () {
    this.timeout(60_000);

    it('is down when PostgreSQL cannot be reached (control: the same probe with the real database)', async () => {
      const stack = await workspace();
      const redis = await connectRedis(stack.redisUrl);
      const unreachable = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:9/none' });
      const reachable = new pg.Pool({ connectionString: stack.brokerDatabaseUrl, max: 1 });
      const desktops = {
        guacdInstances: [{ host: stack.guacd.host, port: stack.guacd.port }],
        status: async () => [],
      };
      try {
        const down = new HealthMonitor({ redis, pool: unreachable, desktops, intervalMs: 60_000 });
        const report = await down.probeNow();
        assert.equal(report.status, 'down');
        assert.equal(report.dependencies.postgres.state, 'down');
        const up = new HealthMonitor({ redis, pool: reachable, desktops, intervalMs: 60_000 });
        assert.equal((await up.probeNow()).status, 'ready');
      } finally {
        await Promise.allSettled([unreachable.end(), reachable.end(), redis.quit()]);
      }
    });
  });
});
