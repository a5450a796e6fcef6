import assert from 'node:assert/strict';
import express from 'express';
import { startSandbox } from '#sandboxes/start-sandbox.js';
import { createVendorOutage } from '#sandboxes/vendor-outage.js';

function aVendor() {
  const outage = createVendorOutage();
  const app = express();
  app.use(outage.middleware);
  app.get('/', (_request, response) => {
    response.send('ok');
  });
  return { outage, sandbox: { app, useBaseUrl: () => undefined } };
}

describe('vendor outage', () => {
  it('holds requests without an answer while the vendor hangs, and answers them 503 once it is back', async () => {
    const { outage, sandbox } = aVendor();
    const running = await startSandbox(sandbox);
    try {
      outage.takeDown('hang');
      const held = fetch(running.url);
      const timedOut = await fetch(running.url, { signal: AbortSignal.timeout(100) }).catch(
        (error: unknown) => error,
      );
      assert.ok(timedOut instanceof Error && timedOut.name === 'TimeoutError');

      outage.bringUp();

      assert.equal((await held).status, 503);
      assert.equal((await fetch(running.url)).status, 200);
    } finally {
      await running.close();
    }
  });

  it('fails the given number of requests and then recovers by itself', async () => {
    const { outage, sandbox } = aVendor();
    const running = await startSandbox(sandbox);
    try {
      outage.failNext(2, 502);
      const statuses = [];
      for (let index = 0; index < 3; index++) statuses.push((await fetch(running.url)).status);

      assert.deepEqual(statuses, [502, 502, 200]);
    } finally {
      await running.close();
    }
  });

  it('lets the server close while requests are held', async () => {
    const { outage, sandbox } = aVendor();
    const running = await startSandbox(sandbox);
    outage.takeDown('hang');
    const held = fetch(running.url).catch(() => 'closed');
    await new Promise((resolve) => setTimeout(resolve, 20));

    await running.close();

    assert.equal(await held, 'closed');
  });
});
