import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DesktopScreen } from '@hcw/common';
import type { AgentConfig } from './config.js';
import { readKioskPolicyTemplate, renderKioskPolicy } from './kiosk-policy.js';
import { withPrivilege } from './privilege.js';
import { killProcessTree } from './process-tree.js';
import { SerialQueue } from './serial-queue.js';
import { NoKioskWindowError, typeText } from './type-text.js';
import { clearSelection, type XEnvironment } from './x-selection.js';
import { keepOnlySafeButtons, setScreenSize, xftDpi } from './x-screen.js';
import { kioskWindows } from './x-windows.js';
import { Watermark } from './watermark.js';

const sessionScripts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../session');

/** How long the watermark may take to show itself at a session's start, and to answer a command after. */
const WATERMARK_START_MS = 20000;
const WATERMARK_ANSWER_MS = 10000;
/** How long a session's start waits for the kiosk's window, so the watermark can be put above it. */
const KIOSK_WINDOW_WAIT_MS = 5000;

interface SpawnOptions {
  env?: Record<string, string>;
  /** Run as this user and group rather than the agent's. */
  identity?: { uid: number; gid: number };
  /** Standard input and output piped, for a program the agent drives (the watermark). */
  isDriven?: boolean;
  /** The kiosk's launcher: its namespaces, mounts and switch to the kiosk user are root's work. */
  asRoot?: boolean;
}

/** A request that makes no sense in the desktop's present state (no session to type into). */
export class DesktopStateError extends Error {}

export interface SessionOptions {
  /** Shown with the user's ID in the watermark. */
  organisation?: string;
  /** The device's screen: the kiosk starts at this size and scale. */
  screen?: DesktopScreen;
}

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
  /** Serves the kiosk's scale (Xft/DPI) over XSETTINGS, which Chromium follows while it runs. */
  private xsettings: ChildProcess | undefined;
  private watermark: Watermark | undefined;
  private watermarkFor: { userId: string; organisation: string } | undefined;
  private vncPassword = '';
  private currentUser: string | undefined;
  private currentScreen: DesktopScreen;
  /** Someone has used the display since it was last (re)started. */
  private isDirty = false;
  private isRestarting = false;
  /** Set when a wipe did not finish; cleared only by a wipe that does. */
  private failedWipe: { step: WipeStep; at: string } | undefined;
  private readonly queue = new SerialQueue();

  constructor(private readonly config: AgentConfig) {
    this.currentScreen = this.defaultScreen;
  }

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

  /** The screen the desktop has now. */
  get screen(): DesktopScreen {
    return this.currentScreen;
  }

  private get defaultScreen(): DesktopScreen {
    return { width: this.config.width, height: this.config.height, scale: 1 };
  }

  /** How X tools reach the display, without the agent's capabilities. */
  private get xEnv(): XEnvironment {
    return {
      display: this.config.display,
      searchPath: this.config.searchPath,
      privilege: this.config.privilege,
    };
  }

  private get xsettingsFile(): string {
    return path.join(this.config.stateDir, 'xsettings.conf');
  }

  startDisplay(): Promise<void> {
    return this.queue.run(() => this.restartDisplay());
  }

  startSession(
    userId: string,
    startUrl: string,
    options: SessionOptions = {},
  ): Promise<{ vncPassword: string }> {
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
      // The kiosk starts at the device's size and scale, so its first page is laid out once, as shown.
      if (options.screen) await this.applyScreen(options.screen);
      // The watermark is on the screen before anything of the session is, and a session without it does
      // not start: every frame the device receives must carry it.
      this.watermarkFor = { userId, organisation: options.organisation ?? '' };
      await this.startWatermark();
      mkdirSync(this.sessionDir, { recursive: true, mode: 0o700 });
      this.kiosk = this.spawnScript(
        'start-kiosk.sh',
        [startUrl, this.sessionDir, String(this.currentScreen.width), String(this.currentScreen.height)],
        {
          env: {
            ...policyEnv,
            KIOSK_USER: this.config.kioskUser ?? '',
            KIOSK_DEBUG_PORT: this.config.kioskDebugPort ? String(this.config.kioskDebugPort) : '',
          },
          // Its namespaces, mounts and the switch to the kiosk user are root's work (start-kiosk.sh).
          asRoot: true,
        },
      );
      // The kiosk's window is mapped above everything; the watermark takes the top back before the device
      // is given the desktop.
      if ((await kioskWindows(this.xEnv, KIOSK_WINDOW_WAIT_MS)).length === 0) {
        process.stderr.write('agent: the kiosk has not shown a window yet\n');
      }
      await this.watermark?.raise(WATERMARK_ANSWER_MS).catch(() => this.restartWatermark());
      return { vncPassword: this.vncPassword };
    });
  }

  /** The running session's screen takes the device's size and scale; the kiosk keeps its page. */
  setScreen(screen: DesktopScreen): Promise<DesktopScreen> {
    return this.queue.run(async () => {
      if (!this.currentUser) throw new DesktopStateError('no session is running on this desktop');
      await this.applyScreen(screen);
      await this.watermark
        ?.setScreen(this.currentScreen, WATERMARK_ANSWER_MS)
        .catch(() => this.restartWatermark());
      return this.currentScreen;
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
  /**
   * Resolves once the kiosk has read the text. The queue stays held until the clipboard is empty again, so
   * the next text, a wipe or a session start waits for that.
   */
  typeText(text: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue
        .run(async () => {
          if (!this.currentUser) throw new DesktopStateError('no session is running on this desktop');
          if (!this.isKioskRunning) throw new DesktopStateError('the kiosk of this session is not running');
          const wasRead = await typeText(this.xEnv, text, { onRead: resolve }).catch((error: unknown) => {
            throw error instanceof NoKioskWindowError ? new DesktopStateError(error.message) : error;
          });
          if (!wasRead) {
            throw new DesktopStateError('the kiosk did not take the text (is a text field focused?)');
          }
        })
        .catch(reject);
    });
  }

  stop(): Promise<void> {
    return this.queue.run(async () => {
      await this.stopWatermark();
      await this.stopKiosk();
      await stopProcess(this.xsettings);
      await stopProcess(this.windowManager);
      await stopProcess(this.xvnc);
      this.removeSessionFiles();
    });
  }

  /** Last resort when the agent itself exits: nothing of the desktop may outlive it. */
  killNow(): void {
    for (const child of [this.watermark?.child, this.kiosk, this.xsettings, this.windowManager, this.xvnc]) {
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
      await this.stopWatermark();
      await this.stopKiosk();
      this.currentUser = undefined;
      if (this.isDisplayRunning) {
        for (const selection of ['primary', 'clipboard'] as const) {
          await clearSelection(this.xEnv, selection).catch((error: unknown) => {
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
      await stopProcess(this.xsettings);
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
        { env: this.config.clipboardToViewer ? { VNC_SEND_CLIPBOARD: '1' } : {} },
      );
      await waitForPort(this.config.vncPort, this.xvnc);
      this.currentScreen = this.defaultScreen;
      await keepOnlySafeButtons(this.xEnv);
      writeFileSync(this.xsettingsFile, `Xft/DPI ${xftDpi(1)}\n`, { mode: 0o644 });
      this.xsettings = this.spawnProgram('xsettingsd', ['-c', this.xsettingsFile]);
      this.windowManager = this.spawnScript('start-window-manager.sh', []);
      this.isDirty = false;
    } finally {
      this.isRestarting = false;
    }
  }

  private async applyScreen(screen: DesktopScreen): Promise<void> {
    if (screen.scale !== this.currentScreen.scale) {
      writeFileSync(this.xsettingsFile, `Xft/DPI ${xftDpi(screen.scale)}\n`, { mode: 0o644 });
      // xsettingsd reads its file again on SIGHUP and tells every X client; Chromium re-lays its page out.
      if (this.xsettings?.pid && isAlive(this.xsettings)) process.kill(this.xsettings.pid, 'SIGHUP');
    }
    await setScreenSize(this.xEnv, screen.width, screen.height);
    this.currentScreen = { ...screen };
  }

  /**
   * The watermark is an X client of the session (session/watermark.py), so it is in every frame the
   * desktop sends. It runs as `nobody` when the agent is root: not the kiosk's user, so the kiosk cannot
   * end it. Should it exit while the session lasts, it is started again.
   */
  private async startWatermark(): Promise<void> {
    const owner = this.watermarkFor;
    if (!owner) return;
    const { width, height, scale } = this.currentScreen;
    const child = this.spawnScript(
      'watermark.py',
      ['--size', `${width}x${height}`, '--scale', String(scale), owner.userId, owner.organisation],
      {
        env: { LANG: 'C.UTF-8', HOME: '/nonexistent', NO_AT_BRIDGE: '1', GDK_BACKEND: 'x11' },
        identity: this.watermarkUser,
        isDriven: true,
      },
    );
    const watermark = new Watermark(child);
    this.watermark = watermark;
    child.once('exit', () => {
      if (this.watermark !== watermark || this.watermarkFor !== owner) return;
      process.stderr.write('agent: the watermark exited during a session; starting it again\n');
      setTimeout(() => {
        if (this.watermark === watermark && this.watermarkFor === owner)
          void this.queue.run(() => this.restartWatermark());
      }, 1000).unref();
    });
    await watermark.shown(WATERMARK_START_MS);
  }

  private async restartWatermark(): Promise<void> {
    const owner = this.watermarkFor;
    await this.stopWatermark();
    this.watermarkFor = owner;
    await this.startWatermark().catch((error: Error) =>
      process.stderr.write(`agent: the watermark could not be started again: ${error.message}\n`),
    );
  }

  private async stopWatermark(): Promise<void> {
    const watermark = this.watermark;
    this.watermark = undefined;
    this.watermarkFor = undefined;
    await stopProcess(watermark?.child);
  }

  /** The unprivileged identity the watermark runs as when the agent is root. */
  private get watermarkUser(): { uid: number; gid: number } | undefined {
    if (process.getuid?.() !== 0) return undefined;
    try {
      const id = (flag: string): number =>
        Number(
          execFileSync('id', [flag, 'nobody'], { env: { PATH: this.config.searchPath } })
            .toString()
            .trim(),
        );
      return { uid: id('-u'), gid: id('-g') };
    } catch {
      return undefined;
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

  private spawnScript(script: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    return this.spawnProgram(path.join(sessionScripts, script), args, options);
  }

  /** Starts a program of the session; only the kiosk's launcher (`asRoot`) keeps a privilege, the others none. */
  private spawnProgram(
    program: string,
    args: string[],
    { env: extraEnv = {}, identity, isDriven = false, asRoot = false }: SpawnOptions = {},
  ): ChildProcess {
    const name = path.basename(program);
    const [command, commandArgs] = withPrivilege(this.config.privilege, program, args, asRoot);
    const child = spawn(command, commandArgs, {
      ...identity,
      env: {
        PATH: this.config.searchPath,
        DISPLAY: `:${this.config.display}`,
        HOME: this.config.stateDir,
        VNC_LOCALHOST_ONLY: this.config.vncLocalhostOnly ? '1' : '0',
        LANG: 'ja_JP.UTF-8',
        ...extraEnv,
      },
      detached: true,
      stdio: [isDriven ? 'pipe' : 'ignore', isDriven ? 'pipe' : 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8').trim();
      if (text) process.stderr.write(`[${name}] ${text.slice(0, 500)}\n`);
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
