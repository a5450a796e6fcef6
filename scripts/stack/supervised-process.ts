import type { ManagedProcess } from './managed-process.js';

/**
 * A service of the local stack kept running as systemd keeps a unit with `Restart=on-failure`: when it dies
 * (a signal, or a non-zero exit) it is started again, with the same settings, after a short pause that
 * doubles while it keeps failing. A clean exit (status 0) or `stop()` ends it for good, and a service that
 * fails too often in a short time is given up on, as systemd's start limit does, so a broken setting is
 * reported instead of retried for ever.
 */
export interface SupervisedProcess extends ManagedProcess {
  /** How many times it has been started again. */
  readonly restarts: number;
  /** Resolves once it has been started again `count` times in all (the new process, not yet ready). */
  restarted(count: number): Promise<void>;
}

export interface SuperviseOptions {
  /** The first pause before starting again; doubles per failure in a row, up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** At most this many starts again within `burstWindowMs`; one more failure ends supervision. */
  burst?: number;
  burstWindowMs?: number;
  /** A line for the stack's log each time the service dies and is started again. */
  log?: (line: string) => void;
  /**
   * Clears what the dead process left behind before it is started again, as systemd ends every process of a
   * unit's control group when its main process dies (a desktop agent's X server and kiosk, which run in
   * process groups of their own).
   */
  beforeRestart?: () => void | Promise<void>;
}

export function supervise(start: () => ManagedProcess, options: SuperviseOptions = {}): SupervisedProcess {
  const firstDelayMs = options.firstDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 8000;
  const burst = options.burst ?? 5;
  const burstWindowMs = options.burstWindowMs ?? 60000;
  let current = start();
  let restarts = 0;
  let isStopped = false;
  let restartTimes: number[] = [];
  // Ends the pause before a start again, when the stack is stopped during it.
  let wake: (() => void) | undefined;
  const waiters: { count: number; resolve: () => void }[] = [];
  let settle!: (code: number | null) => void;
  const exited = new Promise<number | null>((resolve) => (settle = resolve));

  const watch = async (): Promise<void> => {
    for (;;) {
      const startedAt = Date.now();
      const code = await current.exited;
      if (isStopped || code === 0) return settle(code);
      const now = Date.now();
      restartTimes = restartTimes.filter((at) => now - at < burstWindowMs);
      if (restartTimes.length >= burst) {
        options.log?.(
          `${current.name} failed ${burst + 1} times within ${burstWindowMs / 1000} s; not started again`,
        );
        return settle(code);
      }
      // A service that ran a good while before dying starts again at once; one that keeps dying waits longer.
      const failuresInRow = now - startedAt > burstWindowMs / 2 ? 0 : restartTimes.length;
      const pauseMs = Math.min(maxDelayMs, firstDelayMs * 2 ** failuresInRow);
      options.log?.(
        `${current.name} ended (${code === null ? 'killed by a signal' : `status ${code}`}); starting it again in ${pauseMs} ms`,
      );
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, pauseMs);
      });
      wake = undefined;
      if (isStopped) return settle(code);
      restartTimes.push(Date.now());
      try {
        await options.beforeRestart?.();
        current = start();
      } catch (error) {
        options.log?.(`${current.name} could not be started again: ${(error as Error).message}`);
        return settle(code);
      }
      restarts++;
      for (const waiter of waiters.filter((w) => w.count <= restarts)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  void watch();

  return {
    get name() {
      return current.name;
    },
    get pid() {
      return current.pid;
    },
    get restarts() {
      return restarts;
    },
    exited,
    restarted(count: number) {
      if (restarts >= count) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ count, resolve }));
    },
    async stop() {
      isStopped = true;
      wake?.();
      await current.stop();
      await exited;
    },
  };
}
