import assert from 'node:assert/strict';
import { HANDOFF_PATH, signRequest } from '@hcw/common';
import { workspace } from '#test-support/workspace.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';

const practitioner = {
  id: 'test.handoff',
  displayName: '中村 さくら',
  displayNameKana: 'ナカムラ サクラ',
  organisation: '世田谷訪問看護ステーション',
  profession: '看護師',
  roles: ['practitioner'],
};

describe('portal single sign-on hand-off', function () {
  this.timeout(120000);
  let stack: WorkspaceStack;

  before(async () => {
    stack = await workspace();
  });

  async function createHandoff(secret: string, body = JSON.stringify({ practitioner })): Promise<Response> {
    return fetch(`${stack.portalUrl}${HANDOFF_PATH}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...signRequest(secret, 'POST', HANDOFF_PATH, body) },
    });
  }

  it('swaps a one-time code for a portal session that greets the practitioner by name', async () => {
    const created = await createHandoff(stack.secrets.handoff);
    assert.equal(created.status, 201);
    const { url } = (await created.json()) as { url: string };
    const swapped = await fetch(url, { redirect: 'manual' });
    assert.equal(swapped.status, 303);
    const cookie = swapped.headers.getSetCookie()[0]!.split(';')[0]!;
    const start = await fetch(`${stack.portalUrl}/`, { headers: { cookie } });
    assert.equal(start.status, 200);
    const html = await start.text();
    assert.match(html, /ようこそ、中村 さくら さん/);
    assert.match(html, /lang="ja"/);
    const english = await (await fetch(`${stack.portalUrl}/?lang=en`, { headers: { cookie } })).text();
    assert.match(english, /Welcome, 中村 さくら/);
  });

  it('accepts each code once', async () => {
    const { url } = (await (await createHandoff(stack.secrets.handoff)).json()) as { url: string };
    assert.equal((await fetch(url, { redirect: 'manual' })).status, 303);
    assert.equal((await fetch(url, { redirect: 'manual' })).status, 401);
  });

  it('refuses a hand-off not signed by the broker', async () => {
    assert.equal((await createHandoff('not-the-secret-'.repeat(3))).status, 401);
  });

  it('refuses a malformed practitioner with a clear message', async () => {
    const response = await createHandoff(stack.secrets.handoff, JSON.stringify({ practitioner: { id: '' } }));
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { ja: string; en: string } };
    assert.ok(body.error.ja.length > 0 && body.error.en.length > 0);
  });

  it('shows a sign-in notice, not the portal, without a session', async () => {
    const response = await fetch(`${stack.portalUrl}/`);
    assert.equal(response.status, 401);
    assert.match(await response.text(), /ワークスペースからサインインしてください/);
  });
});
