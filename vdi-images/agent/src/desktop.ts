import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentConfig } from './config.js';
import { readKioskPolicyTemplate, renderKioskPolicy } from './kiosk-policy.js';
import { withPrivilege } from './privilege.js';
import { killProcessTree } from './process-tree.js';
import { SerialQueue } from './serial-queue.js';
import { NoKioskWindowError, typeText } from './type-text.js';
import { clearSelection } from './x-selection.js';

const sessionScripts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../session');

/** A request that makes no sense in the desktop's present state (no session to type into). */
export class DesktopStateError extends Error {}

/**
 * A wipe that did not finish: what the previous user left may still be there. The desktop stays out of
 * service (no session starts) until a wipe succeeds.
 */
export class WipeFailedError extends Error {
  constructor(readonly step: WipeStep) {
    super(`the wipe failed while it ${wipeStepText[step]}`);
  }
}

export type WipeStep = 'stopping-the-kiosk' | 'removing-session-files' | 'restarting-the-display';

const wipeStepText: Record<WipeStep, string> = {
  'stopping-the-kiosk': 'stopped the kiosk',
  'removing-session-files': 'removed the session files',
  'restarting-the-display': 'restarted the display',
};

/**
 * One desktop: an X server with a window manager, and a kiosk browser started for each user's session.
 * Ending a session wipes the desktop: the kiosk and every process it started go, with everything they
 * wrote; the X selections are emptied; and the X server itself is restarted with a new VNC password,
 * so nothing of one user can reach the next, not even through a VNC client that kept the old password.
 */
export class Desktop {
  private xvnc: ChildProcess | undefined;
  private windowManager: ChildProcess | undefined;
  private kiosk: ChildProcess | undefined;
  private vncPassword = '';
  private currentUser: string | undefined;
  /** Someone has used the display since it was last (re)started. */
  private isDirty = false;
  private isRestarting = false;
  /** Set when a wipe did not finish; cleared only by a wipe that does. */
  private failedWipe: { step: WipeStep; at: string } | undefined;
  private readonly queue = new SerialQueue();

  constructor(private readonly config: AgentConfig) {}

  /** Everything one session writes: browser profile, home and temporary files. */
  get sessionDir(): string {
    return path.join(this.config.stateDir, 'session');
  }

  private get policyDir(): string {
    return path.join(this.config.stateDir, 'kiosk-policies');
  }

  get isDisplayRunning(): boolean {
    return isAlive(this.xvnc);
  }

  get isStarting(): boolean {
    return this.isRestarting;
  }

  get isKioskRunning(): boolean {
    return isAlive(this.kiosk);
  }

  get userId(): string | undefined {
    return this.currentUser;
  }

  /** The step at which the last wipe failed, while the desktop is out of service because of it. */
  get wipeFailure(): { step: WipeStep; at: string } | undefined {
    return this.failedWipe;
  }

  startDisplay(): Promise<void> {
    return this.queue.run(() => this.restartDisplay());
  }

  startSession(userId: string, startUrl: string): Promise<{ vncPassword: string }> {
    return this.queue.run(async () => {
      if (this.failedWipe) {
        throw new DesktopStateError(
          'the last wipe of this desktop failed; it starts no session until a wipe succeeds',
        );
      }
      if (this.isDirty || !this.isDisplayRunning) await this.wipe();
      // Rendered first: a start URL the policy cannot allow is refused before anything starts.
      const policyEnv = this.preparePolicy(startUrl);
      this.isDirty = true;
      this.currentUser = userId;
      mkdirSync(this.sessionDir, { recursive: true, mode: 0o700 });
      this.kiosk = this.spawnScript(
        'start-kiosk.sh',
        [startUrl, this.sessionDir, String(this.config.width), String(this.config.height)],
        {
          ...policyEnv,
          KIOSK_USER: this.config.kioskUser ?? '',
          KIOSK_DEBUG_PORT: this.config.kioskDebugPort ? String(this.config.kioskDebugPort) : '',
        },
        // Its namespaces, mounts and the switch to the kiosk user are root's work (start-kiosk.sh).
        true,
      );
      return { vncPassword: this.vncPassword };
    });
  }

  /**
   * Ends the user's session and wipes the desktop; nothing happens if no one has used it since. After a
   * failed wipe, this is how the wipe is tried again (an administrator's reset): only success clears it.
   */
  endSession(): Promise<void> {
    return this.queue.run(async () => {
      if (this.isDirty || this.failedWipe) await this.wipe();
    });
  }

  /** Types text into the kiosk's focused field, after any text sent before it. */
  typeText(text: string): Promise<void> {
    return this.queue.run(async () => {
      if (!this.currentUser) throw new DesktopStateError('no session is running on this desktop');
      if (!this.isKioskRunning) throw new DesktopStateError('the kiosk of this session is not running');
      const env = this.xEnvironment;
      const wasRead = await typeText(env, text).catch((error: unknown) => {
        throw error instanceof NoKioskWindowError ? new DesktopStateError(error.message) : error;
      });
      if (!wasRead) throw new DesktopStateError('the kiosk did not take the text (is a text field focused?)');
    });
  }

  stop(): Promise<void> {
    return this.queue.run(async () => {
      await this.stopKiosk();
      await stopProcess(this.windowManager);
      await stopProcess(this.xvnc);
      this.removeSessionFiles();
    });
  }

  /** Last resort when the agent itself exits: nothing of the desktop may outlive it. */
  killNow(): void {
    for (const child of [this.kiosk, this.windowManager, this.xvnc]) {
      if (child?.pid && isAlive(child)) signalGroup(child.pid, 'SIGKILL');
    }
  }

  /**
   * Removes everything of the previous session. Each step that fails makes the whole wipe fail and is
   * remembered: the broker takes the desktop out of service, and this agent starts no session on it.
   * (Emptying the selections is not such a step: the display's restart empties them anyway.)
   */
  private async wipe(): Promise<void> {
    this.isRestarting = true;
    let step: WipeStep = 'stopping-the-kiosk';
    try {
      await this.stopKiosk();
      this.currentUser = undefined;
      if (this.isDisplayRunning) {
        const env = this.xEnvironment;
        for (const selection of ['primary', 'clipboard'] as const) {
          await clearSelection(env, selection).catch((error: unknown) => {
            process.stderr.write(`agent: could not clear the ${selection} selection: ${String(error)}\n`);
          });
        }
      }
      step = 'removing-session-files';
      this.removeSessionFiles();
      step = 'restarting-the-display';
      await this.restartDisplay();
      this.failedWipe = undefined;
    } catch (error) {
      this.failedWipe = { step, at: new Date().toISOString() };
      process.stderr.write(`agent: wipe failed (${step}): ${(error as Error).message}\n`);
      throw new WipeFailedError(step);
    } finally {
      this.isRestarting = false;
    }
  }

  private async restartDisplay(): Promise<void> {
    this.isRestarting = true;
    try {
      await stopProcess(this.windowManager);
      await stopProcess(this.xvnc);
      // Traversable but not listable: the kiosk's user must reach its session folder inside.
      mkdirSync(this.config.stateDir, { recursive: true, mode: 0o711 });
      chmodSync(this.config.stateDir, 0o711);
      // VNC authentication uses at most eight characters; each display start gets new ones.
      this.vncPassword = randomBytes(6).toString('base64url').slice(0, 8);
      const passwordFile = path.join(this.config.stateDir, 'vnc-password');
      const [vncpasswd, vncpasswdArgs] = withPrivilege(this.config.privilege, 'vncpasswd', ['-f']);
      const obfuscated = execFileSync(vncpasswd, vncpasswdArgs, {
        input: `${this.vncPassword}\n`,
        env: { PATH: this.config.searchPath },
      });
      writeFileSync(passwordFile, obfuscated, { mode: 0o600 });
      this.xvnc = this.spawnScript(
        'start-xvnc.sh',
        [
          String(this.config.display),
          String(this.config.vncPort),
          passwordFile,
          `${this.config.width}x${this.config.height}`,
        ],
        this.config.clipboardToViewer ? { VNC_SEND_CLIPBOARD: '1' } : {},
      );
      await waitForPort(this.config.vncPort, this.xvnc);
      this.windowManager = this.spawnScript('start-window-manager.sh', []);
      this.isDirty = false;
    } finally {
      this.isRestarting = false;
    }
  }

  private async stopKiosk(): Promise<void> {
    const kiosk = this.kiosk;
    this.kiosk = undefined;
    if (kiosk?.pid) await killProcessTree(kiosk.pid);
  }

  private removeSessionFiles(): void {
    rmSync(this.sessionDir, { recursive: true, force: true });
    rmSync(this.policyDir, { recursive: true, force: true });
  }

  /**
   * In private mode the policy is rendered for this session, allowing the origin the session starts on
   * (the portal) and the configured URLs, and only the kiosk's own mount namespace sees it.
   */
  private preparePolicy(startUrl: string): Record<string, string> {
    if (this.config.kioskPolicyMode !== 'private') return {};
    const policy = renderKioskPolicy(readKioskPolicyTemplate(), {
      portalUrl: new URL(startUrl).origin,
      allowedUrls: this.config.kioskAllowedUrls,
    });
    // Test runs drive the kiosk through its debugging port; a desktop image never opens one.
    if (this.config.kioskDebugPort) delete policy.RemoteDebuggingAllowed;
    if (this.config.kioskDebugPages) policy.DeveloperToolsAvailability = 1;
    const managed = path.join(this.policyDir, 'managed');
    mkdirSync(managed, { recursive: true, mode: 0o755 });
    writeFileSync(path.join(managed, 'kiosk.json'), JSON.stringify(policy, null, 2), { mode: 0o644 });
    return { KIOSK_POLICY_DIR: this.policyDir };
  }

  /** How X tools reach the display, without the agent's capabilities. */
  private get xEnvironment() {
    return {
      display: this.config.display,
      searchPath: this.config.searchPath,
      privilege: this.config.privilege,
    };
  }

  /** Starts a session script; only the kiosk's (`asRoot`) keeps a privilege, the others get none. */
  private spawnScript(
    script: string,
    args: string[],
    extraEnv: Record<string, string> = {},
    asRoot = false,
  ): ChildProcess {
    const [command, commandArgs] = withPrivilege(
      this.config.privilege,
      path.join(sessionScripts, script),
      args,
      asRoot,
    );
    const child = spawn(command, commandArgs, {
      env: {
        PATH: this.config.searchPath,
        DISPLAY: `:${this.config.display}`,
        HOME: this.config.stateDir,
        VNC_LOCALHOST_ONLY: this.config.vncLocalhostOnly ? '1' : '0',
        LANG: 'ja_JP.UTF-8',
        ...extraEnv,
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

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || !isAlive(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child.pid, 'SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
  signalGroup(child.pid, 'SIGKILL');
  if (timedOut) await exited;
}

function signalGroup(pid: number, name: NodeJS.Signals): void {
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
