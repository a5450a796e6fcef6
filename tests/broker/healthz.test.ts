import assert from 'node:assert/strict';
import request from 'supertest';
import { inProcessBroker } from '../support/in-process-broker.js';
import { workspace } from '../support/workspace.js';

describe('broker health', function () {
  this.timeout(120000);

  it('answers 200 naming each dependency and its state', async () => {
    const stack = await workspace();
    const response = await request(stack.brokerUrl).get('/healthz').expect(200);
    assert.equal(response.body.status, 'ok');
    for (const name of ['redis', 'postgres', 'guacd', 'desktopPool']) {
      assert.equal(response.body.dependencies[name].state, 'up', `${name} is up`);
    }
    assert.equal(response.headers['cache-control'], 'no-store');
  });
});

describe('broker health when a dependency is down', function () {
  this.timeout(120000);

  it('answers 503 and names the desktop pool and guacd as down', async () => {
    const stack = await workspace();
    const broker = await inProcessBroker(stack, {
      DESKTOPS: JSON.stringify([
        {
          id: 'gone',
          agentUrl: 'http://127.0.0.1:9',
          vncHost: '127.0.0.1',
          vncPort: 9,
          guacdHost: '127.0.0.1',
          guacdPort: 9,
        },
      ]),
    });
    try {
      const response = await request(broker.app).get('/healthz').expect(503);
      assert.equal(response.body.status, 'unavailable');
      assert.equal(response.body.dependencies.redis.state, 'up');
      assert.equal(response.body.dependencies.postgres.state, 'up');
      assert.equal(response.body.dependencies.guacd.state, 'down');
      assert.equal(response.body.dependencies.desktopPool.state, 'down');
    } finally {
      await broker.close();
    }
  });

  it('answers 200 from the same in-process broker when everything is up (control)', async () => {
    const stack = await workspace();
    const broker = await inProcessBroker(stack);
    try {
      await request(broker.app).get('/healthz').expect(200);
    } finally {
      await broker.close();
    }
  });
});
