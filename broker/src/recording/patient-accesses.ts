import type pg from 'pg';
import type { RecordingRow, RecordingStore } from './recording-store.js';

/**
 * Which recordings showed a patient's data. The portal, which runs inside the desktop, audits every read
 * and write of patient data in its own database; the broker knows when each user's recorded connections
 * were open. A record of user U at time T falls in U's recording open at T: a user has one desktop at a
 * time, and the portal is reached only from the desktops. What this cannot say is kept visible: a record
 * with no recording open at its moment (the user was not recorded, no screen was connected, or the
 * recording is gone) is listed as such, not dropped.
 *
 * The portal's trail is read through a role that may only read `audit_events`, never the portal's data.
 */
export interface PatientAccess {
  occurredAt: Date;
  actorId: string;
  type: string;
  outcome: string;
  patientId: string;
}

/** How far apart the two databases' clocks may be: both follow the data centre's NTP (LOG-3). */
export const MATCH_TOLERANCE_SECONDS = 2;

/** The most records one question reads from the portal's trail. */
export const MAX_ACCESSES = 2000;

export class PortalAuditReader {
  constructor(private readonly pool: pg.Pool) {}

  /** Records of one patient's data, newest first, in an optional window. */
  async ofPatient(patientId: string, from: Date | undefined, to: Date | undefined): Promise<PatientAccess[]> {
    const params: unknown[] = [patientId];
    const where = ['patient_id = $1', 'actor_id IS NOT NULL'];
    if (from) {
      params.push(from);
      where.push(`occurred_at >= $${params.length}`);
    }
    if (to) {
      params.push(to);
      where.push(`occurred_at <= $${params.length}`);
    }
    params.push(MAX_ACCESSES);
    return this.read(
      `SELECT occurred_at, actor_id, type, outcome, patient_id FROM audit_events
        WHERE ${where.join(' AND ')} ORDER BY occurred_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /** Records of patient data by one user within a window (a recording's), oldest first. */
  async byUserBetween(userId: string, from: Date, to: Date): Promise<PatientAccess[]> {
    return this.read(
      `SELECT occurred_at, actor_id, type, outcome, patient_id FROM audit_events
        WHERE actor_id = $1 AND patient_id IS NOT NULL AND occurred_at >= $2 AND occurred_at <= $3
        ORDER BY occurred_at, id LIMIT $4`,
      [userId, from, to, MAX_ACCESSES],
    );
  }

  private async read(sql: string, params: unknown[]): Promise<PatientAccess[]> {
    const { rows } = await this.pool.query<{
      occurred_at: Date;
      actor_id: string;
      type: string;
      outcome: string;
      patient_id: string;
    }>(sql, params);
    return rows.map((r) => ({
      occurredAt: r.occurred_at,
      actorId: r.actor_id,
      type: r.type,
      outcome: r.outcome,
      patientId: r.patient_id,
    }));
  }
}

export interface PatientRecordings {
  /** Recordings open while the patient's data was handled by their user, with those records. */
  matches: { recording: RecordingRow; accesses: PatientAccess[] }[];
  /** Records at moments no recording of their user was open. */
  unmatched: PatientAccess[];
  /** More records than were read: the oldest were left out. */
  isTruncated: boolean;
}

function isOpenAt(recording: RecordingRow, at: Date, now: Date): boolean {
  const slack = MATCH_TOLERANCE_SECONDS * 1000;
  const end = recording.endedAt ?? now;
  return recording.startedAt.getTime() - slack <= at.getTime() && at.getTime() <= end.getTime() + slack;
}

export async function recordingsForPatient(
  reader: PortalAuditReader,
  store: RecordingStore,
  patientId: string,
  window: { from?: Date; to?: Date },
  now = new Date(),
): Promise<PatientRecordings> {
  const accesses = await reader.ofPatient(patientId, window.from, window.to);
  if (accesses.length === 0) return { matches: [], unmatched: [], isTruncated: false };
  const times = accesses.map((a) => a.occurredAt.getTime());
  const slack = MATCH_TOLERANCE_SECONDS * 1000;
  const recordings = await store.ofUsersBetween(
    [...new Set(accesses.map((a) => a.actorId))],
    new Date(Math.min(...times) - slack),
    new Date(Math.max(...times) + slack),
  );
  const matched = new Map<string, { recording: RecordingRow; accesses: PatientAccess[] }>();
  const unmatched: PatientAccess[] = [];
  for (const access of accesses) {
    const open = recordings.filter((r) => r.userId === access.actorId && isOpenAt(r, access.occurredAt, now));
    if (open.length === 0) unmatched.push(access);
    for (const recording of open) {
      const entry = matched.get(recording.id) ?? { recording, accesses: [] };
      entry.accesses.push(access);
      matched.set(recording.id, entry);
    }
  }
  return {
    matches: [...matched.values()].sort(
      (a, b) => b.recording.startedAt.getTime() - a.recording.startedAt.getTime(),
    ),
    unmatched,
    isTruncated: accesses.length === MAX_ACCESSES,
  };
}
