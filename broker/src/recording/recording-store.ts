import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type pg from 'pg';

/**
 * What the broker knows of each recording, in PostgreSQL: who, when, which desktop, how large, and its state.
 * The recording itself is a file in the recording folder, named by its ID; the database never holds its
 * bytes or its key. Times are the database server's clock, the same one the audit trail uses (LOG-3).
 */
export type RecordingState = 'recording' | 'complete' | 'failed' | 'deleted';

export interface RecordingRow {
  id: string;
  userId: string;
  userDisplayName: string;
  userOrganisation: string;
  desktopId: string;
  poolId: string;
  sessionRef: string;
  brokerInstance: string;
  keyId: string;
  state: RecordingState;
  startedAt: Date;
  /** When the first frame went to the device: where the player's position 0 is on the clock. */
  firstFrameAt: Date | null;
  endedAt: Date | null;
  expiresAt: Date;
  fileBytes: number;
  plainBytes: number;
  failure: string | null;
  deletedAt: Date | null;
}

export interface NewRecording {
  userId: string;
  userDisplayName: string;
  userOrganisation: string;
  desktopId: string;
  poolId: string;
  sessionRef: string;
  brokerInstance: string;
  keyId: string;
  /** How long it is kept from now, from its pool's policy. */
  retentionSeconds: number;
}

export interface RecordingSearch {
  user?: string;
  from?: Date;
  to?: Date;
}

interface Stored {
  id: string;
  user_id: string;
  user_display_name: string;
  user_organisation: string;
  desktop_id: string;
  pool_id: string;
  session_ref: string;
  broker_instance: string;
  key_id: string;
  state: RecordingState;
  started_at: Date;
  first_frame_at: Date | null;
  ended_at: Date | null;
  expires_at: Date;
  file_bytes: string;
  plain_bytes: string;
  failure: string | null;
  deleted_at: Date | null;
}

function toRow(r: Stored): RecordingRow {
  return {
    id: r.id,
    userId: r.user_id,
    userDisplayName: r.user_display_name,
    userOrganisation: r.user_organisation,
    desktopId: r.desktop_id,
    poolId: r.pool_id,
    sessionRef: r.session_ref,
    brokerInstance: r.broker_instance,
    keyId: r.key_id,
    state: r.state,
    startedAt: r.started_at,
    firstFrameAt: r.first_frame_at,
    endedAt: r.ended_at,
    expiresAt: r.expires_at,
    fileBytes: Number(r.file_bytes),
    plainBytes: Number(r.plain_bytes),
    failure: r.failure,
    deletedAt: r.deleted_at,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A session longer than this cannot exist (a pool's longest sign-in is 24 hours): a recording still open then was cut off. */
const LONGEST_SESSION_HOURS = 25;

export class RecordingStore {
  constructor(
    private readonly pool: pg.Pool,
    /** The recording folder: one file per recording, `<id>.rec`. */
    readonly dir: string,
  ) {}

  /** Where a recording's file is. The ID is checked, so no path is ever built from anything else. */
  fileOf(id: string): string {
    if (!UUID.test(id)) throw new Error('a recording ID is a UUID');
    return path.join(this.dir, `${id}.rec`);
  }

  /** Adds a recording that starts now; it expires after the retention period. */
  async begin(recording: NewRecording): Promise<RecordingRow> {
    const { rows } = await this.pool.query<Stored>(
      `INSERT INTO session_recordings (id, user_id, user_display_name, user_organisation, desktop_id, pool_id,
         session_ref, broker_instance, key_id, state, started_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'recording', now(), now() + make_interval(secs => $10))
       RETURNING *`,
      [
        randomUUID(),
        recording.userId,
        recording.userDisplayName,
        recording.userOrganisation,
        recording.desktopId,
        recording.poolId,
        recording.sessionRef,
        recording.brokerInstance,
        recording.keyId,
        recording.retentionSeconds,
      ],
    );
    return toRow(rows[0]!);
  }

  async markFirstFrame(id: string, at: Date): Promise<void> {
    await this.pool.query(
      'UPDATE session_recordings SET first_frame_at = $2 WHERE id = $1 AND first_frame_at IS NULL',
      [id, at],
    );
  }

  async finish(
    id: string,
    outcome: { fileBytes: number; plainBytes: number; failure?: string },
  ): Promise<void> {
    await this.pool.query(
      `UPDATE session_recordings SET ended_at = now(), state = $2, file_bytes = $3, plain_bytes = $4, failure = $5
        WHERE id = $1 AND state = 'recording'`,
      [
        id,
        outcome.failure ? 'failed' : 'complete',
        outcome.fileBytes,
        outcome.plainBytes,
        outcome.failure?.slice(0, 300) ?? null,
      ],
    );
  }

  async get(id: string): Promise<RecordingRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const { rows } = await this.pool.query<Stored>('SELECT * FROM session_recordings WHERE id = $1', [id]);
    return rows[0] && toRow(rows[0]);
  }

  /** Recordings not deleted, newest first: of one user, overlapping a time window, or both. */
  async search(query: RecordingSearch, limit: number): Promise<RecordingRow[]> {
    const where = ['deleted_at IS NULL'];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown): void => {
      params.push(value);
      where.push(sql.replaceAll('?', `$${params.length}`));
    };
    if (query.user) add('user_id = ?', query.user);
    // Overlapping the window, not only starting in it: a session that began before `from` still shows what
    // happened after it.
    if (query.from) add('(ended_at IS NULL OR ended_at >= ?)', query.from);
    if (query.to) add('started_at <= ?', query.to);
    params.push(limit);
    const { rows } = await this.pool.query<Stored>(
      `SELECT * FROM session_recordings WHERE ${where.join(' AND ')} ORDER BY started_at DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRow);
  }

  /** Recordings of these users that were open at any moment between `from` and `to`, deleted ones included. */
  async ofUsersBetween(userIds: readonly string[], from: Date, to: Date): Promise<RecordingRow[]> {
    if (userIds.length === 0) return [];
    const { rows } = await this.pool.query<Stored>(
      `SELECT * FROM session_recordings
        WHERE user_id = ANY($1::text[]) AND started_at <= $3 AND (ended_at IS NULL OR ended_at >= $2)
        ORDER BY started_at`,
      [userIds, from, to],
    );
    return rows.map(toRow);
  }

  /**
   * Deletes up to `limit` expired recordings, one transaction each: the row is locked (another broker's sweep
   * skips it), handed to `remove` (which deletes the file and records the deletion), then marked deleted. A
   * recording still being written is left alone unless it was cut off long ago.
   */
  async deleteExpired(limit: number, remove: (row: RecordingRow) => Promise<void>): Promise<RecordingRow[]> {
    const deleted: RecordingRow[] = [];
    const client = await this.pool.connect();
    try {
      while (deleted.length < limit) {
        await client.query('BEGIN');
        try {
          const { rows } = await client.query<Stored>(
            `SELECT * FROM session_recordings
              WHERE deleted_at IS NULL AND expires_at <= now()
                AND (state <> 'recording' OR started_at < now() - make_interval(hours => $1))
              ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
            [LONGEST_SESSION_HOURS],
          );
          const row = rows[0] && toRow(rows[0]);
          if (!row) {
            await client.query('COMMIT');
            break;
          }
          await remove(row);
          await client.query(
            "UPDATE session_recordings SET state = 'deleted', deleted_at = now() WHERE id = $1",
            [row.id],
          );
          await client.query('COMMIT');
          deleted.push(row);
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
    } finally {
      client.release();
    }
    return deleted;
  }
}
