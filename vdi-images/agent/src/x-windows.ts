import { runXCommand } from './x-command.js';
import type { XEnvironment } from './x-selection.js';

/**
 * The kiosk's visible windows, waiting up to `timeoutMs` for a kiosk that has only just started to map
 * one; empty if none appeared.
 */
export async function kioskWindows(env: XEnvironment, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const windows = (
      await runXCommand(env, 'xdotool', ['search', '--onlyvisible', '--class', 'chromium']).catch(() => '')
    )
      .split('\n')
      .filter(Boolean);
    if (windows.length > 0 || Date.now() > deadline) return windows;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
