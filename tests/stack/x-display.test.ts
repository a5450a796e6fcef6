import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import {
  freePort,
  startProcess,
  waitForPort,
  type ManagedProcess,
} from '../../scripts/stack/managed-process.js';
import { freeDisplay } from '../../scripts/stack/x-display.js';

/** A real Xvnc on display `n`, ready when its VNC port opens. */
async function startXvnc(n: number): Promise<ManagedProcess> {
  const port = await freePort();
  const xvnc = startProcess(`Xvnc :${n}`, 'Xvnc', [
    `:${n}`,
    '-rfbport',
    String(port),
    '-localhost',
    '-SecurityTypes',
    'None',
    '-nolisten',
    'tcp',
  ]);
  await waitForPort(port, { process: xvnc });
  return xvnc;
}

describe('picking a free X display for a desktop', function () {
  this.timeout(60000);
  let xvnc: ManagedProcess | undefined;

  afterEach(async () => {
    await xvnc?.stop();
    xvnc = undefined;
  });

  it('passes over a display a live X server holds', async () => {
    const n = freeDisplay(700, 100);
    xvnc = await startXvnc(n);
    assert.throws(() => freeDisplay(n, 1), /no free X display number between/);
  });

  it('takes back a display whose X server was killed outright, so leftovers never use the range up', async () => {
    const n = freeDisplay(700, 100);
    const killed = await startXvnc(n);
    process.kill(-killed.pid, 'SIGKILL');
    await killed.exited;
    // Control: a killed X server leaves its lock and socket behind, which a plain existence check counts as taken.
    assert.ok(existsSync(`/tmp/.X${n}-lock`) && existsSync(`/tmp/.X11-unix/X${n}`));

    assert.equal(freeDisplay(n, 1), n);
    assert.ok(!existsSync(`/tmp/.X${n}-lock`) && !existsSync(`/tmp/.X11-unix/X${n}`));
    xvnc = await startXvnc(n);
  });
});
