import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { z } from 'zod';
import type { AuditEventType } from './audit-event-types.js';
import { canonicalJson } from './canonical-json.js';

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
  details: z
    .custom<AuditDetails>(isFlatDetails, {
      message: 'details must be flat: strings of at most 2000 characters, numbers, booleans or null',
    })
    .default({}),
});

export type AuditDetails = Record<string, string | number | boolean | null>;

/** The details check, written out: it runs for every audited read, and a schema library costs 10× more. */
function isFlatDetails(value: unknown): value is AuditDetails {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const field = (value as Record<string, unknown>)[key];
    const kind = typeof field;
    if (kind === 'string') {
      if ((field as string).length > 2000) return false;
    } else if (!(kind === 'number' || kind === 'boolean' || field === null)) {
      return false;
    }
  }
  return true;
}
/** An event to record: its type one of the vocabulary's (checked when the code is built). */
export type AuditEvent = Omit<z.input<typeof AuditEvent>, 'type'> & { type: AuditEventType };

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

/**
 * A row's hash: the previous row's hash and this row's content, canonically serialised (keys sorted at every
 * level). Written out field by field in the sorted order rather than sorting each time: this runs for every
 * appended row, and must give exactly the text `canonicalJson` gives, or older rows would no longer verify.
 */
export function auditRowHash(
  previousHash: string,
  row: Omit<StoredRow, 'id' | 'hash' | 'previous_hash'>,
): string {
  const content =
    `{"actorId":${JSON.stringify(row.actor_id)},"actorOrganisation":${JSON.stringify(row.actor_organisation)}` +
    `,"clientAddress":${JSON.stringify(row.client_address)},"details":${canonicalJson(row.details)}` +
    `,"occurredAt":${JSON.stringify(row.occurred_at.toISOString())},"outcome":${JSON.stringify(row.outcome)}` +
    `,"patientId":${JSON.stringify(row.patient_id)},"type":${JSON.stringify(row.type)}}`;
  return createHash('sha256').update(previousHash).update('\n').update(content).digest('hex');
}

/** One caller's events: appended together, in one transaction, or not at all. */
interface Pending {
  events: z.output<typeof AuditEvent>[];
  resolve(): void;
  reject(error: unknown): void;
  /** performance.now() when it was queued. */
  queuedAt: number;
}

export interface AuditTrailOptions {
  /** The most events one transaction appends (500). */
  maxBatch?: number;
}

/** Where the audit writer's time went (see `AuditTrail.timings`), all zero. */
export function emptyAuditTimings(): {
  callers: number;
  queuedMs: number;
  connectMs: number;
  lockMs: number;
  headMs: number;
  insertMs: number;
  commitMs: number;
} {
  return { callers: 0, queuedMs: 0, connectMs: 0, lockMs: 0, headMs: 0, insertMs: 0, commitMs: 0 };
}

/**
 * Appends to the trail without making the product wait in line. Events are queued and written by one
 * writer per process, a batch per transaction: whatever arrived while the previous batch was being written
 * goes into the next one, chained row by row in arrival order. A caller's promise resolves only once its
 * event is committed, so an audited action still never proceeds unrecorded. Across processes (several
 * brokers on one database) a transaction-scoped lock keeps the chain one line; it is taken once per batch,
 * not once per event, so the append rate grows with the load instead of capping it.
 */
export class AuditTrail {
  private readonly queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private readonly maxBatch: number;
  /** Transactions that appended events, for tests and metrics: far fewer than events under load. */
  batchesWritten = 0;
  /**
   * Where the writer's time went, summed over every transaction since it started (milliseconds): waiting in
   * the queue (per caller), taking a connection, the chain lock with BEGIN, reading the chain's head, the one
   * INSERT, and COMMIT. For benchmarks and metrics; reading it costs nothing.
   */
  readonly timings = emptyAuditTimings();

  constructor(
    private readonly pool: pg.Pool,
    options: AuditTrailOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
  }

  /** Appends one event; resolves when it is committed. */
  record(input: AuditEvent): Promise<void> {
    return this.recordAll([input]);
  }

  /**
   * Appends several events in order, all in the same transaction: all of them are in the trail, or none (an
   * action that leaves more than one row, such as a sign-in that ends another). Resolves when committed.
   */
  async recordAll(inputs: readonly AuditEvent[]): Promise<void> {
    // Parsed before queueing: an invalid event is the caller's error, never a batch's.
    const events = inputs.map((input) => AuditEvent.parse(input));
    if (events.length === 0) return;
    const committed = new Promise<void>((resolve, reject) =>
      this.queue.push({ events, resolve, reject, queuedAt: performance.now() }),
    );
    this.startWriting();
    await committed;
  }

  /** Resolves once everything queued so far is written (or has failed). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private startWriting(): void {
    if (this.writing || this.queue.length === 0) return;
    this.writing = this.writeQueued().finally(() => {
      this.writing = undefined;
      this.startWriting();
    });
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      // Whole callers only, up to maxBatch events (a caller with more goes alone).
      let size = this.queue[0]!.events.length;
      let count = 1;
      while (count < this.queue.length && size + this.queue[count]!.events.length <= this.maxBatch) {
        size += this.queue[count]!.events.length;
        count++;
      }
      const batch = this.queue.splice(0, count);
      const startedAt = performance.now();
      for (const pending of batch) this.timings.queuedMs += startedAt - pending.queuedAt;
      this.timings.callers += batch.length;
      try {
        await this.append(batch.flatMap((pending) => pending.events));
        this.batchesWritten++;
        for (const pending of batch) pending.resolve();
      } catch (error) {
        if (batch.length === 1) {
          batch[0]!.reject(error);
          continue;
        }
        // One caller's event the database refuses must not fail the others: each is tried on its own.
        for (const pending of batch) {
          try {
            await this.append(pending.events);
            this.batchesWritten++;
            pending.resolve();
          } catch (alone) {
            pending.reject(alone);
          }
        }
      }
    }
  }

  private async append(events: z.output<typeof AuditEvent>[]): Promise<void> {
    let mark = performance.now();
    const lap = (phase: 'connectMs' | 'lockMs' | 'headMs' | 'insertMs' | 'commitMs') => {
      const now = performance.now();
      this.timings[phase] += now - mark;
      mark = now;
    };
    const client = await this.pool.connect();
    lap('connectMs');
    try {
      // One batch at a time across every process writing to this database, so the chain stays one line. Sent
      // as one message: every round trip here is time every waiting request waits.
      await client.query("BEGIN; SELECT pg_advisory_xact_lock(hashtext('audit_events'))");
      lap('lockMs');
      // The database server's clock is the one trusted, synchronised clock (LOG-3).
      const head = await client.query<{ hash: string | null; now: Date }>(
        `SELECT (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1) AS hash,
                date_trunc('milliseconds', clock_timestamp()) AS now`,
      );
      lap('headMs');
      const occurredAt = head.rows[0]!.now;
      let previousHash = head.rows[0]!.hash ?? GENESIS;
      const columns: unknown[][] = Array.from({ length: 10 }, () => []);
      for (const event of events) {
        const row = {
          occurred_at: occurredAt,
          type: event.type,
          outcome: event.outcome,
          actor_id: event.actorId ?? null,
          actor_organisation: event.actorOrganisation ?? null,
          client_address: event.clientAddress ?? null,
          patient_id: event.patientId ?? null,
          details: event.details,
        };
        const hash = auditRowHash(previousHash, row);
        const values = [
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
        ];
        values.forEach((value, i) => columns[i]!.push(value));
        previousHash = hash;
      }
      // One statement for the whole batch; rows take their IDs in the order they were chained.
      await client.query(
        `INSERT INTO audit_events (occurred_at, type, outcome, actor_id, actor_organisation, client_address,
           patient_id, details, previous_hash, hash)
         SELECT occurred_at, type, outcome, actor_id, actor_organisation, client_address, patient_id,
           details::jsonb, previous_hash, hash
         FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
           $7::text[], $8::text[], $9::text[], $10::text[])
           WITH ORDINALITY AS batch (occurred_at, type, outcome, actor_id, actor_organisation, client_address,
             patient_id, details, previous_hash, hash, position)
         ORDER BY position`,
        columns,
      );
      lap('insertMs');
      await client.query('COMMIT');
      lap('commitMs');
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
      if (auditRowHash(previous, row) !== row.hash) {
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
