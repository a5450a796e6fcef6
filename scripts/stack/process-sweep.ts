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

/** Whether the process runs: neither gone nor a zombie (killed, and not yet reaped by its parent). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(String(pid));
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

/**
 * Kills every process whose command line names `dir` and waits, up to `timeoutMs`, until none runs any more.
 * A killed process lingers as a zombie until its parent reaps it; a zombie counts as gone.
 */
export async function killProcessesMentioning(dir: string, timeoutMs = 5000): Promise<void> {
  signalProcessesMentioning(dir, 'SIGKILL');
  const deadline = Date.now() + timeoutMs;
  while (processesMentioning(dir).some((pid) => pid !== process.pid) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
