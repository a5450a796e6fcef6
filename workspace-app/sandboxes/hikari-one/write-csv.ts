/**
 * RFC 4180 CSV the way Windows-born export tools write it: CRLF line ends, and a field quoted when it
 * holds a quote, a comma, a line break or edge spaces, quotes doubled.
 */
export function writeCsv(rows: ReadonlyArray<readonly string[]>): string {
  return rows.map((row) => row.map(quoteIfNeeded).join(',') + '\r\n').join('');
}

function quoteIfNeeded(field: string): string {
  return /[",\r\n]|^\s|\s$/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}
