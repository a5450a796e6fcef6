import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startWorkspaceStack, type WorkspaceStack } from '../../scripts/stack/workspace-stack.js';

/**
 * One real workspace (Redis, PostgreSQL, guacd, a desktop, the portal, the broker) shared by the suites
 * that need it, started on first use on free loopback ports with its own data directory, and stopped
 * after the whole run (see global-fixtures.ts). Suites must not depend on what another suite left behind.
 */
let starting: Promise<WorkspaceStack> | undefined;
let dataDir: string | undefined;

export const TEST_DEMO_PASSWORD = 'Test-Password-For-Suites-1';

export function workspace(): Promise<WorkspaceStack> {
  if (!starting) {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'hcw-test-'));
    starting = startWorkspaceStack({
      dataDir,
      demoPassword: TEST_DEMO_PASSWORD,
      desktops: 2,
      // Every test connects from 127.0.0.1: the per-address limit is tested on its own, in-process.
      brokerEnv: { SIGN_IN_FAILURES_PER_ADDRESS: '100000' },
    });
  }
  return starting;
}

export async function stopWorkspace(): Promise<void> {
  if (starting) {
    const stack = await starting.catch(() => undefined);
    await stack?.stop();
    starting = undefined;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
