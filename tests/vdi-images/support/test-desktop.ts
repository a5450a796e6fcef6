import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { desktopIdentity } from '@hcw/common';
import { freePort, startProcess, waitForPort, type ManagedProcess } from '#scripts/stack/managed-process.js';
import { repoRoot } from '#scripts/stack/workspace-stack.js';
import {
  commandLineOf,
  processesMentioning,
  signalProcessesMentioning,
} from '#scripts/stack/process-sweep.js';
import { freeDisplay } from '#scripts/stack/x-display.js';
import { kioskPageAt } from '#test-support/kiosk-page.js';
import { testInternalCa } from '#test-support/test-internal-ca.js';

/**
 * One request to an agent as the broker makes it: mutual TLS with the broker's certificate (or another
 * party's, to show it is refused), the agent's certificate checked against the tests' internal CA.
 */
export function callAgent(
  agentUrl: string,
  method: string,
  urlPath: string,
  body?: unknown,
  /** The client's certificate; null for none. */
  client: { cert: string; key: string } | null = testInternalCa().brokerTls,
  /** The CA the agent's certificate must come from. */
  ca: string = testInternalCa().ca.pem,
): Promise<{ status: number; body: unknown }> {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(urlPath, agentUrl),
      {
        method,
        ca,
        ...(client ?? {}),
        agent: false,
        headers: { 'content-type': 'application/json' },
        signal: AbortSignal.timeout(20000),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: raw ? (JSON.parse(raw) as unknown) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(text || undefined);
  });
}

/**
 * A desktop agent started directly, the way the local stack starts one, on free ports and a free X
 * display, with its own state folder, and the kiosk's debugging port on loopback (test runs only).
 */
export interface TestDesktop {
  /** The desktop's id: its agent's certificate (from the tests' internal CA) names it. */
  id: string;
  agentUrl: string;
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
  /** The desktop's id (its certificate names it); by default one made from its display number. */
  id?: string;
  /** Let the debugger attach to the kiosk's pages (relaxes "developer tools off" for this one purpose). */
  debugPages?: boolean;
  env?: Record<string, string>;
}

export async function startTestDesktop(options: TestDesktopOptions = {}): Promise<TestDesktop> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hcw-desktop-test-'));
  const stateDir = path.join(root, 'state');
  const sessionDir = path.join(stateDir, 'session');
  const [agentPort, vncPort, debugPort] = [await freePort(), await freePort(), await freePort()];
  const display = freeDisplay(100, 400);
  const id = options.id ?? `test-desktop-${display}`;
  const agentUrl = `https://127.0.0.1:${agentPort}`;
  const tls = testInternalCa();
  const certificate = tls.ca.issue(
    id,
    { commonName: id, usage: 'server', ips: ['127.0.0.1'], uris: [desktopIdentity(id)] },
    path.join(root, 'tls'),
  );
  const xEnv = { ...process.env, DISPLAY: `:${display}` };
  let agent: ManagedProcess | undefined;

  // Whatever a failed run may have left of this desktop (its X server, a kiosk) goes with it.
  const sweep = (): void => signalProcessesMentioning(root, 'SIGKILL');
  const stop = async (): Promise<void> => {
    await agent?.stop();
    sweep();
    rmSync(root, { recursive: true, force: true });
  };

  const call: TestDesktop['call'] = (method, urlPath, body) => callAgent(agentUrl, method, urlPath, body);

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
          AGENT_TLS_CERT_FILE: certificate.certFile,
          AGENT_TLS_KEY_FILE: certificate.keyFile,
          AGENT_TLS_CA_FILE: tls.ca.certFile,
          DESKTOP_ID: id,
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
    id,
    agentUrl,
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
