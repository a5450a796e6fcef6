import type pg from 'pg';
import type { CanonicalEvent } from '../connectors/canonical-event.js';
import { storeEvents, type StoredEvents } from './store-events.js';
import { recordVendorSuccess } from './vendor-health.js';
import { withTransaction } from '@hcw/common';

export interface PulledBatch {
  vendor: string;
  events: readonly CanonicalEvent[];
  /** The cursor the batch was fetched from. */
  fromCursor: string | undefined;
  /** The cursor after it. */
  toCursor: string | undefined;
}

/** Test hooks for crash and race scenarios; never set in production. */
export interface IngestionFaults {
  /** Runs inside the transaction, after the events are written and before the commit. */
  beforeCommit?(batch: PulledBatch): Promise<void>;
}

export type StoredBatch = ({ outcome: 'stored' } & StoredEvents) | { outcome: 'cursor-moved' };

class CursorMoved extends Error {}

export async function readCursor(db: pg.ClientBase | pg.Pool, vendor: string): Promise<string | undefined> {
  const { rows } = await db.query<{ cursor: string | null }>(
    'SELECT cursor FROM timeline_vendor_cursors WHERE vendor = $1',
    [vendor],
  );
  return rows[0]?.cursor ?? undefined;
}

/**
 * Stores a pulled batch and moves the vendor's cursor past it in one transaction: a crash before the
 * commit leaves both untouched, so the batch is fetched again and stored once. The cursor moves only from
 * where the batch was fetched: if another portal instance moved it meanwhile, nothing is written and the
 * caller fetches again from the new position, so a cursor never goes backwards and no batch is skipped.
 */
export async function storePulledBatch(
  pool: pg.Pool,
  batch: PulledBatch,
  faults: IngestionFaults = {},
): Promise<StoredBatch> {
  try {
    return await withTransaction(pool, async (client) => {
      const stored = await storeEvents(client, batch.events);
      const moved = await client.query(
        `INSERT INTO timeline_vendor_cursors AS c (vendor, cursor) VALUES ($1, $3)
         ON CONFLICT (vendor) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now()
         WHERE c.cursor IS NOT DISTINCT FROM $2`,
        [batch.vendor, batch.fromCursor ?? null, batch.toCursor ?? null],
      );
      if (moved.rowCount === 0) throw new CursorMoved();
      await recordVendorSuccess(client, batch.vendor);
      await faults.beforeCommit?.(batch);
      return { outcome: 'stored' as const, ...stored };
    });
  } catch (error) {
    if (error instanceof CursorMoved) return { outcome: 'cursor-moved' };
    throw error;
  }
}
