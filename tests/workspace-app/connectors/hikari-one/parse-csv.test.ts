import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CsvSyntaxError, parseCsv } from '#workspace-app/connectors/hikari-one/parse-csv.js';
import { writeCsv } from '#sandboxes/hikari-one/write-csv.js';

describe('CSV parser', () => {
  it('reads back any table the export writes, whatever the fields hold', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'あ', '髙', ',', '"', '\r', '\n', ' ', '\r\n') });
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 2, maxLength: 5 }), { maxLength: 5 }), (rows) => {
        assert.deepEqual(parseCsv(writeCsv(rows)), rows);
      }),
    );
  });

  it('reads a last record without a line break', () => {
    assert.deepEqual(parseCsv('a,b\r\nc,d'), [
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('refuses an unterminated quoted field', () => {
    assert.throws(() => parseCsv('a,"b\r\nc,d\r\n'), CsvSyntaxError);
  });

  it('refuses a quote inside an unquoted field', () => {
    assert.throws(() => parseCsv('a,b"c\r\n'), CsvSyntaxError);
  });

  it('refuses text after a closing quote', () => {
    assert.throws(() => parseCsv('"a"b,c\r\n'), CsvSyntaxError);
  });
});
