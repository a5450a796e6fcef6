import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostReply, type HostRequest } from './tunnel-host-protocol.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');

type ReplyOf<T extends HostReply['type']> = Extract<HostReply, { type: T }>;

/** The benchmark's handle on the tunnel host process: one request at a time, each with its reply. */
export class TunnelHostClient {
  private pending: { resolve: (reply: HostReply) => void; reject: (error: Error) => void } | undefined;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (raw: unknown) => {
      const parsed = HostReply.safeParse(raw);
      const waiting = this.pending;
      this.pending = undefined;
      if (!waiting) return;
      if (!parsed.success)
        waiting.reject(new Error(`unreadable reply from the tunnel host: ${parsed.error.message}`));
      else if (parsed.data.type === 'failed')
        waiting.reject(new Error(`tunnel host: ${parsed.data.message}`));
      else waiting.resolve(parsed.data);
    });
    child.once('exit', (code, signal) => {
      this.pending?.reject(new Error(`the tunnel host exited (${signal ?? code})`));
      this.pending = undefined;
    });
  }

  static launch(): TunnelHostClient {
    // --expose-gc lets the host collect garbage before each memory reading, so the deltas are live objects.
    const child = fork(path.join(here, 'tunnel-host.ts'), [], {
      cwd: repoRoot,
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    return new TunnelHostClient(child);
  }

  request<T extends HostReply['type']>(message: HostRequest, expected: T): Promise<ReplyOf<T>> {
    if (this.pending) return Promise.reject(new Error('the tunnel host is busy with another request'));
    return new Promise<HostReply>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(message);
    }).then((reply) => {
      if (reply.type !== expected) throw new Error(`the tunnel host answered ${reply.type}, not ${expected}`);
      return reply as ReplyOf<T>;
    });
  }

  /** Asks the host to close its tunnels and exit; kills it if it does not within a few seconds. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    try {
      if (this.child.connected) await this.request({ type: 'stop' }, 'stopped');
    } catch {
      this.child.kill('SIGKILL');
    }
    await this.exited;
    clearTimeout(timer);
  }
}
