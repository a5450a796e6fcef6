import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CHUNK_BYTES,
  RecordingIntegrityError,
  RecordingWriter,
  readRecording,
} from '#broker/recording/recording-file.js';
import { scratchDir } from '#test-support/scratch-dir.js';

/** A stretch of what guacd sends a browser: a frame with an image, a rectangle and a sync. */
function aFrame(n: number): string {
  const png = randomBytes(300 + (n % 50)).toString('base64');
  const parts = [
    `3.img,1.${n % 10},2.14,1.0,9.image/png,${String(n % 1000).length}.${n % 1000},2.40;`,
    `4.blob,1.${n % 10},${png.length}.${png};`,
    `3.end,1.${n % 10};`,
    `4.rect,1.0,1.0,1.0,3.640,3.480;`,
    `4.sync,${String(1700000000000 + n * 40).length}.${1700000000000 + n * 40};`,
  ];
  return parts.join('');
}

async function written(
  dir: string,
  texts: string[],
  key: Buffer,
): Promise<{ file: string; id: string; plain: string }> {
  const id = randomUUID();
  const file = path.join(dir, `${id}.rec`);
  const writer = await RecordingWriter.create(file, {
    recordingId: id,
    key,
    onError: (error) => assert.fail(error),
  });
  for (const text of texts) writer.write(text);
  assert.equal(await writer.close(), undefined);
  return { file, id, plain: texts.join('') };
}

async function readBack(
  file: string,
  id: string,
  keys: Buffer[],
): Promise<{ text: string; complete: boolean }> {
  const parts: Buffer[] = [];
  const summary = await readRecording(file, id, keys, (chunk) => void parts.push(chunk));
  return { text: Buffer.concat(parts).toString('utf8'), complete: summary.isComplete };
}

describe('recording files', () => {
  const dir = scratchDir('hcw-recording-file');
  const key = randomBytes(32);
  const frames = Array.from({ length: 600 }, (_, n) => aFrame(n));

  it('reads back exactly what was written, across many chunks, and says it is complete', async () => {
    const { file, id, plain } = await written(dir, frames, key);
    assert.ok(Buffer.byteLength(plain) > 3 * CHUNK_BYTES, 'the session spans several chunks');
    const back = await readBack(file, id, [key]);
    assert.equal(back.text, plain);
    assert.equal(back.complete, true);
  });

  it('holds no readable protocol text at rest (control: the decrypted stream does)', async () => {
    const { file, id } = await written(dir, frames, key);
    const atRest = readFileSync(file).toString('latin1');
    const decrypted = (await readBack(file, id, [key])).text;
    for (const marker of ['4.sync,', '3.img,', 'image/png', '4.rect,', '4.blob,']) {
      assert.ok(decrypted.includes(marker), `the decrypted stream holds ${marker} (control)`);
      assert.ok(!atRest.includes(marker), `the file at rest holds ${marker}`);
    }
  });

  it('keeps a multi-byte character split between two chunks intact', async () => {
    const text = `${'x'.repeat(CHUNK_BYTES - 1)}訪問看護${'y'.repeat(10)}`;
    const { file, id } = await written(dir, [text], key);
    assert.equal((await readBack(file, id, [key])).text, text);
  });

  it('refuses a file with one byte changed, and names the chunk', async () => {
    const { file, id } = await written(dir, frames, key);
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(64 + 5 + 100) ^ 0x01, 64 + 5 + 100);
    writeFileSync(file, bytes);
    await assert.rejects(readRecording(file, id, [key]), (error: Error) => {
      assert.ok(error instanceof RecordingIntegrityError);
      assert.match(error.message, /chunk 0 fails its authentication/);
      return true;
    });
  });

  it('refuses chunks moved from one place to another', async () => {
    const { file, id } = await written(dir, frames, key);
    const bytes = readFileSync(file);
    const chunk = (at: number) => 5 + bytes.readUInt32BE(at) + 16;
    const first = 64;
    const second = first + chunk(first);
    const third = second + chunk(second);
    const swapped = Buffer.concat([
      bytes.subarray(0, first),
      bytes.subarray(second, third),
      bytes.subarray(first, second),
      bytes.subarray(third),
    ]);
    writeFileSync(file, swapped);
    await assert.rejects(readRecording(file, id, [key]), RecordingIntegrityError);
  });

  it('refuses the file of another recording put in its place', async () => {
    const one = await written(dir, frames.slice(0, 5), key);
    const other = await written(dir, frames.slice(5, 10), key);
    await assert.rejects(readRecording(other.file, one.id, [key]), /another recording/);
  });

  it('opens only with a key that sealed it; an earlier key still opens what it sealed', async () => {
    const earlier = randomBytes(32);
    const { file, id, plain } = await written(dir, frames.slice(0, 20), earlier);
    await assert.rejects(readRecording(file, id, [key]), /no configured recording key/);
    assert.equal((await readBack(file, id, [key, earlier])).text, plain);
  });

  it('reads a file cut off after a whole chunk as incomplete, and one cut mid-chunk as damaged', async () => {
    const { file, id } = await written(dir, frames, key);
    const bytes = readFileSync(file);
    const firstChunkEnd = 64 + 5 + bytes.readUInt32BE(64) + 16;
    truncateSync(file, firstChunkEnd);
    const cut = await readBack(file, id, [key]);
    assert.equal(cut.complete, false, 'no final chunk: cut off');
    assert.ok(cut.text.length > 0, 'what was sealed before the cut is still readable');
    truncateSync(file, firstChunkEnd - 3);
    await assert.rejects(readRecording(file, id, [key]), /cut off/);
  });

  it('seals what is waiting on flush, so a broker that stops loses at most the last few seconds', async () => {
    const id = randomUUID();
    const file = path.join(dir, `${id}.rec`);
    const writer = await RecordingWriter.create(file, { recordingId: id, key, onError: assert.fail });
    writer.write('4.sync,13.1700000000000;');
    writer.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Not closed: as a broker that stopped would leave it.
    const back = await readBack(file, id, [key]);
    assert.equal(back.text, '4.sync,13.1700000000000;');
    assert.equal(back.complete, false);
    await writer.close();
    assert.equal((await readBack(file, id, [key])).complete, true);
    assert.ok(statSync(file).mode % 0o1000 === 0o600, 'only the broker’s user may read the file');
  });

  it('reports a write that fails, once, and keeps nothing more', async () => {
    const id = randomUUID();
    const errors: Error[] = [];
    const writer = await RecordingWriter.create(path.join(dir, `${id}.rec`), {
      recordingId: id,
      key,
      onError: (error) => errors.push(error),
      maxPendingBytes: 10,
    });
    writer.write('x'.repeat(CHUNK_BYTES * 2));
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /does not keep up/);
    writer.write('more');
    assert.equal(errors.length, 1);
    assert.equal(await writer.close(), errors[0]);
  });
});
