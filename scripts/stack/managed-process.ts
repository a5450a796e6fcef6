import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import net from 'node:net';

/** A child process started in its own process group, so stopping it stops everything it started. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Where stdout and stderr go; `inherit` prefixes nothing and writes to this terminal. */
  logFile?: string;
  echo?: boolean;
}

const running = new Set<ChildProcess>();

// A last resort: if the parent exits without stopping its children, take their groups down too.
process.on('exit', () => {
  for (const child of running) {
    if (child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: StartOptions = {},
): ManagedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) {
    throw new Error(`${name}: could not start ${command}`);
  }
  running.add(child);
  let log: WriteStream | undefined;
  if (options.logFile) log = createWriteStream(options.logFile, { flags: 'a' });
  const forward = (chunk: Buffer): void => {
    // Processes the leader started may hold its output open after it exited: what they write after the log
    // closed is dropped, never thrown.
    if (log && !log.writableEnded) log.write(chunk);
    if (options.echo) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) process.stdout.write(`[${name}] ${line}\n`);
      }
    }
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
    // The log closes once the output pipes have, which may be after the exit.
    child.once('close', () => log?.end());
  });
  const pid = child.pid;
  let stopping: Promise<void> | undefined;
  return {
    name,
    pid,
    exited,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        signalGroup(pid, 'SIGTERM');
        const timedOut = await Promise.race([exited.then(() => false), delay(8000).then(() => true)]);
        if (timedOut) {
          signalGroup(pid, 'SIGKILL');
          await exited;
        }
        // Whatever the leader left behind in its group goes too.
        signalGroup(pid, 'SIGKILL');
      })();
      return stopping;
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when a TCP port accepts connections; fails early if the process exits first. */
export async function waitForPort(
  port: number,
  {
    host = '127.0.0.1',
    timeoutMs = 30000,
    process: proc,
  }: { host?: string; timeoutMs?: number; process?: ManagedProcess } = {},
): Promise<void> {
  let exitCode: number | null | undefined;
  void proc?.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined)
      throw new Error(`${proc?.name} exited (code ${exitCode}) before port ${port} opened`);
    if (await canConnect(host, port)) return;
    await delay(100);
  }
  throw new Error(`${proc?.name ?? 'service'}: port ${port} did not open within ${timeoutMs} ms`);
}

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Resolves when an HTTP URL answers with a status below 500, or as `isReady` judges its answer. */
export async function waitForHttp(
  url: string,
  {
    timeoutMs = 30000,
    process: proc,
    isReady = async (response) => response.status < 500,
  }: {
    timeoutMs?: number;
    process?: ManagedProcess;
    isReady?: (response: Response) => Promise<boolean>;
  } = {},
): Promise<void> {
  let exitCode: number | null | undefined;
  void proc?.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (exitCode !== undefined)
      throw new Error(`${proc?.name} exited (code ${exitCode}) before ${url} answered`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (await isReady(response)) return;
      lastError = `status ${response.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await delay(150);
  }
  throw new Error(`${proc?.name ?? 'service'}: ${url} did not answer within ${timeoutMs} ms (${lastError})`);
}

/** Ports this process has handed out: the kernel may offer a port again as soon as its probe closed. */
const portsGiven = new Set<number>();

/** A free TCP port on loopback, chosen by the kernel, and never one this process handed out before. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await anyFreePort();
    if (portsGiven.has(port)) continue;
    portsGiven.add(port);
    return port;
  }
  throw new Error('no loopback port free that was not handed out already');
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** Whether nothing listens on this loopback port yet. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
