import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentConfig } from './config.js';

const sessionScripts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../session');

/**
 * One desktop: an X server with a window manager that stays up between users (the warm part), and a
 * kiosk browser started for each user's session and removed, with its profile, when the session ends.
 */
export class Desktop {
  private xvnc: ChildProcess | undefined;
  private windowManager: ChildProcess | undefined;
  private kiosk: ChildProcess | undefined;
  private vncPassword = '';
  private currentUser: string | undefined;

  constructor(private readonly config: AgentConfig) {}

  get profileDir(): string {
    return path.join(this.config.stateDir, 'kiosk-profile');
  }

  get isDisplayRunning(): boolean {
    return isAlive(this.xvnc);
  }

  get isKioskRunning(): boolean {
    return isAlive(this.kiosk);
  }

  get userId(): string | undefined {
    return this.currentUser;
  }

  async startDisplay(): Promise<void> {
    mkdirSync(this.config.stateDir, { recursive: true, mode: 0o700 });
    // VNC authentication uses at most eight characters.
    this.vncPassword = randomBytes(6).toString('base64url').slice(0, 8);
    const passwordFile = path.join(this.config.stateDir, 'vnc-password');
    const obfuscated = execFileSync('vncpasswd', ['-f'], { input: `${this.vncPassword}\n` });
    writeFileSync(passwordFile, obfuscated, { mode: 0o600 });
    this.xvnc = this.spawnScript('start-xvnc.sh', [
      String(this.config.display),
      String(this.config.vncPort),
      passwordFile,
      `${this.config.width}x${this.config.height}`,
    ]);
    await waitForPort(this.config.vncPort, this.xvnc);
    this.windowManager = this.spawnScript('start-window-manager.sh', []);
  }

  async startSession(userId: string, startUrl: string): Promise<{ vncPassword: string }> {
    await this.endSession();
    this.currentUser = userId;
    mkdirSync(this.profileDir, { recursive: true, mode: 0o700 });
    this.kiosk = this.spawnScript('start-kiosk.sh', [
      startUrl,
      this.profileDir,
      String(this.config.width),
      String(this.config.height),
    ]);
    return { vncPassword: this.vncPassword };
  }

  /** Ends the user's session: the kiosk goes, and so does everything it wrote. */
  async endSession(): Promise<void> {
    await stopGroup(this.kiosk);
    this.kiosk = undefined;
    this.currentUser = undefined;
    rmSync(this.profileDir, { recursive: true, force: true });
  }

  async stop(): Promise<void> {
    await this.endSession();
    await stopGroup(this.windowManager);
    await stopGroup(this.xvnc);
  }

  private spawnScript(script: string, args: string[]): ChildProcess {
    const child = spawn(path.join(sessionScripts, script), args, {
      env: {
        PATH: this.config.searchPath,
        DISPLAY: `:${this.config.display}`,
        HOME: this.config.stateDir,
        VNC_LOCALHOST_ONLY: this.config.vncLocalhostOnly ? '1' : '0',
        KIOSK_DEBUG_PORT: this.config.kioskDebugPort ? String(this.config.kioskDebugPort) : '',
        LANG: 'ja_JP.UTF-8',
      },
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8').trim();
      if (text) process.stderr.write(`[${script}] ${text.slice(0, 500)}\n`);
    });
    return child;
  }
}

function isAlive(child: ChildProcess | undefined): boolean {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

async function stopGroup(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || !isAlive(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signal(child.pid, 'SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
  if (timedOut) signal(child.pid, 'SIGKILL');
  signal(child.pid, 'SIGKILL');
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(-pid, name);
  } catch {
    // gone already
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (!isAlive(child)) throw new Error(`Xvnc exited before port ${port} opened`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`Xvnc did not open port ${port}`);
}
