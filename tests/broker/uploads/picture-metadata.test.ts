import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import {
  stripJpegMetadata,
  stripPngMetadata,
  UnreadablePictureError,
} from '#broker/uploads/picture-metadata.js';
import { aJpeg, aPng, GPS_LATITUDE_BYTES, orientationOf, withCameraExif } from '#test-support/photos.js';

/** A PNG chunk as a writer puts it in a file. */
function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** Chunk types of a PNG, in order. */
function chunkTypes(png: Buffer): string[] {
  const types: string[] = [];
  for (let at = 8; at + 12 <= png.length; at += 12 + png.readUInt32BE(at)) {
    types.push(png.toString('latin1', at + 4, at + 8));
  }
  return types;
}

describe('what a photo says besides the picture is taken out', () => {
  it('keeps a JPEG’s picture and drops EXIF (with GPS), comments and what follows the picture', () => {
    const plain = aJpeg();
    const photo = Buffer.concat([
      withCameraExif(plain, { orientation: 1, marker: 'MARK' }),
      Buffer.from('trailing'),
    ]);
    const stripped = stripJpegMetadata(photo);
    assert.equal(stripped.includes(GPS_LATITUDE_BYTES), false);
    assert.equal(stripped.includes(Buffer.from('MARK')), false);
    assert.equal(stripped.includes(Buffer.from('trailing')), false);
    // Orientation 1 is the default: no EXIF block is written back, and the picture is byte for byte the same.
    assert.equal(orientationOf(stripped), undefined);
    assert.deepEqual(stripped, stripJpegMetadata(plain));
    assert.ok(stripped.subarray(-2).equals(Buffer.from([0xff, 0xd9])));
  });

  it('writes back only the orientation of a photo taken sideways', () => {
    for (const orientation of [3, 6, 8]) {
      const stripped = stripJpegMetadata(withCameraExif(aJpeg(), { orientation, marker: 'MARK' }));
      assert.equal(orientationOf(stripped), orientation);
      assert.equal(stripped.includes(GPS_LATITUDE_BYTES), false);
    }
  });

  it('drops a PNG’s text, EXIF and time chunks and keeps what draws it', () => {
    const png = aPng();
    const iend = png.length - 12;
    const tagged = Buffer.concat([
      png.subarray(0, 33), // signature and IHDR
      chunk('tEXt', Buffer.from('Comment\0taken at home, MARK', 'latin1')),
      chunk('eXIf', Buffer.concat([Buffer.from('MM\0*', 'latin1'), GPS_LATITUDE_BYTES])),
      chunk('tIME', Buffer.from([7, 234, 12, 8, 9, 0, 0])),
      png.subarray(33, iend),
      chunk('zTXt', Buffer.from('Author\0\0x', 'latin1')),
      png.subarray(iend),
    ]);
    const stripped = stripPngMetadata(tagged);
    assert.deepEqual(
      chunkTypes(tagged).filter((type) => ['tEXt', 'eXIf', 'tIME', 'zTXt'].includes(type)).length,
      4,
    );
    assert.deepEqual(chunkTypes(stripped), chunkTypes(png));
    assert.equal(stripped.includes(Buffer.from('MARK')), false);
    assert.equal(stripped.includes(GPS_LATITUDE_BYTES), false);
  });

  it('refuses a picture it cannot read instead of passing it on', () => {
    const jpeg = aJpeg();
    assert.throws(
      () => stripJpegMetadata(Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0x00, 0x11])])),
      UnreadablePictureError,
    );
    assert.throws(
      () => stripJpegMetadata(Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1, 0xff, 0xff, 1])])),
      UnreadablePictureError,
    );
    const png = aPng();
    assert.throws(() => stripPngMetadata(png.subarray(0, 40)), UnreadablePictureError);
  });
});
