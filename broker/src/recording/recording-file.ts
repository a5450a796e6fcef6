import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * A session recording at rest: the Guacamole instructions the device was shown, encrypted as they are
 * written, in chunks, so a long session is never held in memory and a broker that stops mid-session leaves
 * everything up to its last chunk readable.
 *
 * Layout: a 64-byte header (magic, recording ID, key ID, salt), then chunks of
 * [u32 ciphertext length][u8 flags][ciphertext][16-byte GCM tag]. Each file has its own AES-256-GCM key,
 * derived from the recording key with HKDF and the file's random salt; a chunk's nonce is its index. Every
 * chunk authenticates the header, its index and its flags, so chunks cannot be reordered, moved to another
 * file, or dropped from the end unnoticed: the last chunk carries the `final` flag.
 */

const MAGIC = Buffer.from('HCWREC\u0000\u0001', 'latin1');
const HEADER_BYTES = 64;
const TAG_BYTES = 16;
const FINAL = 1;
/** Plaintext per chunk: the writer seals a chunk at this size, the reader refuses anything larger. */
export const CHUNK_BYTES = 64 * 1024;
const KEY_INFO = 'hcw session recording v1';

/** Names a recording key without revealing it: the first 8 bytes of a hash, kept in each file's header. */
export function recordingKeyId(key: Buffer): string {
  return createHash('sha256')
    .update('hcw recording key id\n')
    .update(key)
    .digest()
    .subarray(0, 8)
    .toString('hex');
}

export class RecordingIntegrityError extends Error {}

interface Header {
  bytes: Buffer;
  recordingId: string;
  keyId: string;
  salt: Buffer;
}

function uuidBytes(id: string): Buffer {
  const hex = id.replaceAll('-', '');
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error('a recording ID is a UUID');
  return Buffer.from(hex, 'hex');
}

function uuidText(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function fileKey(key: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, salt, KEY_INFO, 32));
}

function nonce(index: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64BE(BigInt(index), 4);
  return iv;
}

function associatedData(header: Buffer, index: number, flags: number): Buffer {
  const tail = Buffer.alloc(9);
  tail.writeBigUInt64BE(BigInt(index), 0);
  tail.writeUInt8(flags, 8);
  return Buffer.concat([header, tail]);
}

/**
 * Writes one recording. `write` takes text and never waits: it fills a chunk, and full chunks are sealed and
 * appended in order in the background. `close` seals the final chunk. A write that fails (a full disk, a
 * lost mount) is reported once to `onError`, and so is a disk too slow to keep up (more than `maxPending`
 * bytes waiting): a recording that cannot be kept must not be mistaken for one that was.
 */
export class RecordingWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0;
  private queued = 0;
  private tail: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private isClosed = false;
  /** Bytes of the file written so far (header, chunks and their framing). */
  fileBytes = HEADER_BYTES;
  /** Plaintext bytes taken so far. */
  plainBytes = 0;

  private constructor(
    private readonly file: FileHandle,
    private readonly header: Buffer,
    private readonly key: Buffer,
    private readonly onError: (error: Error) => void,
    private readonly maxPending: number,
  ) {}

  /** Creates the file (it must not exist yet; only this process's user may read it) and writes its header. */
  static async create(
    path: string,
    options: {
      recordingId: string;
      key: Buffer;
      onError(error: Error): void;
      maxPendingBytes?: number;
    },
  ): Promise<RecordingWriter> {
    const salt = randomBytes(32);
    const header = Buffer.concat([
      MAGIC,
      uuidBytes(options.recordingId),
      Buffer.from(recordingKeyId(options.key), 'hex'),
      salt,
    ]);
    const file = await open(path, 'wx', 0o600);
    try {
      await file.write(header, 0, header.length, null);
    } catch (error) {
      await file.close().catch(() => undefined);
      throw error;
    }
    return new RecordingWriter(
      file,
      header,
      fileKey(options.key, salt),
      options.onError,
      options.maxPendingBytes ?? 32 * 1024 * 1024,
    );
  }

  get error(): Error | undefined {
    return this.failure;
  }

  write(text: string): void {
    if (this.isClosed || this.failure || text.length === 0) return;
    const bytes = Buffer.from(text, 'utf8');
    this.plainBytes += bytes.length;
    let offset = 0;
    while (offset < bytes.length) {
      const room = CHUNK_BYTES - this.pendingBytes;
      const part = bytes.subarray(offset, offset + room);
      this.pending.push(part);
      this.pendingBytes += part.length;
      offset += part.length;
      if (this.pendingBytes === CHUNK_BYTES) this.seal(0);
    }
  }

  /** Seals what is waiting as a chunk, so it is on disk even if the broker stops before the session ends. */
  flush(): void {
    if (!this.isClosed && !this.failure && this.pendingBytes > 0) this.seal(0);
  }

  /** Seals the final chunk and closes the file; resolves with the error if anything was lost. */
  async close(): Promise<Error | undefined> {
    if (!this.isClosed) {
      if (!this.failure) this.seal(FINAL);
      this.isClosed = true;
      this.tail = this.tail.then(async () => {
        if (!this.failure) await this.file.sync();
      });
      await this.tail.catch((error: unknown) => this.fail(error));
      await this.file.close().catch(() => undefined);
    }
    return this.failure;
  }

  private seal(flags: number): void {
    const plain = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    const index = this.index++;
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce(index));
    cipher.setAAD(associatedData(this.header, index, flags));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(body.length, 0);
    frame.writeUInt8(flags, 4);
    const chunk = Buffer.concat([frame, body, cipher.getAuthTag()]);
    this.queued += chunk.length;
    if (this.queued > this.maxPending) {
      this.fail(new Error('the recording folder does not keep up with the session'));
      return;
    }
    this.tail = this.tail.then(async () => {
      if (this.failure) return;
      try {
        await this.file.write(chunk, 0, chunk.length, null);
        this.fileBytes += chunk.length;
      } catch (error) {
        this.fail(error);
      } finally {
        this.queued -= chunk.length;
      }
    });
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    this.pending = [];
    this.pendingBytes = 0;
    this.onError(this.failure);
  }
}

export interface RecordingSummary {
  recordingId: string;
  keyId: string;
  /** The last chunk carries the final flag: the recording was closed, not cut off. */
  isComplete: boolean;
  plainBytes: number;
  chunks: number;
}

async function readHeader(file: FileHandle): Promise<Header> {
  const bytes = Buffer.alloc(HEADER_BYTES);
  const { bytesRead } = await file.read(bytes, 0, HEADER_BYTES, 0);
  if (bytesRead !== HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new RecordingIntegrityError('not a session recording');
  }
  return {
    bytes,
    recordingId: uuidText(bytes.subarray(8, 24)),
    keyId: bytes.subarray(24, 32).toString('hex'),
    salt: bytes.subarray(32, 64),
  };
}

/**
 * Reads a recording chunk by chunk, decrypting and authenticating each before handing its text on; never
 * more than one chunk in memory. Throws RecordingIntegrityError for a file that is not this recording, was
 * sealed with none of `keys`, or was changed anywhere. A file cut off after a whole chunk reads as
 * incomplete (`isComplete: false`): what a broker that stopped mid-session left, or a truncation, which the
 * caller tells apart from the recording's state in the database.
 */
export async function readRecording(
  path: string,
  expectedId: string,
  keys: readonly Buffer[],
  onChunk: (plain: Buffer) => Promise<void> | void = () => undefined,
): Promise<RecordingSummary> {
  const file = await open(path, 'r');
  try {
    const header = await readHeader(file);
    if (header.recordingId !== expectedId) {
      throw new RecordingIntegrityError('the file holds another recording');
    }
    const key = keys.find((k) => recordingKeyId(k) === header.keyId);
    if (!key) throw new RecordingIntegrityError('no configured recording key opens this file');
    const perFile = fileKey(key, header.salt);
    let position = HEADER_BYTES;
    let index = 0;
    let plainBytes = 0;
    const frame = Buffer.alloc(5);
    for (;;) {
      const { bytesRead } = await file.read(frame, 0, 5, position);
      if (bytesRead === 0) {
        return {
          recordingId: header.recordingId,
          keyId: header.keyId,
          isComplete: false,
          plainBytes,
          chunks: index,
        };
      }
      if (bytesRead !== 5) throw new RecordingIntegrityError(`chunk ${index} is cut off`);
      const length = frame.readUInt32BE(0);
      const flags = frame.readUInt8(4);
      if (length > CHUNK_BYTES || (flags !== 0 && flags !== FINAL)) {
        throw new RecordingIntegrityError(`chunk ${index} is malformed`);
      }
      const body = Buffer.alloc(length + TAG_BYTES);
      const read = await file.read(body, 0, body.length, position + 5);
      if (read.bytesRead !== body.length) throw new RecordingIntegrityError(`chunk ${index} is cut off`);
      let plain: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-gcm', perFile, nonce(index), { authTagLength: TAG_BYTES });
        decipher.setAAD(associatedData(header.bytes, index, flags));
        decipher.setAuthTag(body.subarray(length));
        plain = Buffer.concat([decipher.update(body.subarray(0, length)), decipher.final()]);
      } catch {
        throw new RecordingIntegrityError(`chunk ${index} fails its authentication (the file was changed)`);
      }
      position += 5 + body.length;
      index++;
      plainBytes += plain.length;
      await onChunk(plain);
      if (flags === FINAL) {
        const extra = await file.read(Buffer.alloc(1), 0, 1, position);
        if (extra.bytesRead !== 0) throw new RecordingIntegrityError('bytes follow the final chunk');
        return {
          recordingId: header.recordingId,
          keyId: header.keyId,
          isComplete: true,
          plainBytes,
          chunks: index,
        };
      }
    }
  } finally {
    await file.close();
  }
}
