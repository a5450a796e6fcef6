import { readdirSync, readFileSync } from 'node:fs';

/** A process's command line, arguments separated by spaces ('' once it is gone). */
export function commandLineOf(pid: number | string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function isZombie(pid: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Live processes whose command line contains `text` (a data folder, a socket path). */
export function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && !isZombie(entry) && commandLineOf(entry).includes(text))
    .map(Number);
}

/**
 * Signals every process whose command line names `dir`. A desktop's X server and kiosk run in process
 * groups of their own, so they outlive an agent that was killed outright; they all name the desktop's
 * folder, which is how they are found.
 */
export function signalProcessesMentioning(dir: string, signal: NodeJS.Signals): void {
  for (const pid of processesMentioning(dir)) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
