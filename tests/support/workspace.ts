import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startWorkspaceStack, type WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { processWide } from './process-wide.js';

interface SharedWorkspace {
  starting?: Promise<WorkspaceStack>;
  dataDir?: string;
}

// One for the suites and the teardown fixture, however mocha loaded each.
const shared = processWide<SharedWorkspace>('shared-workspace', () => ({}));

export const TEST_DEMO_PASSWORD = 'Test-Password-For-Suites-1';

/**
 * One real workspace (Redis, PostgreSQL, guacd, a desktop, the portal, the broker) shared by the suites
 * that need it, started on first use on free loopback ports with its own data directory, and stopped
 * after the whole run (see global-fixtures.ts). Suites must not depend on what another suite left behind.
 */
export function workspace(): Promise<WorkspaceStack> {
  if (!shared.starting) {
    shared.dataDir = mkdtempSync(path.join(os.tmpdir(), 'hcw-test-'));
    shared.starting = startWorkspaceStack({
      dataDir: shared.dataDir,
      demoPassword: TEST_DEMO_PASSWORD,
      desktops: 2,
      // Every test connects from 127.0.0.1: the per-address limit is tested on its own, in-process.
      brokerEnv: { SIGN_IN_FAILURES_PER_ADDRESS: '100000' },
    });
  }
  return shared.starting;
}

export async function stopWorkspace(): Promise<void> {
  if (shared.starting) {
    const stack = await shared.starting.catch(() => undefined);
    await stack?.stop();
    shared.starting = undefined;
  }
  if (shared.dataDir) rmSync(shared.dataDir, { recursive: true, force: true });
  shared.dataDir = undefined;
}
