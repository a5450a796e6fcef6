import { z } from 'zod';

/** The desktop agent's HTTP API, called by the broker with signed requests. */

export const StartSessionRequest = z.object({
  userId: z.string().min(1).max(200),
  /** The kiosk's first page: the portal's one-time hand-off URL. */
  startUrl: z.string().url().max(2000),
});
export type StartSessionRequest = z.infer<typeof StartSessionRequest>;

export const StartSessionResponse = z.object({
  vncPassword: z.string().min(6).max(8),
});
export type StartSessionResponse = z.infer<typeof StartSessionResponse>;

/** What the image build recorded in `/etc/hcw-image/`: its version and the versions of its key packages. */
export const ImageInfo = z.object({
  version: z.string(),
  packages: z.array(z.object({ name: z.string(), version: z.string() })),
});
export type ImageInfo = z.infer<typeof ImageInfo>;

export const AgentHealth = z.object({
  desktopId: z.string(),
  /**
   * `wipe-failed`: the last wipe did not finish, so something of the previous session may remain; the agent
   * starts no session until a wipe succeeds (a DELETE of the current session tries again).
   */
  status: z.enum(['ready', 'in-session', 'starting', 'unhealthy', 'wipe-failed']),
  imageVersion: z.string(),
  display: z.object({ vncPort: z.number().int(), running: z.boolean() }),
  kioskRunning: z.boolean(),
  /** The image's build record; absent on a developer machine, where no image was built. */
  image: ImageInfo.optional(),
});
export type AgentHealth = z.infer<typeof AgentHealth>;

export const TEXT_INPUT_MAX_CHARACTERS = 2000;

/**
 * Text composed by the device's own input method (for Japanese: kana-kanji conversion on the phone),
 * typed into the focused field of the kiosk. Counted in characters (code points), not UTF-16 units.
 * Control characters other than the newline are refused, as are lone surrogates, which no keyboard makes.
 */
export const TypeTextRequest = z.object({
  text: z.string().superRefine((text, ctx) => {
    const length = [...text].length;
    if (length < 1 || length > TEXT_INPUT_MAX_CHARACTERS) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `text must be 1 to ${TEXT_INPUT_MAX_CHARACTERS} characters long (it is ${length})`,
      });
    }
    const forbidden = /[\p{Cc}\p{Cs}]/u.exec(text.replaceAll('\n', ''));
    if (forbidden) {
      const code = forbidden[0].codePointAt(0) ?? 0;
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `text must not contain control characters other than newline (found U+${code.toString(16).toUpperCase().padStart(4, '0')})`,
      });
    }
  }),
});
export type TypeTextRequest = z.infer<typeof TypeTextRequest>;

/** Signed `POST` with a `TypeTextRequest`: 204 when typed, 400 for a bad body, 409 when no session runs. */
export const TYPE_TEXT_PATH = '/v1/sessions/current/text';
