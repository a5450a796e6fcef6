import { spawn } from 'node:child_process';
import { withPrivilege } from './privilege.js';
import { holdSelection, type XEnvironment } from './x-selection.js';

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
    // Chromium asks for the list of formats, then for the text.
    const wasRead = await held.waitForRequests(2, 5000);
    if (!wasRead) process.stderr.write(`agent: the kiosk read the clipboard ${held.requestsServed} times\n`);
    return wasRead;
  } finally {
    await held.release();
  }
}

/** The key press goes to whichever window has the keyboard; make sure it is the kiosk's. */
async function focusKiosk(env: XEnvironment): Promise<void> {
  // A kiosk that has only just started may not have mapped its window yet.
  const deadline = Date.now() + 5000;
  let windows: string[] = [];
  while (windows.length === 0) {
    windows = (await run(env, 'xdotool', ['search', '--onlyvisible', '--class', 'chromium']).catch(() => ''))
      .split('\n')
      .filter(Boolean);
    if (windows.length > 0) break;
    if (Date.now() > deadline) throw new NoKioskWindowError();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const focused = (await run(env, 'xdotool', ['getwindowfocus']).catch(() => '')).trim();
  if (!windows.includes(focused)) await run(env, 'xdotool', ['windowactivate', '--sync', windows.at(-1)!]);
}

function run(env: XEnvironment, command: string, args: string[]): Promise<string> {
  const [program, programArgs] = withPrivilege(env.privilege ?? 'none', command, args);
  return new Promise((resolve, reject) => {
    const child = spawn(program, programArgs, {
      env: { PATH: env.searchPath, DISPLAY: `:${env.display}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${command} failed (${code}): ${stderr.trim().slice(0, 300)}`)),
    );
  });
}
