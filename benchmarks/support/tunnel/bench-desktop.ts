import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  delay,
  freePort,
  startProcess,
  waitForPort,
  type ManagedProcess,
} from '#scripts/stack/managed-process.js';

/** `busy`: an animated drawing; `photo`: a photograph-like picture panning (see page/page.js). */
export type DesktopMode = 'idle' | 'busy' | 'photo';

/** A real desktop as the product runs one (Xvnc, openbox, kiosk Chromium), showing the benchmark's page. */
export interface BenchDesktop {
  vncPort: number;
  vncPassword: string;
  width: number;
  height: number;
  setMode(mode: DesktopMode): void;
  stop(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const sessionScripts = path.resolve(here, '../../../vdi-images/session');
const pageDir = path.join(here, 'page');
const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/page.js': { file: 'page.js', type: 'text/javascript; charset=utf-8' },
  '/page.css': { file: 'page.css', type: 'text/css; charset=utf-8' },
};

function freeDisplay(): number {
  for (let n = 140 + Math.floor(Math.random() * 40), tries = 0; tries < 100; n++, tries++) {
    if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n;
  }
  throw new Error('no free X display number');
}

/**
 * Starts the desktop with the session scripts the desktop image uses, on a page served from here. The page
 * polls its mode, so switching between idle and busy needs no input through the connection being measured.
 */
export async function startBenchDesktop(
  dataDir: string,
  width = 1280,
  height = 800,
  options: {
    /** The kiosk's scale (Xft/DPI over XSETTINGS, as the desktop agent serves it to a phone): 1 by default. */
    scale?: number;
    /** Appended to the page's address, e.g. `?long=1` for a long page to scroll. */
    query?: string;
  } = {},
): Promise<BenchDesktop> {
  const processes: ManagedProcess[] = [];
  let mode: DesktopMode = 'idle';
  let resolveLoaded!: () => void;
  const loaded = new Promise<void>((resolve) => (resolveLoaded = resolve));
  const pages = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://page');
    if (url.pathname === '/mode') {
      resolveLoaded();
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(mode);
      return;
    }
    const page = PAGE_FILES[url.pathname];
    if (!page) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': page.type }).end(readFileSync(path.join(pageDir, page.file)));
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  const pageUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}/`;

  const stop = async (): Promise<void> => {
    for (const proc of [...processes].reverse()) await proc.stop();
    pages.closeAllConnections();
    await new Promise<void>((resolve) => pages.close(() => resolve()));
  };
  try {
    const dir = path.join(dataDir, 'desktop');
    mkdirSync(path.join(dir, 'kiosk'), { recursive: true, mode: 0o700 });
    const display = freeDisplay();
    const vncPort = await freePort();
    // VNC authentication reads at most eight characters.
    const vncPassword = randomBytes(6).toString('base64url').slice(0, 8);
    const passwordFile = path.join(dir, 'vnc-password');
    writeFileSync(passwordFile, execFileSync('vncpasswd', ['-f'], { input: `${vncPassword}\n` }), {
      mode: 0o600,
    });
    const env = { DISPLAY: `:${display}`, HOME: dir, LANG: 'ja_JP.UTF-8' };
    const logFile = path.join(dir, 'desktop.log');
    const xvnc = startProcess(
      'xvnc',
      path.join(sessionScripts, 'start-xvnc.sh'),
      [String(display), String(vncPort), passwordFile, `${width}x${height}`],
      { env, logFile },
    );
    processes.push(xvnc);
    await waitForPort(vncPort, { process: xvnc });
    if (options.scale !== undefined && options.scale !== 1) {
      // As the desktop agent does (vdi-images/agent/src/desktop.ts): Xft/DPI in 1024ths, 96 dpi being 1.
      const xsettingsFile = path.join(dir, 'xsettings');
      writeFileSync(xsettingsFile, `Xft/DPI ${Math.round(96 * options.scale * 1024)}\n`);
      processes.push(startProcess('xsettingsd', 'xsettingsd', ['-c', xsettingsFile], { env, logFile }));
    }
    processes.push(
      startProcess('openbox', path.join(sessionScripts, 'start-window-manager.sh'), [], { env, logFile }),
    );
    const kiosk = startProcess(
      'kiosk',
      path.join(sessionScripts, 'start-kiosk.sh'),
      [`${pageUrl}${options.query ?? ''}`, path.join(dir, 'kiosk'), String(width), String(height)],
      { env, logFile },
    );
    processes.push(kiosk);
    await Promise.race([
      loaded,
      kiosk.exited.then((code) => Promise.reject(new Error(`the kiosk exited (code ${code})`))),
      delay(60000).then(() => Promise.reject(new Error('the kiosk did not load the page within 60 s'))),
    ]);
    // The first poll comes as the script starts; give the first paint time to settle.
    await delay(1500);
    return {
      vncPort,
      vncPassword,
      width,
      height,
      setMode(next) {
        mode = next;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
