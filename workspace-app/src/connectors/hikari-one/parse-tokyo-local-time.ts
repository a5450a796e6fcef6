import { TOKYO_OFFSET_MS } from '@hcw/common';

/**
 * `2024/05/01 09:30` or `2024/05/01 09:30:15`, Japan Standard Time without a zone (Japan has no daylight
 * saving, so +09:00 is always right). Undefined for anything else, including dates that do not exist.
 */
export function parseTokyoLocalTime(text: string): Date | undefined {
  const match = /^(\d{4})\/(\d{1,2})\/(\d{1,2}) (\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!match) return undefined;
  // Six groups, the last optional: the pattern guarantees the shape.
  const [y, mo, d, h, mi, s] = match.slice(1).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(asUtc);
  // Date.UTC rolls 2024/02/30 over into March; a date that does not come back unchanged did not exist.
  const exists =
    back.getUTCFullYear() === y &&
    back.getUTCMonth() === mo - 1 &&
    back.getUTCDate() === d &&
    back.getUTCHours() === h &&
    back.getUTCMinutes() === mi &&
    back.getUTCSeconds() === s;
  return exists ? new Date(asUtc - TOKYO_OFFSET_MS) : undefined;
}
