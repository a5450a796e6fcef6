import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { repoRoot } from '../../scripts/stack/workspace-stack.js';

const run = promisify(execFile);

/** `tsx scripts/demo.ts` with these settings, as `npm run demo` starts it after the set-up. */
async function demo(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      timeout: 60000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('npm run demo, before it starts anything', function () {
  this.timeout(90000);

  it('names a port another program holds, and how to choose another, instead of failing later', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const result = await demo({ DEMO_PORT: String(port) });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`Port ${port} \\(DEMO_PORT\\) is in use by another program`));
      assert.match(result.stderr, new RegExp(`DEMO_PORT=${port + 1} npm run demo`));
      assert.doesNotMatch(result.stdout, /Starting/, 'nothing was started');
    } finally {
      taken.close();
    }
  });

  it('refuses a desktop count it cannot run, saying which setting is wrong', async () => {
    const result = await demo({ DEMO_DESKTOPS: '0' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /The demo's settings are not valid: DEMO_DESKTOPS:/);
  });
});
