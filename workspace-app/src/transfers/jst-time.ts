// Tokyo has no daylight saving time: a fixed offset is exact.
const jstOffsetMilliseconds = 9 * 3_600_000;

function jstParts(iso: string | Date): { date: string; time: string } {
  const shifted = new Date(new Date(iso).getTime() + jstOffsetMilliseconds).toISOString();
  return { date: shifted.slice(0, 10), time: shifted.slice(11, 16) };
}

/** e.g. 2025-04-01 09:30, in Japan time. */
export function formatJstDateTime(iso: string | Date): string {
  const { date, time } = jstParts(iso);
  return `${date} ${time}`;
}

/** The value of an <input type="datetime-local"> showing the moment in Japan time. */
export function jstLocalInputValue(iso: string | Date): string {
  const { date, time } = jstParts(iso);
  return `${date}T${time}`;
}

/** Reads an <input type="datetime-local"> filled in Japan time as an ISO 8601 date-time with offset. */
export function fromJstLocalInput(value: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00+09:00` : value;
}

/** Today's date in Japan. */
export function jstToday(now: Date): string {
  return jstParts(now).date;
}

/** The calendar date `days` after an ISO date (YYYY-MM-DD). */
export function jstDatePlusDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
