import { readdirSync, readFileSync } from 'node:fs';

/** Parent pid and state of a process, from /proc; undefined once it is gone. */
function readStat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; the fields after its last ")" do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

function isLive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** The process and all its descendants that are still running. */
function liveTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readStat(pid);
    if (!stat || stat.state === 'Z') continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const tree: number[] = [];
  const queue = isLive(root) ? [root] : [];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
}

/**
 * Kills a process and everything it started, including helpers that left its process group (Chromium's
 * crash handlers call setsid). The tree is frozen first so that nothing forks away between looking and
 * killing; then every member is killed and the call waits until none runs any more.
 */
export async function killProcessTree(root: number, timeoutMs = 5000): Promise<void> {
  let frozen: number[] = [];
  for (let round = 0; round < 10; round++) {
    const tree = liveTree(root);
    for (const pid of tree) signal(pid, 'SIGSTOP');
    const isStable = tree.length === frozen.length && tree.every((pid) => frozen.includes(pid));
    frozen = tree;
    if (isStable) break;
  }
  for (const pid of frozen) signal(pid, 'SIGKILL');
  const deadline = Date.now() + timeoutMs;
  while (frozen.some(isLive)) {
    if (Date.now() > deadline)
      throw new Error(`processes ${frozen.filter(isLive).join(', ')} survived SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
