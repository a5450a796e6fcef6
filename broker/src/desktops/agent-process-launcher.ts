import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentAddress, AgentClient } from './agent-client.js';
import type { DesktopLauncher, LaunchedDesktop } from './local-provider.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// The agent runs as its own program, exactly as the local stack starts it; nothing of it is imported here.
const agentMain = path.join(repoRoot, 'vdi-images/agent/src/main.ts');

export interface AgentProcessLauncherOptions {
  stateDir: string;
  /** One certificate and key per desktop this launcher may start (`<id>.crt`, `<id>.key`); their ids. */
  certificateDir: string;
  /** The internal CA, whose broker certificate the started agents accept. */
  internalCaFile: string;
  agents: AgentClient;
  idPrefix: string;
  imageVersion?: string;
  startTimeoutMs?: number;
}

/**
 * Starts desktop agents on this machine (an X server, a window manager, the kiosk per session), each on
 * free loopback ports and a free X display, with a state folder that is removed when it stops. Each takes
 * an id, and the certificate naming it, from the certificate folder: the broker cannot make certificates.
 * Launches run one at a time, so two desktops never pick the same display or id.
 */
export class AgentProcessLauncher implements DesktopLauncher {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly inUse = new Set<string>();

  constructor(private readonly options: AgentProcessLauncherOptions) {}

  launch(): Promise<LaunchedDesktop> {
    const next = this.queue.then(() => this.start());
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** An id with a certificate that no running desktop of this launcher holds. */
  private freeId(): string {
    const ids = readdirSync(this.options.certificateDir)
      .filter((file) => file.endsWith('.crt'))
      .map((file) => file.slice(0, -'.crt'.length))
      .filter((id) => id.startsWith(`${this.options.idPrefix}-`) && existsSync(this.keyOf(id)))
      .sort();
    const id = ids.find((candidate) => !this.inUse.has(candidate));
    if (!id) throw new Error(`no certificate left in ${this.options.certificateDir} for another desktop`);
    return id;
  }

  private keyOf(id: string): string {
    return path.join(this.options.certificateDir, `${id}.key`);
  }

  private async start(): Promise<LaunchedDesktop> {
    const id = this.freeId();
    this.inUse.add(id);
    try {
      return await this.startAs(id);
    } catch (error) {
      this.inUse.delete(id);
      throw error;
    }
  }

  private async startAs(id: string): Promise<LaunchedDesktop> {
    const [agentPort, vncPort] = [await freePort(), await freePort()];
    const display = freeDisplay();
    const stateDir = path.join(this.options.stateDir, id);
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const log = createWriteStream(path.join(this.options.stateDir, `${id}.log`), { flags: 'a' });
    const child = spawn(process.execPath, ['--import', 'tsx', agentMain], {
      cwd: repoRoot,
      env: {
        AGENT_PORT: String(agentPort),
        AGENT_TLS_CERT_FILE: path.join(this.options.certificateDir, `${id}.crt`),
        AGENT_TLS_KEY_FILE: this.keyOf(id),
        AGENT_TLS_CA_FILE: this.options.internalCaFile,
        DESKTOP_ID: id,
        DESKTOP_DISPLAY: String(display),
        DESKTOP_VNC_PORT: String(vncPort),
        DESKTOP_STATE_DIR: stateDir,
        ...(this.options.imageVersion ? { IMAGE_VERSION: this.options.imageVersion } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const agentUrl = `https://127.0.0.1:${agentPort}`;
    const stop = async (): Promise<void> => {
      await stopChild(child);
      rmSync(stateDir, { recursive: true, force: true });
      this.inUse.delete(id);
    };
    try {
      await this.waitUntilReady({ id, agentUrl }, child);
    } catch (error) {
      await stop();
      throw error;
    }
    return { host: { id, agentUrl, vncHost: '127.0.0.1', vncPort }, stop };
  }

  private async waitUntilReady(agent: AgentAddress, child: ChildProcess): Promise<void> {
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 30000);
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `the desktop agent exited while starting (code ${child.exitCode ?? child.signalCode})`,
        );
      }
      const health = await this.options.agents.health(agent).catch(() => undefined);
      if (health?.status === 'ready') return;
      await sleep(100);
    }
    throw new Error('the desktop agent did not become ready in time');
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  // The agent stops its X server and kiosk on SIGTERM; one that hangs is killed.
  const timedOut = await Promise.race([exited.then(() => false), sleep(8000).then(() => true)]);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function freeDisplay(): number {
  const start = 100 + Math.floor(Math.random() * 400);
  for (let i = 0; i < 400; i++) {
    const n = 100 + ((start - 100 + i) % 400);
    if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n;
  }
  throw new Error('no free X display number');
}
