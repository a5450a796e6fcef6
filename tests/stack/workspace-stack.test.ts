import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { delay } from '#scripts/stack/managed-process.js';
import { processesMentioning } from '#scripts/stack/process-sweep.js';
import { repoRoot } from '#scripts/stack/workspace-stack.js';

type WorkspaceModule = typeof import('../support/workspace.js');

describe('the workspace stack the tests run on', function () {
  this.timeout(120000);

  it('is one workspace for the suites and the teardown, however mocha loads each', async () => {
    // Mocha requires what it can (the teardown fixture, most suites) and imports the rest (a suite whose
    // imports cannot be required); each way has its own instance of the module.
    const required = createRequire(import.meta.url)('../support/workspace.ts') as WorkspaceModule;
    const imported = (await import('../support/workspace.js')) as WorkspaceModule;
    assert.notEqual(required, imported, 'control: two instances of the module');
    assert.equal(await imported.workspace(), await required.workspace());
  });

  it('leaves no desktop running when the process that started it exits without stopping it', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hcw-abandoned-'));
    try {
      const script = [
        "import { startWorkspaceStack } from './scripts/stack/workspace-stack.ts';",
        `const stack = await startWorkspaceStack({ dataDir: ${JSON.stringify(dataDir)} });`,
        'console.log(JSON.stringify(stack.desktops));',
        'process.exit(0);',
      ].join('\n');
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 0, output);
      const [desktop] = JSON.parse(output.trim().split('\n').at(-1)!) as { display: number }[];

      const deadline = Date.now() + 10000;
      while (processesMentioning(dataDir + path.sep).length && Date.now() < deadline) await delay(100);
      assert.deepEqual(processesMentioning(dataDir + path.sep), [], 'nothing of the stack still runs');
      // Asked to end rather than killed, the X server removed its lock, so the display is free again.
      assert.equal(existsSync(`/tmp/.X${desktop!.display}-lock`), false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
