const cleanups: (() => void)[] = [];
let installed = false;

function runCleanups(): void {
  for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) {
    try {
      cleanup();
    } catch (error) {
      process.stderr.write(`cleanup failed: ${(error as Error).message}\n`);
    }
  }
}

/**
 * Runs `cleanup` if the test process ends before it is deregistered: on exit, and on SIGINT, SIGTERM or
 * SIGHUP, which would otherwise end Node.js without an exit event. Later registrations run first (a run is
 * stopped before the root it runs in is removed). Returns the function that deregisters it.
 */
export function onProcessEnd(cleanup: () => void): () => void {
  if (!installed) {
    installed = true;
    process.once('exit', runCleanups);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        runCleanups();
        // The listener is gone now, so the signal does what it would have done.
        process.kill(process.pid, signal);
      });
    }
  }
  cleanups.push(cleanup);
  return () => {
    const index = cleanups.indexOf(cleanup);
    if (index >= 0) cleanups.splice(index, 1);
  };
}
