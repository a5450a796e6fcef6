import type { UploadMediaType } from '@hcw/common';

/**
 * What a file is, from its first bytes: the device's word (the Content-Type it sends) is checked against
 * this, never trusted on its own. Photos from a phone's camera are JPEG (iPhones convert their HEIC when a
 * page asks for JPEG), screenshots are PNG, documents are PDF.
 */
export function sniffMediaType(bytes: Buffer): UploadMediaType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return 'image/png';
  }
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return undefined;
}

/** The declared type, with the spellings browsers use for the same thing. */
export function declaredMediaType(contentType: string | undefined): string {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'image/jpg' || type === 'image/pjpeg' ? 'image/jpeg' : type;
}
