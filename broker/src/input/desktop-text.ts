import { z } from 'zod';
import { AgentError, type AgentAddress, type AgentClient } from '../desktops/agent-client.js';

/**
 * Text the practitioner composed with their device's own input method (kana-kanji conversion included),
 * typed into the desktop's focused field by the desktop agent. Keysyms through VNC cannot carry Japanese
 * reliably, so this is how Japanese reaches the desktop. It travels device → desktop only, like keystrokes.
 */
export const DesktopText = z.object({
  text: z
    .string({ required_error: 'text is required' })
    .min(1, '文字を入力してください。 / Enter some text.')
    .max(2000, '一度に送れるのは2000文字までです。 / At most 2000 characters at a time.')
    // eslint-disable-next-line no-control-regex
    .refine((text) => !/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text), {
      message: '制御文字は送れません。 / Control characters cannot be sent.',
    }),
});
export type DesktopText = z.infer<typeof DesktopText>;

export class DesktopTextError extends Error {
  constructor(readonly status: number | undefined) {
    super(status ? `desktop agent answered ${status}` : 'desktop agent unreachable');
  }
}

/** Asks the desktop's agent to type the text into whatever field has the focus. */
export async function typeOnDesktop(agents: AgentClient, desktop: AgentAddress, text: string): Promise<void> {
  try {
    await agents.typeText(desktop, text);
  } catch (error) {
    throw new DesktopTextError(error instanceof AgentError ? error.status : undefined);
  }
}
