import { z } from 'zod';

/** The desktop agent's HTTP API, called by the broker with signed requests. */

/**
 * Bounds of a desktop's screen. A phone held upright at twice its CSS pixels is about 780×1690; the area
 * bound keeps one desktop's frame buffer and its encoding cost near a 2560×1600 screen's.
 */
export const DESKTOP_SCREEN_LIMITS = {
  minSide: 240,
  maxSide: 4096,
  maxPixels: 2560 * 1600,
  minScale: 1,
  maxScale: 2,
} as const;

/**
 * The desktop's screen: its size in pixels, and the scale the kiosk renders at (pixels per CSS pixel), so a
 * page lays out at `width / scale` CSS pixels, the width of the device's own window. Scales go in quarter
 * steps; the broker chooses them (see broker/src/screen/device-screen.ts).
 */
export const DesktopScreen = z
  .object({
    width: z.number().int().min(DESKTOP_SCREEN_LIMITS.minSide).max(DESKTOP_SCREEN_LIMITS.maxSide),
    height: z.number().int().min(DESKTOP_SCREEN_LIMITS.minSide).max(DESKTOP_SCREEN_LIMITS.maxSide),
    scale: z
      .number()
      .min(DESKTOP_SCREEN_LIMITS.minScale)
      .max(DESKTOP_SCREEN_LIMITS.maxScale)
      .refine((scale) => Number.isInteger(scale * 4), 'scale must be a multiple of 0.25'),
  })
  .strict()
  .refine((screen) => screen.width * screen.height <= DESKTOP_SCREEN_LIMITS.maxPixels, {
    message: `a screen has at most ${DESKTOP_SCREEN_LIMITS.maxPixels} pixels`,
  });
export type DesktopScreen = z.infer<typeof DesktopScreen>;

/** Text drawn on the desktop for the watermark: printable, one line. */
const watermarkText = z
  .string()
  .max(200)
  .refine((text) => !/[\p{Cc}\p{Cs}]/u.test(text), 'must not contain control characters');

export const StartSessionRequest = z.object({
  userId: z.string().min(1).max(200),
  /** The kiosk's first page: the portal's one-time hand-off URL. */
  startUrl: z.string().url().max(2000),
  /** The user's organisation, shown with their ID in the desktop's watermark. */
  organisation: watermarkText.optional(),
  /** The device's screen, when it is known: the kiosk starts at this size and scale. */
  screen: DesktopScreen.optional(),
});
export type StartSessionRequest = z.infer<typeof StartSessionRequest>;

/**
 * Which run of the agent answered: a new random id each time its process starts. A lease keeps the run that
 * started its session, so a desktop answering with another run has lost that session, whenever it restarted.
 */
const AgentRun = z.string().min(1).max(100);

export const StartSessionResponse = z.object({
  vncPassword: z.string().min(6).max(8),
  /** The agent's run that started the session; absent from agents older than the field. */
  run: AgentRun.optional(),
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
  /** The screen the desktop has now; absent from agents that cannot change it. */
  screen: z.object({ width: z.number().int(), height: z.number().int(), scale: z.number() }).optional(),
  /** The image's build record; absent on a developer machine, where no image was built. */
  image: ImageInfo.optional(),
  /** The agent's run: a new id each time its process starts. */
  run: AgentRun.optional(),
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

/**
 * Signed `PUT` with a `DesktopScreen`: the running session's screen takes this size and scale (the kiosk
 * keeps its page). 200 with the screen applied, 400 for a bad body, 409 when no session runs.
 */
export const SCREEN_PATH = '/v1/sessions/current/screen';
