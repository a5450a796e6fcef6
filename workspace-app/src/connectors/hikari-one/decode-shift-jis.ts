import iconv from 'iconv-lite';
import { VendorPayloadError } from '../vendor-payload-error.js';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Decodes a Shift_JIS file, in its Windows-31J form (cp932: the NEC and IBM extensions such as ① and 髙
 * that Japanese office software writes), refusing anything that is not clearly that. iconv-lite never
 * throws on bad input, it substitutes U+FFFD, so each sign of a wrong encoding is checked for here:
 * - a UTF-8 byte-order mark, or bytes that form valid UTF-8 with non-ASCII in them (Japanese Shift_JIS
 *   text practically never does: its trail bytes are not UTF-8 continuations in the right places);
 * - U+FFFD after decoding: byte sequences Shift_JIS does not define;
 * - control characters, which text exports do not contain but binary garbage does.
 */
export function decodeShiftJis(vendor: string, bytes: Uint8Array): string {
  const refuse = (detail: string) => new VendorPayloadError(vendor, 'bad-encoding', detail);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) throw refuse('UTF-8 byte-order mark');
  if (bytes.some((byte) => byte >= 0x80) && isValidUtf8(bytes))
    throw refuse('UTF-8 where Shift_JIS was expected');
  const text = iconv.decode(Buffer.from(bytes), 'cp932');
  if (text.includes('\ufffd')) throw refuse('byte sequence not defined in Shift_JIS');
  if (CONTROL_CHARACTERS.test(text)) throw refuse('control characters');
  return text;
}

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Half-width katakana is what EUC-JP or UTF-8 bytes turn into when read as Shift_JIS (ｵｭﾏｿ, 繧ｰ繝ｫ); text
 * known to hold none, such as the export's header, containing some was decoded with the wrong encoding.
 */
export function looksLikeMojibake(text: string): boolean {
  return /[\uff61-\uff9f]/.test(text);
}
