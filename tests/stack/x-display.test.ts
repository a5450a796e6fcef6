import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { freePort, startProcess, waitForPort, type ManagedProcess } from '#scripts/stack/managed-process.js';
import { spawn } from 'node:child_process';
import { clearDeadDisplay, freeDisplay } from '#scripts/stack/x-display.js';

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

  it('frees at once the display of an X server killed but not yet reaped (a zombie), which X itself counts as live', async () => {
    const n = freeDisplay(700, 100);
    const port = await freePort();
    // The X server's parent is a process that never reaps it, as when the agent that started it was killed.
    const parent = spawn(
      'sh',
      [
        '-c',
        `Xvnc :${n} -rfbport ${port} -localhost -SecurityTypes None -nolisten tcp >/dev/null 2>&1 & exec sleep 60`,
      ],
      { stdio: 'ignore' },
    );
    try {
      await waitForPort(port);
      const lockPid = Number(readFileSync(`/tmp/.X${n}-lock`, 'latin1').trim());
      process.kill(lockPid, 'SIGKILL');
      await waitUntil(() => zombie(lockPid));
      const refused = startProcess(`Xvnc :${n}`, 'Xvnc', [
        `:${n}`,
        '-rfbport',
        String(await freePort()),
        '-localhost',
      ]);
      assert.notEqual(await refused.exited, 0, 'control: X refuses a display whose lock names a zombie');

      clearDeadDisplay(n);
      xvnc = await startXvnc(n);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('leaves the display of a live X server alone (control)', async () => {
    const n = freeDisplay(700, 100);
    xvnc = await startXvnc(n);
    clearDeadDisplay(n);
    assert.ok(existsSync(`/tmp/.X${n}-lock`));
  });
});

function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
