import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { z } from 'zod';

/**
 * The one writer of the audit trail, used by the broker (sign-ins, connections, administration) and the
 * portal (every read or write of patient data). Details never hold secrets or tokens: callers pass only
 * what an auditor needs, and the schema limits it to flat values.
 */
export const AuditEvent = z.object({
  type: z.string().min(1).max(100),
  outcome: z.enum(['success', 'failure']),
  actorId: z.string().max(200).optional(),
  actorOrganisation: z.string().max(200).optional(),
  clientAddress: z.string().max(100).optional(),
  patientId: z.string().max(200).optional(),
  details: z.record(z.union([z.string().max(2000), z.number(), z.boolean(), z.null()])).default({}),
});
export type AuditEvent = z.input<typeof AuditEvent>;

export const AUDIT_MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const GENESIS = '0'.repeat(64);

interface StoredRow {
  id: string;
  occurred_at: Date;
  type: string;
  outcome: string;
  actor_id: string | null;
  actor_organisation: string | null;
  client_address: string | null;
  patient_id: string | null;
  details: Record<string, unknown>;
  previous_hash: string;
  hash: string;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function rowHash(previousHash: string, row: Omit<StoredRow, 'id' | 'hash' | 'previous_hash'>): string {
  const content = canonical({
    occurredAt: row.occurred_at.toISOString(),
    type: row.type,
    outcome: row.outcome,
    actorId: row.actor_id,
    actorOrganisation: row.actor_organisation,
    clientAddress: row.client_address,
    patientId: row.patient_id,
    details: row.details,
  });
  return createHash('sha256').update(previousHash).update('\n').update(content).digest('hex');
}

export class AuditTrail {
  constructor(private readonly pool: pg.Pool) {}

  async record(input: AuditEvent): Promise<void> {
    await this.recordAll([input]);
  }

  /**
   * Records several events in one transaction: all of them are in the trail, or none. For an action that
   * must be recorded before it is allowed and leaves more than one row (a sign-in that ends another).
   */
  async recordAll(inputs: readonly AuditEvent[]): Promise<void> {
    const events = inputs.map((input) => AuditEvent.parse(input));
    if (events.length === 0) return;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // One writer at a time, so every row chains to the one truly before it.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('audit_events'))");
      const last = await client.query<{ hash: string }>(
        'SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1',
      );
      let previousHash = last.rows[0]?.hash ?? GENESIS;
      for (const event of events) {
        // The database server's clock is the one trusted, synchronised clock (LOG-3).
        const now = await client.query<{ now: Date }>(
          "SELECT date_trunc('milliseconds', clock_timestamp()) AS now",
        );
        const row = {
          occurred_at: now.rows[0]!.now,
          type: event.type,
          outcome: event.outcome,
          actor_id: event.actorId ?? null,
          actor_organisation: event.actorOrganisation ?? null,
          client_address: event.clientAddress ?? null,
          patient_id: event.patientId ?? null,
          details: event.details,
        };
        const hash = rowHash(previousHash, row);
        await client.query(
          `INSERT INTO audit_events (occurred_at, type, outcome, actor_id, actor_organisation, client_address,
             patient_id, details, previous_hash, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [
            row.occurred_at,
            row.type,
            row.outcome,
            row.actor_id,
            row.actor_organisation,
            row.client_address,
            row.patient_id,
            JSON.stringify(row.details),
            previousHash,
            hash,
          ],
        );
        previousHash = hash;
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

export type ChainVerdict =
  { ok: true; checked: number } | { ok: false; checked: number; firstBadId: string; problem: string };

/** Walks the whole trail and names the first row that was changed, removed or inserted. */
export async function verifyAuditChain(pool: pg.Pool, batchSize = 5000): Promise<ChainVerdict> {
  let previous = GENESIS;
  let checked = 0;
  let afterId: number | string = 0;
  // In batches, so a trail of millions of rows is verified in constant memory.
  for (;;) {
    const { rows }: { rows: StoredRow[] } = await pool.query<StoredRow>(
      'SELECT * FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2',
      [afterId, batchSize],
    );
    for (const row of rows) {
      if (row.previous_hash !== previous) {
        return {
          ok: false,
          checked,
          firstBadId: row.id,
          problem: 'does not follow the row before it (a row was removed or inserted)',
        };
      }
      if (rowHash(previous, row) !== row.hash) {
        return {
          ok: false,
          checked,
          firstBadId: row.id,
          problem: 'its content does not match its hash (it was changed)',
        };
      }
      previous = row.hash;
      checked++;
    }
    const last: StoredRow | undefined = rows.at(-1);
    if (!last || rows.length < batchSize) return { ok: true, checked };
    afterId = last.id;
  }
}
