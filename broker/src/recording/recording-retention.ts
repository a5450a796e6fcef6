import { unlink } from 'node:fs/promises';
import type { AuditTrail } from '@hcw/common';
import type { RecordingRow, RecordingStore } from './recording-store.js';

export interface RetentionDeps {
  store: RecordingStore;
  audit: AuditTrail;
  intervalMs: number;
  log(message: string): void;
}

/**
 * Deletes recordings whose retention period is over: the file first, then the record of the deletion in the
 * audit trail, then the row is marked deleted. A broker that stops between the first two finds the row
 * again at its next sweep, finds the file already gone, and records the deletion then: a deletion may be
 * recorded twice, never not at all. Every broker sweeps; a row being deleted is locked, so each is deleted
 * by one of them.
 */
export class RecordingRetention {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(private readonly deps: RetentionDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.deps.intervalMs);
    this.timer.unref();
    void this.sweep();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** One sweep; resolves with how many recordings it deleted. Never throws. */
  sweep(): Promise<number> {
    this.sweeping ??= this.deleteExpired().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async deleteExpired(): Promise<number> {
    let deleted = 0;
    try {
      for (;;) {
        const batch = await this.deps.store.deleteExpired(50, (row) => this.remove(row));
        deleted += batch.length;
        if (batch.length < 50) break;
      }
    } catch (error) {
      this.deps.log(`recording retention: ${(error as Error).message}`);
    }
    return deleted;
  }

  private async remove(row: RecordingRow): Promise<void> {
    let wasFilePresent = true;
    try {
      await unlink(this.deps.store.fileOf(row.id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      wasFilePresent = false;
    }
    // The user whose session it was is the record's actor, as for every event about a user's desktop.
    await this.deps.audit.record({
      type: 'recording-delete',
      outcome: 'success',
      actorId: row.userId,
      actorOrganisation: row.userOrganisation,
      details: {
        recordingId: row.id,
        desktopId: row.desktopId,
        pool: row.poolId,
        startedAt: row.startedAt.toISOString(),
        endedAt: row.endedAt?.toISOString() ?? null,
        expiresAt: row.expiresAt.toISOString(),
        reason: 'retention-period-over',
        wasFilePresent,
      },
    });
  }
}
