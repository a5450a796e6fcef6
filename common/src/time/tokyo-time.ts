/**
 * Tokyo's clock, the one the workspace shows and reads: every patient, practitioner and hospital it serves is
 * in Tokyo. Japan has no daylight saving time, so a fixed offset of +09:00 is exact, whatever the server's
 * own time zone.
 */
export const TOKYO_OFFSET_MS = 9 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The instant as Tokyo's wall clock, in ISO form without a zone: `2025-04-01T09:30:15.000`. */
function shifted(at: string | Date | number): string {
  const time = typeof at === 'string' ? Date.parse(at) : typeof at === 'number' ? at : at.getTime();
  return new Date(time + TOKYO_OFFSET_MS).toISOString().slice(0, 23);
}

/** `2025-04-01` */
export function tokyoDate(at: string | Date | number): string {
  return shifted(at).slice(0, 10);
}

/** `09:30` */
export function tokyoTime(at: string | Date | number): string {
  return shifted(at).slice(11, 16);
}

/** `2025-04-01 09:30` */
export function tokyoDateTime(at: string | Date | number): string {
  return `${tokyoDate(at)} ${tokyoTime(at)}`;
}

/** `2025-04-01 09:30:15`, for records read to the second (the audit trail). */
export function tokyoDateTimeSeconds(at: string | Date | number): string {
  return shifted(at).slice(0, 19).replace('T', ' ');
}

/** `2025-04-01T09:30:15+09:00`: the instant written with Tokyo's offset. */
export function tokyoIsoString(at: string | Date | number): string {
  return `${shifted(at).slice(0, 19)}+09:00`;
}

/** Today's date in Tokyo. */
export function tokyoToday(now: Date = new Date()): string {
  return tokyoDate(now);
}

/** The value an `<input type="datetime-local">` shows for an instant: `2025-04-01T09:30`. */
export function toDatetimeLocal(at: string | Date): string {
  return shifted(at).slice(0, 16);
}

/** What such an input sends back (`2025-04-01T09:30`), as an instant with Tokyo's offset. */
export function fromDatetimeLocal(value: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00+09:00` : value;
}

/** The instants a Tokyo day starts and ends at, for queries. */
export function tokyoDayRange(date: string, days = 1): { from: string; to: string } {
  const start = Date.parse(`${date}T00:00:00+09:00`);
  return { from: new Date(start).toISOString(), to: new Date(start + days * DAY_MS).toISOString() };
}

/** The calendar date some days after another (`YYYY-MM-DD`). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
