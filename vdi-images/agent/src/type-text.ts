import { runXCommand as run } from './x-command.js';
import { holdSelection, type XEnvironment } from './x-selection.js';
import { kioskWindows } from './x-windows.js';

export class NoKioskWindowError extends Error {
  constructor() {
    super('the kiosk has no window to type into');
  }
}

/**
 * Types text into the focused field of the kiosk. Xvnc drops characters when it is sent keysyms outside
 * its keymap (all of kana and kanji), so the text goes in the way a person pastes: it is put on the
 * CLIPBOARD, ctrl+v is pressed, and the clipboard is emptied again as soon as the kiosk has read it, so
 * the text stays nowhere but in the field. Returns whether the kiosk read the clipboard.
 */
export async function typeText(env: XEnvironment, text: string): Promise<boolean> {
  await focusKiosk(env);
  const held = await holdSelection(env, 'clipboard', text);
  try {
    await run(env, 'xdotool', ['key', '--clearmodifiers', 'ctrl+v']);
    // Chromium asks for the list of formats, then for the text; a kiosk busy with a page (or a desktop host
    // under load) may take seconds to, and pasting again could enter the text twice, so it is waited for.
    const wasRead = await held.waitForRequests(2, 10_000);
    if (!wasRead) process.stderr.write(`agent: the kiosk read the clipboard ${held.requestsServed} times\n`);
    return wasRead;
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
