/**
 * Every patient of this portal lives in Tokyo (UTC+9, no daylight saving): days, times and "today"
 * are Tokyo's, whatever the server's own time zone.
 */
const OFFSET_MS = 9 * 60 * 60 * 1000;

function shifted(iso: string | Date): string {
  const time = typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
  return new Date(time + OFFSET_MS).toISOString();
}

/** `2025-04-01` */
export function tokyoDate(iso: string | Date): string {
  return shifted(iso).slice(0, 10);
}

/** `09:30` */
export function tokyoTime(iso: string | Date): string {
  return shifted(iso).slice(11, 16);
}

/** `2025-04-01 09:30` */
export function tokyoDateTime(iso: string | Date): string {
  return `${tokyoDate(iso)} ${tokyoTime(iso)}`;
}

/** The value an `<input type="datetime-local">` shows for an instant: `2025-04-01T09:30`. */
export function toDatetimeLocal(iso: string | Date): string {
  return shifted(iso).slice(0, 16);
}

/** What such an input sends back (`2025-04-01T09:30`), as an instant with Tokyo's offset. */
export function fromDatetimeLocal(value: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00+09:00` : value;
}

/** The instants a Tokyo day starts and ends at, for queries. */
export function tokyoDayRange(date: string, days = 1): { from: string; to: string } {
  const start = Date.parse(`${date}T00:00:00+09:00`);
  return {
    from: new Date(start).toISOString(),
    to: new Date(start + days * 24 * 60 * 60 * 1000).toISOString(),
  };
}

/** A Tokyo date some days after another. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}
