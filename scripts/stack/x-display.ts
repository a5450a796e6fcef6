import { readFileSync, rmSync } from 'node:fs';
import { isRunning } from './process-sweep.js';

/**
 * A display number no live X server holds, picked at random within `first`..`first + count - 1` so that
 * stacks started side by side rarely pick the same one.
 *
 * An X server killed outright (a test run interrupted, an agent taken down with SIGKILL) leaves its lock
 * file and socket behind. The X server itself treats a lock whose process is gone as stale and takes the
 * display over; this does the same, and removes what the dead server left, so leftovers of earlier runs
 * never use the range up.
 */
export function freeDisplay(first: number, count: number): number {
  const start = Math.floor(Math.random() * count);
  for (let i = 0; i < count; i++) {
    const n = first + ((start + i) % count);
    if (isHeld(n)) continue;
    rmSync(lockFile(n), { force: true });
    rmSync(socketFile(n), { force: true });
    return n;
  }
  throw new Error(`no free X display number between ${first} and ${first + count - 1}`);
}

/**
 * Removes the lock file and socket of display `n` when the X server that held it no longer runs. An X server
 * killed and not yet reaped (a zombie) still passes the next server's own check, which then refuses the
 * display; this lets the display be taken again at once.
 */
export function clearDeadDisplay(n: number): void {
  if (isHeld(n)) return;
  rmSync(lockFile(n), { force: true });
  rmSync(socketFile(n), { force: true });
}

const lockFile = (n: number): string => `/tmp/.X${n}-lock`;
const socketFile = (n: number): string => `/tmp/.X11-unix/X${n}`;

function isHeld(n: number): boolean {
  let content: string;
  try {
    content = readFileSync(lockFile(n), 'latin1');
  } catch {
    return false;
  }
  const pid = Number(content.trim());
  // A lock being written this instant, or one we cannot read: leave it to its owner.
  if (!Number.isInteger(pid) || pid <= 0) return true;
  return isRunning(pid);
}
