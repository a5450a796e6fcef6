import { spawn } from 'node:child_process';
import { withPrivilege, type Privilege } from './privilege.js';

export type SelectionName = 'clipboard' | 'primary';

export interface XEnvironment {
  display: number;
  searchPath: string;
  /** Starts X tools without the agent's capabilities (see privilege.ts). */
  privilege?: Privilege;
}

/**
 * An X selection held by an `xclip` process for as long as needed. X keeps a selection's content with
 * its owner, not in the server: when the owner goes, the selection is empty. So releasing clears it.
 */
export interface HeldSelection {
  /** Resolves once the requester has fetched the content (`count` requests served and then a pause). */
  waitForRequests(count: number, timeoutMs: number): Promise<boolean>;
  /** How many requests for the content were served so far. */
  readonly requestsServed: number;
  release(): Promise<void>;
}

export async function holdSelection(
  env: XEnvironment,
  selection: SelectionName,
  text: string,
): Promise<HeldSelection> {
  // -quiet keeps xclip in the foreground, so this process is the owner and killing it clears the
  // selection; -verbose reports each request, which tells when a paste has read the content.
  const [command, args] = withPrivilege(env.privilege ?? 'none', 'xclip', [
    '-selection',
    selection,
    '-in',
    '-quiet',
    '-verbose',
  ]);
  const child = spawn(command, args, {
    env: { PATH: env.searchPath, DISPLAY: `:${env.display}` },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let lastRequestAt = 0;
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const onOutput = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    lastRequestAt = Date.now();
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  child.stdin.end(text, 'utf8');
  const served = (): number => {
    const numbers = [...output.matchAll(/selection request number (\d+)/g)].map((m) => Number(m[1]));
    return numbers.length === 0 ? 0 : Math.max(...numbers) - 1;
  };
  const release = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };

  const owned = await poll(
    () => output.includes('Waiting for selection requests'),
    3000,
    () => child.exitCode,
  );
  if (!owned) {
    await release();
    throw new Error(`xclip could not take the ${selection} selection: ${output.trim().slice(0, 300)}`);
  }
  return {
    waitForRequests: (count, timeoutMs) =>
      poll(
        () => served() >= count && Date.now() - lastRequestAt > 100,
        timeoutMs,
        () => child.exitCode,
      ),
    get requestsServed() {
      return served();
    },
    release,
  };
}

/** Empties the selection: takes it over and lets it go. */
export async function clearSelection(env: XEnvironment, selection: SelectionName): Promise<void> {
  const held = await holdSelection(env, selection, '');
  await held.release();
}

async function poll(
  condition: () => boolean,
  timeoutMs: number,
  exitCode: () => number | null,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    if (exitCode() !== null) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}
