import assert from 'node:assert/strict';
import type { DesktopScreen } from '@hcw/common';
import { ScreenUpdates } from '#broker/screen/screen-updates.js';
import type { AgentAddress } from '#broker/desktops/agent-client.js';

const screen = (width: number): DesktopScreen => ({ width, height: 800, scale: 1 });

/** An agent that answers when told to, so the test decides what is still on its way. */
function slowAgent() {
  const calls: { width: number; answer(): void; fail(): void }[] = [];
  return {
    calls,
    setScreen(_desktop: AgentAddress, wanted: DesktopScreen): Promise<DesktopScreen> {
      return new Promise((resolve, reject) =>
        calls.push({
          width: wanted.width,
          answer: () => resolve(wanted),
          fail: () => reject(new Error('down')),
        }),
      );
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('screen updates', () => {
  it('sends one change at a time per user, and of those that waited only the latest', async () => {
    const agent = slowAgent();
    const updates = new ScreenUpdates(agent);
    const first = updates.apply('nurse.sato', { id: 'agent', agentUrl: 'https://agent' }, screen(800));
    const second = updates.apply('nurse.sato', { id: 'agent', agentUrl: 'https://agent' }, screen(900));
    const third = updates.apply('nurse.sato', { id: 'agent', agentUrl: 'https://agent' }, screen(1000));
    await tick();
    assert.deepEqual(
      agent.calls.map((c) => c.width),
      [800],
      'one on its way',
    );
    agent.calls[0]!.answer();
    assert.deepEqual(await first, screen(800));
    await tick();
    assert.deepEqual(
      agent.calls.map((c) => c.width),
      [800, 1000],
      'the latest, not the one it replaced',
    );
    agent.calls[1]!.answer();
    assert.deepEqual(await second, screen(1000), 'the overtaken request gets the answer that replaced it');
    assert.deepEqual(await third, screen(1000));
  });

  it('does not make one user wait for another', async () => {
    const agent = slowAgent();
    const updates = new ScreenUpdates(agent);
    void updates.apply('nurse.sato', { id: 'agent-1', agentUrl: 'https://agent-1' }, screen(800));
    void updates.apply('dr.tanaka', { id: 'agent-2', agentUrl: 'https://agent-2' }, screen(900));
    await tick();
    assert.deepEqual(
      agent.calls.map((c) => c.width),
      [800, 900],
    );
    for (const call of agent.calls) call.answer();
  });

  it('passes a failure to whoever waits for it, and carries on with the next change', async () => {
    const agent = slowAgent();
    const updates = new ScreenUpdates(agent);
    const failing = updates.apply('nurse.sato', { id: 'agent', agentUrl: 'https://agent' }, screen(800));
    const next = updates.apply('nurse.sato', { id: 'agent', agentUrl: 'https://agent' }, screen(900));
    await tick();
    agent.calls[0]!.fail();
    await assert.rejects(failing, /down/);
    await tick();
    agent.calls[1]!.answer();
    assert.deepEqual(await next, screen(900));
  });
});
