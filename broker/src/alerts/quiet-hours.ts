import { TOKYO_OFFSET_MS } from '@hcw/common';
import { z } from 'zod';

const Time = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, '時刻は HH:MM で入力してください。 / Give times as HH:MM.');

/**
 * Hours in which a practitioner wants no alert on their device, in Tokyo time; `from` after `until` runs over
 * midnight (22:00–07:00). What arrives meanwhile is told in one alert when they end.
 */
export const QuietHours = z
  .object({ from: Time, until: Time })
  .strict()
  .refine((hours) => hours.from !== hours.until, {
    message: '開始と終了を別の時刻にしてください。 / Start and end must differ.',
  });
export type QuietHours = z.infer<typeof QuietHours>;

const minutesOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

export function isQuiet(hours: QuietHours | undefined, now: Date): boolean {
  if (!hours) return false;
  const tokyo = new Date(now.getTime() + TOKYO_OFFSET_MS);
  const minute = tokyo.getUTCHours() * 60 + tokyo.getUTCMinutes();
  const [from, until] = [minutesOf(hours.from), minutesOf(hours.until)];
  return from < until ? minute >= from && minute < until : minute >= from || minute < until;
}
