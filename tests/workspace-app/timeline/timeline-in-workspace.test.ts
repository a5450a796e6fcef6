import assert from 'node:assert/strict';
import { HANDOFF_PATH, signRequest } from '@hcw/common';
import { io as connect } from 'socket.io-client';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { workspace } from '#test-support/workspace.js';
import { aPractitioner } from './timeline-fixtures.js';

describe('the timeline in the running portal', function () {
  this.timeout(120_000);
  let stack: WorkspaceStack;
  let cookie: string;

  before(async () => {
    stack = await workspace();
    const body = JSON.stringify({ practitioner: aPractitioner({ id: 'nurse.workspace' }) });
    const created = await fetch(`${stack.portalUrl}${HANDOFF_PATH}`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        ...signRequest(stack.secrets.handoff, 'POST', HANDOFF_PATH, body),
      },
    });
    const { url } = (await created.json()) as { url: string };
    const swapped = await fetch(url, { redirect: 'manual' });
    cookie = swapped.headers.getSetCookie()[0]!.split(';')[0]!;
  });

  it('serves the timeline page, linked from the start page', async () => {
    const start = await (await fetch(`${stack.portalUrl}/?lang=ja`, { headers: { cookie } })).text();
    assert.match(start, /href="\/timeline"/);
    const response = await fetch(`${stack.portalUrl}/timeline?lang=ja`, { headers: { cookie } });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /多職種連携タイムライン/);
  });

  it('opens a live socket for a signed-in practitioner on the portal’s own server', async () => {
    const socket = connect(stack.portalUrl, {
      transports: ['websocket'],
      extraHeaders: { cookie },
      reconnection: false,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
    } finally {
      socket.disconnect();
    }
  });
});
