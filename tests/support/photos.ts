import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { Practitioner } from '@hcw/common';
import { receiveUpload } from '#workspace-app/attachments/attachments.js';

/**
 * Files as a phone sends them, made on the spot: a PDF (a page of text), a real JPEG drawn from it by
 * poppler, and the EXIF block a phone's camera writes, with where the picture was taken.
 */

/** A one-page PDF that reads `text` (ASCII). */
export function aPdf(text = 'Wound photo record'): Buffer {
  const content = `BT /F1 24 Tf 20 60 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 320 120] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

/** A real JPEG (decodable by any browser), without metadata. */
export function aJpeg(text?: string): Buffer {
  return execFileSync('pdftoppm', ['-jpeg', '-r', '72', '-singlefile', '-'], { input: aPdf(text) });
}

/** A real PNG, without metadata. */
export function aPng(text?: string): Buffer {
  return execFileSync('pdftoppm', ['-png', '-r', '72', '-singlefile', '-'], { input: aPdf(text) });
}

/** Where the test photos were "taken", as the EXIF GPS block holds it, and a marker to search for. */
export const PHOTO_PLACE = { latitude: [35, 41, 22], longitude: [139, 41, 30] } as const;

/**
 * The JPEG with an EXIF block as a phone writes it: orientation, the camera's description (`marker`), and a
 * GPS block with latitude and longitude. Big-endian TIFF.
 */
export function withCameraExif(jpeg: Buffer, options: { orientation?: number; marker: string }): Buffer {
  const entries: { tag: number; type: number; count: number; value: Buffer }[] = [];
  const description = Buffer.from(`${options.marker}\0`, 'latin1');
  const rational = (values: readonly number[]) => {
    const b = Buffer.alloc(values.length * 8);
    values.forEach((v, i) => {
      b.writeUInt32BE(v, i * 8);
      b.writeUInt32BE(1, i * 8 + 4);
    });
    return b;
  };
  // IFD0: ImageDescription, Orientation, GPS pointer. GPS IFD: N, latitude, E, longitude.
  const ifd0 = [
    { tag: 0x010e, type: 2, count: description.length, value: description },
    { tag: 0x0112, type: 3, count: 1, value: Buffer.from([0, options.orientation ?? 1, 0, 0]) },
    { tag: 0x8825, type: 4, count: 1, value: Buffer.alloc(4) }, // patched below
  ];
  const gps = [
    { tag: 0x0001, type: 2, count: 2, value: Buffer.from('N\0\0\0', 'latin1') },
    { tag: 0x0002, type: 5, count: 3, value: rational(PHOTO_PLACE.latitude) },
    { tag: 0x0003, type: 2, count: 2, value: Buffer.from('E\0\0\0', 'latin1') },
    { tag: 0x0004, type: 5, count: 3, value: rational(PHOTO_PLACE.longitude) },
  ];
  entries.push(...ifd0);
  const ifdSize = (n: number) => 2 + n * 12 + 4;
  const ifd0At = 8;
  const gpsAt = ifd0At + ifdSize(ifd0.length);
  let dataAt = gpsAt + ifdSize(gps.length);
  const data: Buffer[] = [];
  const writeIfd = (list: typeof ifd0, nextLink = 0): Buffer => {
    const out = Buffer.alloc(ifdSize(list.length));
    out.writeUInt16BE(list.length, 0);
    list.forEach((entry, i) => {
      const at = 2 + i * 12;
      out.writeUInt16BE(entry.tag, at);
      out.writeUInt16BE(entry.type, at + 2);
      out.writeUInt32BE(entry.count, at + 4);
      if (entry.value.length <= 4) entry.value.copy(out, at + 8);
      else {
        out.writeUInt32BE(dataAt, at + 8);
        data.push(entry.value);
        dataAt += entry.value.length;
      }
    });
    out.writeUInt32BE(nextLink, 2 + list.length * 12);
    return out;
  };
  ifd0[2]!.value.writeUInt32BE(gpsAt);
  const tiffHeader = Buffer.from([0x4d, 0x4d, 0, 42, 0, 0, 0, ifd0At]);
  const tiff = Buffer.concat([tiffHeader, writeIfd(ifd0), writeIfd(gps)]);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff, ...data]);
  const segment = Buffer.concat([Buffer.from([0xff, 0xe1, 0, 0]), payload]);
  segment.writeUInt16BE(payload.length + 2, 2);
  // A comment segment too, which cameras and editors also write.
  const comment = Buffer.from(`${options.marker} comment`, 'latin1');
  const com = Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), comment]);
  com.writeUInt16BE(comment.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, com, jpeg.subarray(2)]);
}

/** The GPS latitude of PHOTO_PLACE as the EXIF block stores it: what must not survive. */
export const GPS_LATITUDE_BYTES = Buffer.from([0, 0, 0, 35, 0, 0, 0, 1, 0, 0, 0, 41, 0, 0, 0, 1]);

/** The EICAR test file (built from parts, so that no file of the repository is flagged by a scanner). */
export function eicar(): Buffer {
  return Buffer.from(
    ['X5O!P%@AP[4\\PZX54(P^)7CC)7}', '$EICAR-STANDARD-ANTIVIRUS', '-TEST-FILE!$H+H*'].join(''),
    'latin1',
  );
}

/** The EXIF orientation in a JPEG's first EXIF block, if any. */
export function orientationOf(jpeg: Buffer): number | undefined {
  const at = jpeg.indexOf(Buffer.from('Exif\0\0', 'latin1'));
  if (at < 0) return undefined;
  const tiff = jpeg.subarray(at + 6);
  const ifd = tiff.readUInt32BE(4);
  const count = tiff.readUInt16BE(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (tiff.readUInt16BE(entry) === 0x0112) return tiff.readUInt16BE(entry + 8);
  }
  return undefined;
}

/**
 * A photo as the portal keeps it once the broker has handed it over (checked, cleaned and scanned): unfiled,
 * among what `practitioner` received. Returns its id.
 */
export async function aReceivedPhoto(
  pool: pg.Pool,
  practitioner: Practitioner,
  photo = aJpeg(),
): Promise<string> {
  const id = randomUUID();
  await receiveUpload(
    pool,
    {
      id,
      practitioner: Practitioner.parse(practitioner),
      mediaType: 'image/jpeg',
      content: photo.toString('base64'),
      sha256: createHash('sha256').update(photo).digest('hex'),
      scannedBy: 'ClamAV (test signatures)',
      metadataRemoved: true,
    },
    photo,
  );
  return id;
}
