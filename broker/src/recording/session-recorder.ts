import type { AuditTrail } from '@hcw/common';
import type { SignedInUser } from '../auth/signed-in-user.js';
import { sessionRef } from '../admin/session-facts.js';
import { RecordingWriter, recordingKeyId } from './recording-file.js';
import type { RecordingStore } from './recording-store.js';
import { auditActor } from '../audit/audit-actor.js';

/** What the user reads when their recorded session cannot be kept, and so cannot go on. */
export const RECORDING_FAILED_MESSAGE =
  '録画を保存できないため、接続を終了しました。しばらくしてからもう一度お試しください。 / ' +
  'The session recording could not be kept, so the connection was closed. Please try again later.';

export interface RecorderDeps {
  store: RecordingStore;
  /** The current recording key: every new recording is sealed with it. */
  key: Buffer;
  audit: AuditTrail;
  instanceId: string;
  log(message: string): void;
  /** How often what is waiting is sealed even if its chunk is not full (5 s): a cut-off session loses no more. */
  flushIntervalMs?: number;
}

export interface RecordingSubject {
  user: SignedInUser;
  sessionId: string;
  desktopId: string;
  poolId: string;
  retentionDays: number;
}

/** Text the recorder holds while its file is being opened; a slow database beyond this ends the session. */
const MAX_EARLY_BYTES = 8 * 1024 * 1024;

/**
 * Records one tunnel: every instruction the device is sent, from the first. The recording's row and file
 * are opened in the background while the text is held in memory, so the connection is not delayed; anything
 * that stops the recording (no row, no file, a failed write) calls `onFailure` once, and the tunnel is
 * closed: a session the policy says is recorded never goes on unrecorded.
 */
export class SessionRecorder {
  private writer: RecordingWriter | undefined;
  private early: string[] = [];
  private earlyBytes = 0;
  private failure: string | undefined;
  private recordingId: string | undefined;
  private readonly opening: Promise<void>;
  private readonly flusher: NodeJS.Timeout;
  private isStopped = false;
  private firstFrameAt: Date | undefined;
  private firstFrameNoted: Promise<void> = Promise.resolve();
  private failureRecorded: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly deps: RecorderDeps,
    private readonly subject: RecordingSubject,
    private readonly onFailure: (reason: string) => void,
  ) {
    this.opening = this.open();
    this.flusher = setInterval(() => this.writer?.flush(), deps.flushIntervalMs ?? 5000);
    this.flusher.unref();
  }

  /** The recording's ID, once its row exists. */
  get id(): string | undefined {
    return this.recordingId;
  }

  write(text: string): void {
    if (this.failure || this.isStopped) return;
    // guacd's frame timestamps count from an arbitrary point (its host's uptime): the player's positions are
    // put on the clock by when the first frame passed here.
    if (!this.firstFrameAt && text.includes('4.sync,')) {
      this.firstFrameAt = new Date();
      this.firstFrameNoted = this.opening.then(() => this.noteFirstFrame());
    }
    if (this.writer) {
      this.writer.write(text);
      return;
    }
    this.early.push(text);
    this.earlyBytes += text.length;
    if (this.earlyBytes > MAX_EARLY_BYTES) this.fail('the recording could not be opened in time');
  }

  /** Seals the recording and records how it ended; every call waits for the same end. Never throws. */
  stop(): Promise<void> {
    this.stopping ??= this.end();
    return this.stopping;
  }

  private async end(): Promise<void> {
    this.isStopped = true;
    clearInterval(this.flusher);
    await this.opening;
    await this.firstFrameNoted;
    if (!this.recordingId) {
      await this.failureRecorded;
      return;
    }
    const writer = this.writer;
    const lost = await writer?.close();
    if (lost) this.fail(errorCode(lost));
    try {
      await this.deps.store.finish(this.recordingId, {
        fileBytes: writer?.fileBytes ?? 0,
        plainBytes: writer?.plainBytes ?? 0,
        failure: this.failure,
      });
    } catch (error) {
      this.deps.log(`recording ${this.recordingId}: could not record its end: ${(error as Error).message}`);
    }
    await this.failureRecorded;
  }

  private async open(): Promise<void> {
    const { store, key, audit, instanceId } = this.deps;
    const { user, desktopId, poolId, sessionId, retentionDays } = this.subject;
    try {
      const row = await store.begin({
        userId: user.id,
        userDisplayName: user.displayName,
        userOrganisation: user.organisation,
        desktopId,
        poolId,
        sessionRef: sessionRef(sessionId),
        brokerInstance: instanceId,
        keyId: recordingKeyId(key),
        retentionSeconds: Math.round(retentionDays * 86400),
      });
      this.recordingId = row.id;
      const writer = await RecordingWriter.create(store.fileOf(row.id), {
        recordingId: row.id,
        key,
        onError: (error) => this.fail(errorCode(error)),
      });
      // What arrived while the file was being opened goes first, before anything that arrives from now on.
      for (const text of this.early) writer.write(text);
      this.early = [];
      this.earlyBytes = 0;
      this.writer = writer;
      await audit.record({
        type: 'recording-start',
        outcome: 'success',
        ...auditActor(user),
        details: { recordingId: row.id, desktopId, pool: poolId, expiresAt: row.expiresAt.toISOString() },
      });
    } catch (error) {
      this.fail(errorCode(error));
    }
  }

  private async noteFirstFrame(): Promise<void> {
    if (!this.recordingId || !this.firstFrameAt) return;
    await this.deps.store
      .markFirstFrame(this.recordingId, this.firstFrameAt)
      .catch((error: Error) => this.deps.log(`recording ${this.recordingId}: ${error.message}`));
  }

  private fail(reason: string): void {
    if (this.failure) return;
    this.failure = reason;
    this.early = [];
    const { user, desktopId, poolId } = this.subject;
    this.deps.log(`recording ${this.recordingId ?? '(not opened)'} of ${user.id} failed: ${reason}`);
    this.failureRecorded = this.deps.audit
      .record({
        type: 'recording-failure',
        outcome: 'failure',
        ...auditActor(user),
        details: { recordingId: this.recordingId ?? null, desktopId, pool: poolId, reason },
      })
      .catch((error: Error) => this.deps.log(`audit: ${error.message}`));
    this.onFailure(reason);
  }
}

/** What went wrong, without paths or other detail a log or the audit trail should not carry. */
function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 200);
}
