import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnectors } from '#workspace-app/connectors/create-connectors.js';
import { createPushReceiver } from '#workspace-app/connectors/push-receiver.js';
import type { CanonicalEvent } from '#workspace-app/connectors/canonical-event.js';
import { startDemoSandboxes } from '#sandboxes/start-demo-sandboxes.js';

describe('demo sandboxes', () => {
  it('start seeded, and every connector takes their demo data into the timeline', async () => {
    const demo = await startDemoSandboxes();
    const pushed: CanonicalEvent[] = [];
    const registry = createConnectors(demo.connectorSettings);
    const mcs = registry.pushConnector('mcs');
    assert.ok(mcs);
    const webhook = createServer(
      createPushReceiver(mcs, async (events) => {
        pushed.push(...events);
      }),
    );
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    try {
      demo.mcs.setWebhookUrl(`http://127.0.0.1:${(webhook.address() as AddressInfo).port}/`);
      await demo.mcs.flushQueue();
      const pulled = await Promise.all(
        registry.pullConnectors().map((connector) => connector.fetch(undefined)),
      );
      const health = await registry.health();

      const vendorsSeen = new Set(
        [...pushed, ...pulled.flatMap((result) => result.events)].map((event) => event.vendor),
      );
      assert.deepEqual([...vendorsSeen].sort(), ['fhir', 'hikari-one', 'kanamic', 'mcs', 'vital-link']);
      assert.ok(pushed.every((event) => event.deepLink?.startsWith(demo.urls.mcs)));
      assert.deepEqual(
        health.map((entry) => entry.status),
        ['up', 'up', 'up', 'up', 'up'],
      );
    } finally {
      webhook.close();
      await demo.close();
    }
  });
});
