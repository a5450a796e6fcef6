import { z } from 'zod';

/** The most an alert counts; more is shown as this many. */
export const MAX_ALERT_COUNT = 999;

const TEXT = {
  ja: (count: number) => ({ title: `新着 ${count}件`, body: 'ワークスペースを開いて確認してください。' }),
  en: (count: number) => ({ title: `${count} new`, body: 'Open the workspace to read them.' }),
} as const;

/**
 * What a push message to a personal device says: how many new items there are and where the workspace is,
 * nothing else. It is made from a count alone, so no patient, diagnosis, place or sender can be in it, and
 * the strict schema refuses any other field before anything is sent (the device is outside the
 * workspace: the only data allowed to reach it is pixels of the desktop and this count).
 */
export const AlertPayload = z
  .object({
    title: z.string().regex(/^(新着 \d{1,3}件|\d{1,3} new)$/),
    body: z.enum([TEXT.ja(0).body, TEXT.en(0).body]),
    /** The client page: the device signs in again there if its session has ended. */
    url: z.literal('/'),
    /** One alert replaces the last one on the device instead of piling up. */
    tag: z.literal('hcw-new-items'),
  })
  .strict();
export type AlertPayload = z.infer<typeof AlertPayload>;

export function alertPayload(newItems: number, language: 'ja' | 'en'): AlertPayload {
  const count = Math.min(Math.max(1, Math.trunc(newItems)), MAX_ALERT_COUNT);
  return AlertPayload.parse({ ...TEXT[language](count), url: '/', tag: 'hcw-new-items' });
}
