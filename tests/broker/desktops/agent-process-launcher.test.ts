import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentClient } from '../../../broker/src/desktops/agent-client.js';
import { AgentProcessLauncher } from '../../../broker/src/desktops/agent-process-launcher.js';
import type { LaunchedDesktop } from '../../../broker/src/desktops/local-provider.js';
import { AGENT_SECRET } from './fake-desktops.js';

describe('local desktop launcher', function () {
  this.timeout(60000);
  let stateDir: string;
  let launched: LaunchedDesktop | undefined;

  before(() => {
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'hcw-launcher-'));
  });
  after(async () => {
    await launched?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts a real desktop agent that answers healthy, and stops it with its state folder', async () => {
    const agents = new AgentClient(AGENT_SECRET, 2000);
    const launcher = new AgentProcessLauncher({
      stateDir,
      agentSecret: AGENT_SECRET,
      agents,
      idPrefix: 'test',
      imageVersion: 'launch-test',
    });
    launched = await launcher.launch();
    const health = await agents.health(launched.host.agentUrl);
    assert.equal(health.status, 'ready');
    assert.equal(health.desktopId, launched.host.id);
    assert.equal(health.imageVersion, 'launch-test');
    assert.ok(existsSync(path.join(stateDir, launched.host.id)));

    const { agentUrl, id } = launched.host;
    await launched.stop();
    launched = undefined;
    await assert.rejects(agents.health(agentUrl), 'the agent no longer answers');
    assert.ok(!existsSync(path.join(stateDir, id)), 'its state folder is gone');
  });
});
