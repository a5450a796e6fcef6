import { signRequest } from '@hcw/common';
import { z } from 'zod';

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
export async function typeOnDesktop(agentSecret: string, agentUrl: string, text: string): Promise<void> {
  const path = '/v1/sessions/current/text';
  const body = JSON.stringify({ text });
  let response: Response;
  try {
    response = await fetch(new URL(path, agentUrl), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...signRequest(agentSecret, 'POST', path, body) },
      signal: AbortSignal.timeout(15000),
    });
  } catch {
    throw new DesktopTextError(undefined);
  }
  if (!response.ok) throw new DesktopTextError(response.status);
}
