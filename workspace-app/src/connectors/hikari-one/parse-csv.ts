/** A CSV text that does not follow RFC 4180; `position` is a character offset, safe to log. */
export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';

  constructor(
    readonly problem: string,
    readonly position: number,
  ) {
    super(`${problem} at character ${position}`);
  }
}

/**
 * RFC 4180 CSV: fields separated by commas, records by CRLF (or LF), fields with commas, quotes or line
 * breaks inside double quotes with quotes doubled. Strict on purpose: a stray quote means the file is not
 * what it claims, and guessing would shift values into the wrong columns.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let index = 0;
  let atFieldStart = true;

  const endField = () => {
    row.push(field);
    field = '';
    atFieldStart = true;
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };

  while (index < text.length) {
    const character = text[index];
    if (atFieldStart && character === '"') {
      const closing = readQuoted(text, index + 1);
      field = closing.value;
      index = closing.next;
      const after = text[index];
      if (after !== undefined && after !== ',' && after !== '\r' && after !== '\n') {
        throw new CsvSyntaxError('text after a closing quote', index);
      }
      atFieldStart = false;
      continue;
    }
    if (character === ',') {
      endField();
    } else if (character === '\r' || character === '\n') {
      if (character === '\r' && text[index + 1] === '\n') index++;
      endRow();
    } else if (character === '"') {
      throw new CsvSyntaxError('quote inside an unquoted field', index);
    } else {
      field += character;
      atFieldStart = false;
    }
    index++;
  }
  // A final record without a line break still counts; the empty "record" after a final CRLF does not.
  if (!atFieldStart || field !== '' || row.length > 0) endRow();
  return rows;
}

function readQuoted(text: string, start: number): { value: string; next: number } {
  let value = '';
  let index = start;
  for (;;) {
    const quote = text.indexOf('"', index);
    if (quote === -1) throw new CsvSyntaxError('unterminated quoted field', start - 1);
    value += text.slice(index, quote);
    if (text[quote + 1] === '"') {
      value += '"';
      index = quote + 2;
    } else {
      return { value, next: quote + 1 };
    }
  }
}
