import type pg from 'pg';
import { announceDeliveries, deliveriesFrom } from './timeline-announcement.js';
import { lockAccounts } from './store-events.js';
import { withTransaction } from '@hcw/common';

/** A practitioner's account at one vendor, as they linked it to their portal identity. */
export interface AccountLink {
  practitionerId: string;
  vendor: string;
  vendorAccount: string;
  status: 'pending' | 'confirmed';
  requestedAt: Date;
  confirmedAt: Date | null;
  confirmedBy: string | null;
}

export type AccountLinkKey = Pick<AccountLink, 'practitionerId' | 'vendor' | 'vendorAccount'>;

// A newly confirmed account brings its recent history along, not years of it.
const BACKFILL_DAYS = 90;
const BACKFILL_LIMIT = 5_000;

interface LinkRow {
  practitioner_id: string;
  vendor: string;
  vendor_account: string;
  status: 'pending' | 'confirmed';
  requested_at: Date;
  confirmed_at: Date | null;
  confirmed_by: string | null;
}

const fromRow = (row: LinkRow): AccountLink => ({
  practitionerId: row.practitioner_id,
  vendor: row.vendor,
  vendorAccount: row.vendor_account,
  status: row.status,
  requestedAt: row.requested_at,
  confirmedAt: row.confirmed_at,
  confirmedBy: row.confirmed_by,
});

/** A practitioner claims an account; nothing flows until an administrator confirms it. */
export async function requestAccountLink(db: pg.Pool | pg.ClientBase, key: AccountLinkKey): Promise<void> {
  await db.query(
    `INSERT INTO timeline_account_links (practitioner_id, vendor, vendor_account) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING`,
    [key.practitionerId, key.vendor, key.vendorAccount],
  );
}

/**
 * Confirms a link and copies the account's recent events into the practitioner's inbox, in one
 * transaction. Returns false when there was no such link.
 */
export async function confirmAccountLink(
  pool: pg.Pool,
  key: AccountLinkKey,
  confirmedBy: string,
): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    await lockAccounts(client, [`${key.vendor}:${key.vendorAccount}`], 'exclusive');
    const confirmed = await client.query(
      `UPDATE timeline_account_links SET status = 'confirmed', confirmed_at = now(), confirmed_by = $4
       WHERE practitioner_id = $1 AND vendor = $2 AND vendor_account = $3`,
      [key.practitionerId, key.vendor, key.vendorAccount, confirmedBy],
    );
    if (confirmed.rowCount === 0) return false;
    const backfilled = await client.query<{ practitioner_id: string; event_id: string }>(
      `INSERT INTO timeline_inbox (practitioner_id, event_id, occurred_at, vendor)
       SELECT $1, r.event_id, r.occurred_at, r.vendor FROM timeline_event_receipts r
       WHERE r.vendor = $2 AND r.vendor_account = $3 AND r.occurred_at > now() - make_interval(days => $4)
       ORDER BY r.occurred_at DESC LIMIT $5
       ON CONFLICT DO NOTHING
       RETURNING practitioner_id, event_id`,
      [key.practitionerId, key.vendor, key.vendorAccount, BACKFILL_DAYS, BACKFILL_LIMIT],
    );
    await announceDeliveries(
      client,
      deliveriesFrom(backfilled.rows.map((row) => [row.practitioner_id, row.event_id] as const)),
    );
    return true;
  });
}

/** Unlinks an account; its events leave the practitioner's timeline with it. */
export async function removeAccountLink(pool: pg.Pool, key: AccountLinkKey): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    await lockAccounts(client, [`${key.vendor}:${key.vendorAccount}`], 'exclusive');
    const removed = await client.query(
      'DELETE FROM timeline_account_links WHERE practitioner_id = $1 AND vendor = $2 AND vendor_account = $3',
      [key.practitionerId, key.vendor, key.vendorAccount],
    );
    await client.query(
      // Unless another of the practitioner's links also received the event.
      `DELETE FROM timeline_inbox i USING timeline_event_receipts r
       WHERE i.practitioner_id = $1 AND i.event_id = r.event_id AND r.vendor = $2 AND r.vendor_account = $3
         AND NOT EXISTS (
           SELECT 1 FROM timeline_event_receipts other
           JOIN timeline_account_links l ON l.vendor = other.vendor AND l.vendor_account = other.vendor_account
           WHERE other.event_id = i.event_id AND l.practitioner_id = $1 AND l.status = 'confirmed')`,
      [key.practitionerId, key.vendor, key.vendorAccount],
    );
    return (removed.rowCount ?? 0) > 0;
  });
}

export async function listAccountLinks(
  db: pg.Pool | pg.ClientBase,
  filter: { practitionerId: string } | { status: 'pending' },
): Promise<AccountLink[]> {
  const { rows } =
    'practitionerId' in filter
      ? await db.query<LinkRow>(
          'SELECT * FROM timeline_account_links WHERE practitioner_id = $1 ORDER BY vendor, vendor_account',
          [filter.practitionerId],
        )
      : await db.query<LinkRow>(
          `SELECT * FROM timeline_account_links WHERE status = 'pending' ORDER BY requested_at LIMIT 500`,
        );
  return rows.map(fromRow);
}
