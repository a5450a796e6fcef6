import type pg from 'pg';

/** Whether a vendor's events are reaching the timeline, as the timeline page shows it. */
export interface VendorHealth {
  vendor: string;
  lastAttemptAt: Date | null;
  lastSuccessAt: Date | null;
  /** Since when nothing new has arrived from this vendor because it fails; null while it works. */
  staleSince: Date | null;
  consecutiveFailures: number;
  lastProblem: string | null;
}

/** A contact that worked: events stored, or the vendor's status endpoint answered. */
export async function recordVendorSuccess(db: pg.ClientBase | pg.Pool, vendor: string): Promise<void> {
  await db.query(
    `INSERT INTO timeline_vendor_health (vendor, last_attempt_at, last_success_at)
     VALUES ($1, now(), now())
     ON CONFLICT (vendor) DO UPDATE SET last_attempt_at = now(), last_success_at = now(), stale_since = NULL,
       consecutive_failures = 0, last_problem = NULL`,
    [vendor],
  );
}

/**
 * A contact that failed. The vendor is stale from its last success on (the timeline is complete up to
 * then), or from this failure when it never worked. `problem` is a typed reason, never payload content.
 */
export async function recordVendorFailure(
  db: pg.ClientBase | pg.Pool,
  vendor: string,
  problem: string,
): Promise<void> {
  await db.query(
    `INSERT INTO timeline_vendor_health (vendor, last_attempt_at, stale_since, consecutive_failures, last_problem)
     VALUES ($1, now(), now(), 1, $2)
     ON CONFLICT (vendor) DO UPDATE SET last_attempt_at = now(),
       stale_since = coalesce(timeline_vendor_health.stale_since, timeline_vendor_health.last_success_at, now()),
       consecutive_failures = timeline_vendor_health.consecutive_failures + 1, last_problem = $2`,
    [vendor, problem.slice(0, 500)],
  );
}

export async function listVendorHealth(db: pg.ClientBase | pg.Pool): Promise<VendorHealth[]> {
  const { rows } = await db.query<{
    vendor: string;
    last_attempt_at: Date | null;
    last_success_at: Date | null;
    stale_since: Date | null;
    consecutive_failures: number;
    last_problem: string | null;
  }>('SELECT * FROM timeline_vendor_health ORDER BY vendor');
  return rows.map((row) => ({
    vendor: row.vendor,
    lastAttemptAt: row.last_attempt_at,
    lastSuccessAt: row.last_success_at,
    staleSince: row.stale_since,
    consecutiveFailures: row.consecutive_failures,
    lastProblem: row.last_problem,
  }));
}
