import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { desktopIdentity } from '@hcw/common';
import { AgentClient } from '#broker/desktops/agent-client.js';
import { AgentProcessLauncher } from '#broker/desktops/agent-process-launcher.js';
import type { LaunchedDesktop } from '#broker/desktops/local-provider.js';
import { testInternalCa } from '#test-support/test-internal-ca.js';

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
    const tls = testInternalCa();
    const certificateDir = path.join(stateDir, 'certificates');
    tls.ca.issue(
      'test-1',
      { commonName: 'test-1', usage: 'server', ips: ['127.0.0.1'], uris: [desktopIdentity('test-1')] },
      certificateDir,
    );
    const agents = new AgentClient(tls.brokerTls, 2000);
    const launcher = new AgentProcessLauncher({
      stateDir,
      certificateDir,
      internalCaFile: tls.ca.certFile,
      agents,
      idPrefix: 'test',
      imageVersion: 'launch-test',
    });
    launched = await launcher.launch();
    const health = await agents.health(launched.host);
    assert.equal(health.status, 'ready');
    assert.equal(health.desktopId, launched.host.id);
    assert.equal(health.imageVersion, 'launch-test');
    assert.ok(existsSync(path.join(stateDir, launched.host.id)));

    const { host } = launched;
    const { id } = host;
    assert.equal(id, 'test-1', 'it takes its id from the certificate it was given');
    await launched.stop();
    launched = undefined;
    await assert.rejects(agents.health(host), 'the agent no longer answers');
    assert.ok(!existsSync(path.join(stateDir, id)), 'its state folder is gone');
  });
});
