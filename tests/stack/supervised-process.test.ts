import assert from 'node:assert/strict';
import { startProcess } from '#scripts/stack/managed-process.js';
import { supervise, type SupervisedProcess } from '#scripts/stack/supervised-process.js';

/** A process that runs until told otherwise, or exits at once with `status`. */
const sleeper = () => startProcess('sleeper', 'sleep', ['600']);
const exiting = (status: number) => () => startProcess('exiting', 'sh', ['-c', `exit ${status}`]);

describe('a service of the local stack, kept running as systemd would', function () {
  this.timeout(30000);
  const started: SupervisedProcess[] = [];
  /** Stopped after the test, whatever it left running. */
  const kept = (service: SupervisedProcess): SupervisedProcess => {
    started.push(service);
    return service;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((service) => service.stop()));
  });

  it('is started again, with a new process, when it is killed', async () => {
    const lines: string[] = [];
    const service = kept(supervise(sleeper, { firstDelayMs: 10, log: (line) => lines.push(line) }));
    const first = service.pid;
    process.kill(-first, 'SIGKILL');
    await service.restarted(1);
    assert.notEqual(service.pid, first);
    assert.equal(service.restarts, 1);
    process.kill(-service.pid, 'SIGKILL');
    await service.restarted(2);
    assert.match(lines[0] ?? '', /sleeper ended \(killed by a signal\); starting it again in 10 ms/);
  });

  it('is not started again when it was stopped, or when it ended cleanly (control)', async () => {
    const stopped = supervise(sleeper, { firstDelayMs: 10 });
    await stopped.stop();
    assert.equal(stopped.restarts, 0);
    const clean = kept(supervise(exiting(0), { firstDelayMs: 10 }));
    assert.equal(await clean.exited, 0);
    assert.equal(clean.restarts, 0);
  });

  it('gives up on a service that keeps failing, and says so, instead of trying for ever', async () => {
    const lines: string[] = [];
    const failing = kept(
      supervise(exiting(3), { firstDelayMs: 5, burst: 3, log: (line) => lines.push(line) }),
    );
    assert.equal(await failing.exited, 3);
    assert.equal(failing.restarts, 3);
    assert.match(lines.at(-1) ?? '', /exiting failed 4 times within 60 s; not started again/);
    // The pause doubles while it keeps failing.
    assert.deepEqual(
      lines.slice(0, 3).map((line) => /again in (\d+) ms/.exec(line)?.[1]),
      ['5', '10', '20'],
    );
  });

  it('stops at once when stopped while it waits to start again', async () => {
    const service = supervise(sleeper, { firstDelayMs: 60000 });
    process.kill(-service.pid, 'SIGKILL');
    // It is now waiting a minute before the next start; stopping ends that wait.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await service.stop();
    assert.equal(service.restarts, 0);
  });
});
