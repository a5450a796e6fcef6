/**
 * Takes out of a photo what it says besides the picture: EXIF (where it was taken, the phone, the time),
 * XMP, IPTC and comments in a JPEG; text, EXIF and time chunks in a PNG. Only the segments and chunks needed
 * to draw the picture are kept (a list of what to keep, so that an unknown kind of metadata goes too). A
 * phone's JPEG is often stored sideways with an EXIF orientation that says how to turn it: that one value is
 * written back in an EXIF block of its own, so the wound photo is not shown on its side.
 */

export class UnreadablePictureError extends Error {}

const JPEG_SOI = 0xd8;
const JPEG_SOS = 0xda;
const JPEG_EOI = 0xd9;
/** APP0 (JFIF), APP2 (ICC colour profile) and APP14 (Adobe colour transform) change how the picture looks. */
const KEPT_APP_SEGMENTS = new Set([0xe0, 0xe2, 0xee]);

function exifOrientation(segment: Buffer): number | undefined {
  // segment: the APP1 payload after its length, starting with "Exif\0\0" and a TIFF header.
  if (segment.subarray(0, 6).toString('latin1') !== 'Exif\0\0') return undefined;
  const tiff = segment.subarray(6);
  if (tiff.length < 8) return undefined;
  const little = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return undefined;
  const count = u16(ifd);
  for (let i = 0; i < count; i += 1) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return undefined;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}

/** An APP1 segment holding an EXIF block with the orientation and nothing else. */
function orientationSegment(orientation: number): Buffer {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14); // one value
  tiff.writeUInt16BE(orientation, 18);
  tiff.writeUInt32BE(0, 22); // no next IFD
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

export function stripJpegMetadata(jpeg: Buffer): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== JPEG_SOI) throw new UnreadablePictureError('not a JPEG');
  const kept: Buffer[] = [jpeg.subarray(0, 2)];
  let orientation: number | undefined;
  let at = 2;
  while (at < jpeg.length) {
    if (jpeg[at] !== 0xff) throw new UnreadablePictureError(`no marker at byte ${at}`);
    const marker = jpeg[at + 1];
    if (marker === undefined) break;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === JPEG_EOI) {
      kept.push(jpeg.subarray(at, at + 2));
      break;
    }
    if (at + 4 > jpeg.length) throw new UnreadablePictureError('the picture ends inside a header');
    const length = jpeg.readUInt16BE(at + 2);
    const end = at + 2 + length;
    if (length < 2 || end > jpeg.length) throw new UnreadablePictureError('a header runs past the end');
    if (marker === JPEG_SOS) {
      // The compressed picture follows to the end; what a camera appends after it is left out below.
      const eoi = jpeg.lastIndexOf(Buffer.from([0xff, JPEG_EOI]));
      kept.push(jpeg.subarray(at, eoi > at ? eoi + 2 : jpeg.length));
      break;
    }
    const isApp = marker >= 0xe0 && marker <= 0xef;
    if (marker === 0xe1) orientation ??= exifOrientation(jpeg.subarray(at + 4, end));
    if ((isApp && !KEPT_APP_SEGMENTS.has(marker)) || marker === 0xfe) {
      at = end; // metadata: EXIF and XMP (APP1), IPTC (APP13), the rest of APPn, comments
      continue;
    }
    kept.push(jpeg.subarray(at, end));
    at = end;
  }
  if (orientation !== undefined && orientation !== 1) {
    // After SOI and JFIF, where readers look for it.
    const jfif = kept[1]?.[1] === 0xe0 ? 2 : 1;
    kept.splice(jfif, 0, orientationSegment(orientation));
  }
  return Buffer.concat(kept);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Chunks that take part in drawing the picture; everything else (tEXt, iTXt, zTXt, eXIf, tIME, …) goes. */
const KEPT_PNG_CHUNKS = new Set([
  'IHDR',
  'PLTE',
  'IDAT',
  'IEND',
  'tRNS',
  'gAMA',
  'cHRM',
  'sRGB',
  'iCCP',
  'sBIT',
  'pHYs',
  'bKGD',
  'acTL',
  'fcTL',
  'fdAT',
]);

export function stripPngMetadata(png: Buffer): Buffer {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new UnreadablePictureError('not a PNG');
  const kept: Buffer[] = [PNG_SIGNATURE];
  let at = 8;
  while (at + 12 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const end = at + 12 + length;
    if (end > png.length) throw new UnreadablePictureError(`chunk ${type} runs past the end`);
    if (KEPT_PNG_CHUNKS.has(type)) kept.push(png.subarray(at, end));
    at = end;
    if (type === 'IEND') break;
  }
  if (kept.length < 3) throw new UnreadablePictureError('the PNG has no picture');
  return Buffer.concat(kept);
}
