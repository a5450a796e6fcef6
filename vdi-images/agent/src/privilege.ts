import { readFileSync } from 'node:fs';

/**
 * What the agent may do to give each kiosk namespaces and a user of its own:
 *   root         - it runs as root (developer and CI machines, the local stack);
 *   capabilities - it runs as its own user with exactly CAP_SETUID, CAP_SETGID and CAP_KILL (desktop hosts:
 *                  the unit's AmbientCapabilities), enough to start the kiosk's launcher as root inside a
 *                  bounded capability set and to end the kiosk's processes;
 *   none         - neither: the kiosk runs as the agent's user, without namespaces or policy.
 * Nothing else the agent starts (Xvnc, openbox, the X tools) gets any capability.
 */
export type Privilege = 'root' | 'capabilities' | 'none';

// Bit numbers from linux/capability.h.
const CAP_KILL = 5;
const CAP_SETGID = 6;
const CAP_SETUID = 7;

/** Whether this process holds, effective and ambient (so that they outlive exec), the capabilities above. */
export function hasKioskCapabilities(status = readProcStatus()): boolean {
  const set = (name: 'Eff' | 'Amb'): bigint =>
    BigInt(`0x${new RegExp(`^Cap${name}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1] ?? '0'}`);
  const needed = [CAP_KILL, CAP_SETGID, CAP_SETUID].reduce((mask, bit) => mask | (1n << BigInt(bit)), 0n);
  return (set('Eff') & needed) === needed && (set('Amb') & needed) === needed;
}

function readProcStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}

/**
 * The command line that starts a program with the privilege it needs and no more. `asRoot`: the kiosk's
 * launcher, which sets up its namespaces and mounts as root and then drops to the kiosk user; with
 * capabilities it becomes root only inside the unit's capability bounding set. Anything else loses the
 * agent's capabilities before it starts.
 */
export function withPrivilege(
  privilege: Privilege,
  command: string,
  args: string[],
  asRoot = false,
): [string, string[]] {
  if (privilege !== 'capabilities') return [command, args];
  if (asRoot) return ['setpriv', ['--reuid=0', '--regid=0', '--clear-groups', '--', command, ...args]];
  return ['setpriv', ['--inh-caps=-all', '--ambient-caps=-all', '--', command, ...args]];
}
