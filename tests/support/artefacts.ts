import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#scripts/stack/workspace-stack.js';

/**
 * A folder for what a test keeps for people to look at (screenshots), under `.data/test-artefacts/` (not
 * committed), one per suite and run. Its path is printed, so whoever runs the tests can find it.
 */
export function artefactsDir(suite: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.join(repoRoot, '.data', 'test-artefacts', `${suite}-${stamp}`);
  mkdirSync(dir, { recursive: true });
  process.stdout.write(`      screenshots of ${suite}: ${dir}\n`);
  return dir;
}
