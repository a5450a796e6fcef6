import assert from 'node:assert/strict';
import request from 'supertest';
import { MeteredAuditTrail } from '#broker/metrics/metered-audit-trail.js';
import { consoleBroker, type ConsoleBroker } from './console-broker.js';

const TOKEN = 'metrics-token-for-the-test-0123456789';

/** Prometheus text format: comments, then `name{labels} value` samples. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.eE+-]+|NaN|[+-]Inf)$/.exec(line);
    assert.ok(match, `not a Prometheus sample line: ${line}`);
    found.set(match[1]!, Number(match[2]));
  }
  return found;
}

describe('metrics (the console’s Prometheus side)', function () {
  this.timeout(60000);

  describe('without a token', () => {
    let broker: ConsoleBroker;
    before(async () => {
      broker = await consoleBroker('metrics_test', { desktops: 1 });
    });
    after(async () => {
      await broker?.close();
    });

    it('answers a direct request from this machine in Prometheus format', async () => {
      await broker.desktops.checkNow();
      const response = await request(broker.app).get('/metrics').expect(200);
      assert.match(response.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
      for (const [name, type] of [
        ['hcw_broker_sessions', 'gauge'],
        ['hcw_broker_leases', 'gauge'],
        ['hcw_broker_pool_desktops', 'gauge'],
        ['hcw_broker_tunnels_open', 'gauge'],
        ['hcw_broker_tunnel_bytes_total', 'counter'],
        ['hcw_broker_dropped_instructions_total', 'counter'],
        ['hcw_broker_sign_ins_total', 'counter'],
        ['hcw_broker_queue_depth', 'gauge'],
      ]) {
        assert.match(response.text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'));
        assert.match(response.text, new RegExp(`^# HELP ${name} .+$`, 'm'));
      }
      const values = samples(response.text);
      assert.equal(values.get(`hcw_broker_pool_desktops{pool="${broker.poolId}",state="warm"}`), 1);
      assert.equal(values.get('hcw_broker_queue_depth{queue="desktop-lease"}'), 0);
    });

    it('counts sign-in outcomes as they are audited', async () => {
      const trail = new MeteredAuditTrail(broker.pool, broker.metrics);
      await trail.record({ type: 'sign-in', outcome: 'success', actorId: 'nurse.sato' });
      await trail.record({ type: 'sign-in', outcome: 'failure' });
      await trail.record({ type: 'sign-in', outcome: 'failure' });
      const values = samples((await request(broker.app).get('/metrics').expect(200)).text);
      assert.equal(values.get('hcw_broker_sign_ins_total{outcome="success"}'), 1);
      assert.equal(values.get('hcw_broker_sign_ins_total{outcome="failure"}'), 2);
    });

    it('refuses a request that came through a proxy, even from this machine', async () => {
      await request(broker.app).get('/metrics').set('x-forwarded-for', '203.0.113.9').expect(403);
      await request(broker.app).get('/metrics').set('forwarded', 'for=203.0.113.9').expect(403);
    });
  });

  describe('with a token', () => {
    let broker: ConsoleBroker;
    before(async () => {
      broker = await consoleBroker('metrics_token_test', { desktops: 1, env: { METRICS_TOKEN: TOKEN } });
    });
    after(async () => {
      await broker?.close();
    });

    it('refuses a request without the token or with another one, even from this machine', async () => {
      await request(broker.app).get('/metrics').expect(401);
      await request(broker.app).get('/metrics').set('authorization', `Bearer ${TOKEN}x`).expect(401);
      await request(broker.app).get('/metrics').set('authorization', TOKEN).expect(401);
    });

    it('answers a request bearing the token (control)', async () => {
      await request(broker.app).get('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(200);
    });
  });
});
