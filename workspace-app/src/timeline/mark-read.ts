import type pg from 'pg';

/** Marks one item read; false when it is not in the practitioner's inbox. */
export async function markRead(
  db: pg.Pool | pg.ClientBase,
  practitionerId: string,
  eventId: number,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE timeline_inbox SET read_at = coalesce(read_at, now())
     WHERE practitioner_id = $1 AND event_id = $2`,
    [practitionerId, eventId],
  );
  return (rowCount ?? 0) > 0;
}

/** Marks everything read, or everything from one source; returns how many items changed. */
export async function markAllRead(
  db: pg.Pool | pg.ClientBase,
  practitionerId: string,
  source?: string,
): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE timeline_inbox SET read_at = now()
     WHERE practitioner_id = $1 AND read_at IS NULL AND ($2::text IS NULL OR vendor = $2)`,
    [practitionerId, source ?? null],
  );
  return rowCount ?? 0;
}
