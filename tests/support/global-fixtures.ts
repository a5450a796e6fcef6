import { stopWorkspace } from './workspace.js';

/** Mocha global teardown: the shared workspace goes when the run ends, whatever happened. */
export async function mochaGlobalTeardown(): Promise<void> {
  await stopWorkspace();
}
