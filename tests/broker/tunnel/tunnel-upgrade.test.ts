import assert from 'node:assert/strict';
import request from 'supertest';
import WebSocket from 'ws';
import { signInOverHttp, signOutOverHttp } from '#test-support/http-sign-in.js';
import { workspace } from '#test-support/workspace.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';

/** Opens a WebSocket to the tunnel and reports how the upgrade ended. */
function tryUpgrade(
  url: string,
  headers: Record<string, string>,
): Promise<{ opened: boolean; status?: number }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => {
      socket.close();
      resolve({ opened: true });
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode });
      socket.terminate();
    });
    socket.once('error', () => resolve({ opened: false }));
  });
}

describe('tunnel upgrade checks', function () {
  this.timeout(120000);
  let stack: WorkspaceStack;
  let tunnelUrl: string;
  let origin: string;

  before(async () => {
    stack = await workspace();
    tunnelUrl = stack.brokerUrl.replace('http:', 'ws:') + '/tunnel';
    origin = new URL(stack.brokerUrl).origin;
  });

  const hostileTokens: Record<string, string | undefined> = {
    'no token': undefined,
    'an empty token': '',
    garbage: '!!!not-base64!!!',
    'base64 of non-JSON': Buffer.from('hello').toString('base64'),
    'JSON without a cipher text': Buffer.from(JSON.stringify({ iv: 'AAAA' })).toString('base64'),
    'a token encrypted with another key': Buffer.from(
      JSON.stringify({ iv: Buffer.alloc(16).toString('base64'), value: Buffer.alloc(32).toString('base64') }),
    ).toString('base64'),
    'a huge token': 'A'.repeat(100_000),
  };

  for (const [name, token] of Object.entries(hostileTokens)) {
    it(`refuses ${name} and keeps running`, async () => {
      const url = token === undefined ? tunnelUrl : `${tunnelUrl}?token=${encodeURIComponent(token)}`;
      const result = await tryUpgrade(url, { Origin: origin });
      assert.equal(result.opened, false);
      if (result.status !== undefined)
        assert.ok(result.status >= 400 && result.status < 500, `status ${result.status}`);
      await request(stack.brokerUrl).get('/healthz').expect(200);
    });
  }

  it('refuses a WebSocket from another origin', async () => {
    const result = await tryUpgrade(`${tunnelUrl}?token=x`, { Origin: 'https://evil.example' });
    assert.deepEqual(result, { opened: false, status: 403 });
  });
});

describe('tunnel tokens in use', function () {
  this.timeout(120000);
  let stack: WorkspaceStack;

  before(async () => {
    stack = await workspace();
  });

  async function grant(username: string) {
    const { cookies, acsStatus } = await signInOverHttp(stack.brokerUrl, username);
    assert.equal(acsStatus, 303);
    const response = await fetch(`${stack.brokerUrl}/api/desktop/connect`, {
      method: 'POST',
      headers: { cookie: cookies.header(), 'x-requested-with': 'hcw-client' },
    });
    assert.equal(response.status, 200);
    const { token } = (await response.json()) as { token: string };
    return {
      cookies,
      url: `${stack.brokerUrl.replace('http:', 'ws:')}/tunnel?token=${encodeURIComponent(token)}`,
    };
  }

  it('opens once for the user it was issued to, and never again', async () => {
    const { cookies, url } = await grant('cm.suzuki');
    const origin = new URL(stack.brokerUrl).origin;
    assert.deepEqual(await tryUpgrade(url, { Origin: origin, Cookie: cookies.header() }), { opened: true });
    assert.deepEqual(await tryUpgrade(url, { Origin: origin, Cookie: cookies.header() }), {
      opened: false,
      status: 401,
    });
  });

  it('refuses a valid token presented without the session it belongs to', async () => {
    const { cookies, url } = await grant('pharm.kobayashi');
    const result = await tryUpgrade(url, { Origin: new URL(stack.brokerUrl).origin });
    assert.deepEqual(result, { opened: false, status: 401 });
    await signOutOverHttp(stack.brokerUrl, cookies);
  });

  it('refuses the connect call without the client header (cross-site forms cannot set it)', async () => {
    const { cookies } = await signInOverHttp(stack.brokerUrl, 'dr.tanaka');
    const response = await fetch(`${stack.brokerUrl}/api/desktop/connect`, {
      method: 'POST',
      headers: { cookie: cookies.header() },
    });
    assert.equal(response.status, 403);
  });
});
