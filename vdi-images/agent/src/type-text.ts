import { runXCommand as run } from './x-command.js';
import { holdSelection, type XEnvironment } from './x-selection.js';
import { kioskWindows } from './x-windows.js';

export class NoKioskWindowError extends Error {
  constructor() {
    super('the kiosk has no window to type into');
  }
}

/**
 * How long the text stays on the clipboard after the kiosk has read it. Chromium reads the clipboard when
 * the paste starts, and inserts the text only after the page's paste and beforeinput handlers have run
 * (100 ms and more on a busy desktop), provided the clipboard has kept its owner in between: letting the
 * selection go any sooner makes that paste insert nothing.
 */
export const HOLD_AFTER_READ_MS = 1500;

export interface TypeTextOptions {
  holdAfterReadMs?: number;
  /** Called as soon as the kiosk has read the text, before the hold: the caller may answer then. */
  onRead?: () => void;
}

/**
 * Types text into the focused field of the kiosk. Xvnc drops characters when it is sent keysyms outside
 * its keymap (all of kana and kanji), so the text goes in the way a person pastes: it is put on the
 * CLIPBOARD, ctrl+v is pressed, and the clipboard is emptied again once the kiosk has inserted it, so
 * the text stays nowhere but in the field. Returns whether the kiosk read the clipboard.
 */
export async function typeText(
  env: XEnvironment,
  text: string,
  { holdAfterReadMs = HOLD_AFTER_READ_MS, onRead }: TypeTextOptions = {},
): Promise<boolean> {
  await focusKiosk(env);
  const held = await holdSelection(env, 'clipboard', text);
  try {
    await run(env, 'xdotool', ['key', '--clearmodifiers', 'ctrl+v']);
    // Chromium asks for the list of formats, then for the text; a kiosk busy with a page (or a desktop host
    // under load) may take seconds to, and pasting again could enter the text twice, so it is waited for.
    const wasRead = await held.waitForRequests(2, 10_000);
    if (!wasRead) {
      process.stderr.write(`agent: the kiosk read the clipboard ${held.requestsServed} times\n`);
      return false;
    }
    onRead?.();
    await new Promise((resolve) => setTimeout(resolve, holdAfterReadMs));
    return true;
  } finally {
    await held.release();
  }
}

/** The key press goes to whichever window has the keyboard; make sure it is the kiosk's. */
async function focusKiosk(env: XEnvironment): Promise<void> {
  // A kiosk that has only just started may not have mapped its window yet.
  const windows = await kioskWindows(env, 5000);
  if (windows.length === 0) throw new NoKioskWindowError();
  const focused = (await run(env, 'xdotool', ['getwindowfocus']).catch(() => '')).trim();
  if (!windows.includes(focused)) await run(env, 'xdotool', ['windowactivate', '--sync', windows.at(-1)!]);
}
