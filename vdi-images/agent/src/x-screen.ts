import { runXCommand as run } from './x-command.js';
import type { XEnvironment } from './x-selection.js';

/** Modes the agent adds to the X server carry this prefix, so it removes only its own. */
const MODE_PREFIX = 'hcw-';

/**
 * Changes the running X server's screen to `width`×`height` pixels through RandR, the way TigerVNC's Xvnc
 * supports at run time: a mode of exactly that size is added to its output and selected, and the frame
 * buffer follows. Xvnc tells its VNC clients (guacd) the new size; the window manager fits the kiosk's
 * fullscreen window to it, and the kiosk lays its page out again without reloading it.
 */
export async function setScreenSize(env: XEnvironment, width: number, height: number): Promise<void> {
  const state = parseRandr(await run(env, 'xrandr', ['--query']));
  if (!state.output) throw new Error('the X server has no RandR output');
  if (state.width === width && state.height === height) return;
  const name = `${MODE_PREFIX}${width}x${height}`;
  if (!state.modes.includes(name)) {
    // Xvnc ignores the timings; they only have to describe a mode of this size.
    const w = String(width);
    const h = String(height);
    await run(env, 'xrandr', ['--newmode', name, '60', w, w, w, w, h, h, h, h]);
    await run(env, 'xrandr', ['--addmode', state.output, name]);
  }
  await run(env, 'xrandr', ['--fb', `${width}x${height}`, '--output', state.output, '--mode', name]);
  // Earlier sizes of this session: removed, so the mode list does not grow with every rotation.
  for (const old of state.modes.filter((mode) => mode.startsWith(MODE_PREFIX) && mode !== name)) {
    await run(env, 'xrandr', ['--delmode', state.output, old]).catch(() => undefined);
    await run(env, 'xrandr', ['--rmmode', old]).catch(() => undefined);
  }
}

/** The screen's present size, from RandR. */
export async function screenSize(env: XEnvironment): Promise<{ width: number; height: number }> {
  const state = parseRandr(await run(env, 'xrandr', ['--query']));
  return { width: state.width, height: state.height };
}

export interface RandrState {
  width: number;
  height: number;
  output: string | undefined;
  modes: string[];
}

/** Reads `xrandr --query`: the screen's current size, its first output and the modes that output has. */
export function parseRandr(text: string): RandrState {
  const current = /current (\d+) x (\d+)/.exec(text);
  let output: string | undefined;
  const modes: string[] = [];
  for (const line of text.split('\n')) {
    const outputLine = /^(\S+) (connected|disconnected)/.exec(line);
    if (outputLine) {
      if (output) break;
      output = outputLine[1];
      continue;
    }
    const modeLine = /^\s+(\S+)\s/.exec(line);
    if (output && modeLine) modes.push(modeLine[1]!);
  }
  return { width: Number(current?.[1] ?? 0), height: Number(current?.[2] ?? 0), output, modes };
}

/**
 * Pointer buttons the desktop keeps: the left button, and the wheel (4 and 5 vertical, 6 and 7
 * horizontal). The right and middle buttons open context menus and links in new tabs, and 8 and 9 go back
 * and forward in the kiosk's history, losing a half-filled form; those are switched off in the X server
 * itself, so nothing a device sends can press them.
 */
const KEPT_BUTTONS = new Set([1, 4, 5, 6, 7]);

export async function keepOnlySafeButtons(env: XEnvironment): Promise<void> {
  const listing = await run(env, 'xmodmap', ['-pp']);
  const count = Number(/There are (\d+) pointer buttons/.exec(listing)?.[1] ?? 0);
  if (count === 0) throw new Error('the X server reports no pointer buttons');
  const map = Array.from({ length: count }, (_, i) => (KEPT_BUTTONS.has(i + 1) ? String(i + 1) : '0'));
  await run(env, 'xmodmap', ['-e', `pointer = ${map.join(' ')}`]);
}

/** The XSETTINGS value for a scale: Xft/DPI in 1024ths of a dot per inch, 96 dpi being a scale of 1. */
export function xftDpi(scale: number): number {
  return Math.round(96 * scale * 1024);
}
