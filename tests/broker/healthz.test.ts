import assert from 'node:assert/strict';
import request from 'supertest';
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
