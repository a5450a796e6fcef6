import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { decodeShiftJis, looksLikeMojibake } from '#workspace-app/connectors/hikari-one/decode-shift-jis.js';
import { VendorPayloadError } from '#workspace-app/connectors/vendor-payload-error.js';

const badEncoding = (error: unknown) =>
  error instanceof VendorPayloadError && error.reason === 'bad-encoding';

describe('Shift_JIS decoding', () => {
  it('decodes Windows-31J text, NEC and IBM extensions included', () => {
    const text = '①髙橋様 ㈱訪問看護ｽﾃｰｼｮﾝ～';

    assert.equal(decodeShiftJis('hikari-one', iconv.encode(text, 'Shift_JIS')), text);
  });

  it('refuses UTF-8, with or without a byte-order mark', () => {
    assert.throws(() => decodeShiftJis('hikari-one', Buffer.from('佐藤花子様', 'utf8')), badEncoding);
    assert.throws(() => decodeShiftJis('hikari-one', Buffer.from('\ufeffID', 'utf8')), badEncoding);
  });

  it('refuses a lead byte without a valid trail byte', () => {
    assert.throws(() => decodeShiftJis('hikari-one', Buffer.from([0x82, 0xa0, 0x82, 0x20])), badEncoding);
  });

  it('refuses control characters that text exports never hold', () => {
    assert.throws(() => decodeShiftJis('hikari-one', Buffer.from([0x41, 0x00, 0x42])), badEncoding);
  });

  it('takes plain ASCII as the Shift_JIS it also is', () => {
    assert.equal(decodeShiftJis('hikari-one', Buffer.from('ID,name\r\n', 'ascii')), 'ID,name\r\n');
  });

  it('sees mojibake in EUC-JP text read as Shift_JIS, and none in the text read correctly', () => {
    const eucJp = iconv.encode('佐藤花子様', 'EUC-JP');

    assert.equal(looksLikeMojibake(iconv.decode(eucJp, 'Shift_JIS')), true);
    assert.equal(looksLikeMojibake(iconv.decode(eucJp, 'EUC-JP')), false);
  });
});
