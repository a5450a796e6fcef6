const TOKYO_OFFSET_MS = 9 * 60 * 60_000;

/** `2024-05-01T09:30:00+09:00`: how Japanese vendor systems write an instant. */
export function toTokyoIso(instant: Date): string {
  return `${new Date(instant.getTime() + TOKYO_OFFSET_MS).toISOString().slice(0, 19)}+09:00`;
}

/** `2024/05/01 09:30:00`: Japan Standard Time without a zone, as spreadsheet-style exports write it. */
export function toTokyoLocal(instant: Date): string {
  const iso = new Date(instant.getTime() + TOKYO_OFFSET_MS).toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '/')} ${iso.slice(11, 19)}`;
}
