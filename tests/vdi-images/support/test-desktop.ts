import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { signRequest } from '@hcw/common';
import {
  freePort,
  startProcess,
  waitForPort,
  type ManagedProcess,
} from '../../../scripts/stack/managed-process.js';
import { repoRoot } from '../../../scripts/stack/workspace-stack.js';
import {
  commandLineOf,
  processesMentioning,
  signalProcessesMentioning,
} from '../../../scripts/stack/process-sweep.js';
import { freeDisplay } from '../../../scripts/stack/x-display.js';
import { kioskPageAt } from '../../support/kiosk-page.js';

/**
 * A desktop agent started directly, the way the local stack starts one, on free ports and a free X
 * display, with its own state folder, and the kiosk's debugging port on loopback (test runs only).
 */
export interface TestDesktop {
  agentUrl: string;
  /** The secret the agent checks every request's signature with (a broker in the test needs it). */
  secret: string;
  vncPort: number;
  display: number;
  debugPort: number;
  stateDir: string;
  /** Where the agent keeps everything one session writes. */
  sessionDir: string;
  call(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Starts a session and returns its VNC password. */
  startSession(userId: string, startUrl: string): Promise<string>;
  endSession(): Promise<void>;
  /** The kiosk over its debugging port, once it shows a page whose address starts with `urlPrefix`. */
  connect(urlPrefix: string): Promise<{ browser: Browser; page: Page }>;
  /** The kiosk browser's main process (not its helpers), if one runs. */
  kioskPid(): number | undefined;
  /** Live processes whose command line names this desktop's session folder. */
  sessionProcesses(): number[];
  /** What an X client reads from a selection of the desktop's display ('' when it is empty). */
  readSelection(selection: 'clipboard' | 'primary'): string;
  /** Presses keys on the desktop's keyboard, as a person at the VNC client would. */
  pressKeys(...keys: string[]): void;
  /** Clicks pointer buttons (1 left, 2 middle, 3 right) at a point of the screen, as a VNC client would. */
  clickAt(x: number, y: number, ...buttons: number[]): void;
  stop(): Promise<void>;
}

export interface TestDesktopOptions {
  /** Let the debugger attach to the kiosk's pages (relaxes "developer tools off" for this one purpose). */
  debugPages?: boolean;
  env?: Record<string, string>;
}

export async function startTestDesktop(options: TestDesktopOptions = {}): Promise<TestDesktop> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hcw-desktop-test-'));
  const stateDir = path.join(root, 'state');
  const sessionDir = path.join(stateDir, 'session');
  const secret = randomBytes(32).toString('base64url');
  const [agentPort, vncPort, debugPort] = [await freePort(), await freePort(), await freePort()];
  const display = freeDisplay(100, 400);
  const agentUrl = `http://127.0.0.1:${agentPort}`;
  const xEnv = { ...process.env, DISPLAY: `:${display}` };
  let agent: ManagedProcess | undefined;

  // Whatever a failed run may have left of this desktop (its X server, a kiosk) goes with it.
  const sweep = (): void => signalProcessesMentioning(root, 'SIGKILL');
  const stop = async (): Promise<void> => {
    await agent?.stop();
    sweep();
    rmSync(root, { recursive: true, force: true });
  };

  const call: TestDesktop['call'] = async (method, urlPath, body) => {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const response = await fetch(`${agentUrl}${urlPath}`, {
      method,
      body: text || undefined,
      headers: { 'content-type': 'application/json', ...signRequest(secret, method, urlPath, text) },
      signal: AbortSignal.timeout(20000),
    });
    const raw = await response.text();
    return { status: response.status, body: raw ? (JSON.parse(raw) as unknown) : undefined };
  };

  try {
    agent = startProcess(
      'desktop-agent',
      process.execPath,
      ['--import', 'tsx', 'vdi-images/agent/src/main.ts'],
      {
        cwd: repoRoot,
        logFile: path.join(root, 'agent.log'),
        env: {
          AGENT_PORT: String(agentPort),
          AGENT_SECRET: secret,
          DESKTOP_ID: `test-desktop-${display}`,
          DESKTOP_DISPLAY: String(display),
          DESKTOP_VNC_PORT: String(vncPort),
          DESKTOP_STATE_DIR: stateDir,
          IMAGE_INFO_DIR: path.join(root, 'no-image'),
          KIOSK_DEBUG_PORT: String(debugPort),
          KIOSK_DEBUG_PAGES: options.debugPages ? '1' : '0',
          ...options.env,
        },
      },
    );
    await waitForPort(agentPort, { process: agent, timeoutMs: 30000 });
  } catch (error) {
    const log = existsSync(path.join(root, 'agent.log'))
      ? readFileSync(path.join(root, 'agent.log'), 'utf8')
      : '';
    await stop();
    throw new Error(`${(error as Error).message}\n${log.slice(-2000)}`);
  }

  return {
    agentUrl,
    secret,
    vncPort,
    display,
    debugPort,
    stateDir,
    sessionDir,
    call,
    async startSession(userId, startUrl) {
      const { status, body } = await call('POST', '/v1/sessions', { userId, startUrl });
      if (status !== 201) throw new Error(`starting a session answered ${status}: ${JSON.stringify(body)}`);
      return (body as { vncPassword: string }).vncPassword;
    },
    async endSession() {
      const { status } = await call('DELETE', '/v1/sessions/current');
      if (status !== 204) throw new Error(`ending the session answered ${status}`);
    },
    async connect(urlPrefix) {
      const kiosk = await kioskPageAt(debugPort, urlPrefix);
      await kiosk.page.waitForLoadState('load');
      return kiosk;
    },
    kioskPid() {
      return processesMentioning(`--user-data-dir=${sessionDir}/profile`).find(
        (pid) => !commandLineOf(pid).includes('--type='),
      );
    },
    sessionProcesses: () => processesMentioning(sessionDir),
    readSelection(selection) {
      try {
        return execFileSync('xclip', ['-o', '-selection', selection], {
          env: xEnv,
          stdio: ['ignore', 'pipe', 'ignore'],
          timeout: 5000,
        }).toString('utf8');
      } catch {
        // xclip fails when no one owns the selection: it is empty.
        return '';
      }
    },
    pressKeys(...keys) {
      for (const key of keys) execFileSync('xdotool', ['key', key], { env: xEnv, timeout: 5000 });
    },
    clickAt(x, y, ...buttons) {
      execFileSync('xdotool', ['mousemove', String(Math.round(x)), String(Math.round(y))], {
        env: xEnv,
        timeout: 5000,
      });
      for (const button of buttons)
        execFileSync('xdotool', ['click', String(button)], { env: xEnv, timeout: 5000 });
    },
    stop,
  };
}
