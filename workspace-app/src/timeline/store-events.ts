import type pg from 'pg';
import type { CanonicalEvent } from '../connectors/canonical-event.js';
import { announceDeliveries, deliveriesFrom, type Deliveries } from './timeline-announcement.js';

/** The source name of the portal's own notifications; no connector may use it. */
export const PORTAL_SOURCE = 'portal';

export interface StoredEvents {
  /** Events new to the timeline; the rest were already stored (a redelivery or a retry). */
  inserted: number;
  duplicates: number;
  deliveries: Deliveries;
}

/**
 * Stores vendor events once each, notes which account received each one, and puts them into the inboxes
 * of the practitioners whose confirmed link covers that account. A second delivery of a message to the
 * same account changes nothing; a delivery to another account (another member of the group) reaches that
 * account's practitioners without storing the message twice. Meant to run inside the caller's transaction
 * (with the cursor, or before the webhook's answer), so events, inboxes and the live announcement commit
 * together.
 */
export async function storeEvents(
  client: pg.ClientBase,
  events: readonly CanonicalEvent[],
): Promise<StoredEvents> {
  if (events.length === 0) return { inserted: 0, duplicates: 0, deliveries: new Map() };
  if (events.some((event) => event.vendor === PORTAL_SOURCE)) {
    throw new Error(`the source name "${PORTAL_SOURCE}" is reserved for the portal's own notifications`);
  }
  const rows = events.map((event) => ({
    vendor: event.vendor,
    vendor_message_id: event.vendorMessageId,
    vendor_account: event.vendorAccount,
    patient_group_ref: event.patientGroupRef,
    patient_group_name: event.patientGroupName ?? null,
    author_role: event.author.role,
    author_role_label: event.author.roleLabel ?? null,
    author_name: event.author.name ?? null,
    occurred_at: event.occurredAt,
    kind: event.kind,
    title: event.title,
    body: event.body ?? null,
    unread_count: event.unreadCount ?? null,
    deep_link: event.deepLink ?? null,
    vitals: event.vitals ?? null,
    received_at: event.receivedAt,
  }));
  const keys = JSON.stringify(
    rows.map(({ vendor, vendor_message_id, vendor_account }) => ({
      vendor,
      vendor_message_id,
      vendor_account,
    })),
  );
  await lockAccounts(
    client,
    rows.map((row) => `${row.vendor}:${row.vendor_account}`),
    'shared',
  );
  const inserted = await client.query(
    `INSERT INTO timeline_events (vendor, vendor_message_id, vendor_account, patient_group_ref,
       patient_group_name, author_role, author_role_label, author_name, occurred_at, kind, title, body,
       unread_count, deep_link, vitals, received_at)
     SELECT vendor, vendor_message_id, vendor_account, patient_group_ref, patient_group_name, author_role,
       author_role_label, author_name, occurred_at, kind, title, body, unread_count, deep_link, vitals,
       received_at
     FROM jsonb_to_recordset($1::jsonb) AS t(
       vendor text, vendor_message_id text, vendor_account text, patient_group_ref text,
       patient_group_name text, author_role text, author_role_label text, author_name text,
       occurred_at timestamptz, kind text, title text, body text, unread_count integer, deep_link text,
       vitals jsonb, received_at timestamptz)
     ON CONFLICT (vendor, vendor_message_id) DO NOTHING`,
    [JSON.stringify(rows)],
  );
  // A statement of its own: its snapshot sees the events this one inserted and any a concurrent
  // delivery of the same message committed meanwhile (the insert above waited for it).
  const delivered = await client.query<{ practitioner_id: string; event_id: string }>(
    `WITH input AS (
       SELECT DISTINCT vendor, vendor_message_id, vendor_account
       FROM jsonb_to_recordset($1::jsonb) AS t(vendor text, vendor_message_id text, vendor_account text)
     ), received AS (
       INSERT INTO timeline_event_receipts (vendor, vendor_account, event_id, occurred_at)
       SELECT i.vendor, i.vendor_account, e.id, e.occurred_at
       FROM input i JOIN timeline_events e ON e.vendor = i.vendor AND e.vendor_message_id = i.vendor_message_id
       ON CONFLICT DO NOTHING
       RETURNING vendor, vendor_account, event_id, occurred_at
     )
     INSERT INTO timeline_inbox (practitioner_id, event_id, occurred_at, vendor)
     SELECT l.practitioner_id, r.event_id, r.occurred_at, r.vendor
     FROM received r
     JOIN timeline_account_links l
       ON l.vendor = r.vendor AND l.vendor_account = r.vendor_account AND l.status = 'confirmed'
     ON CONFLICT DO NOTHING
     RETURNING practitioner_id, event_id`,
    [keys],
  );
  const deliveries = deliveriesFrom(
    delivered.rows.map((row) => [row.practitioner_id, row.event_id] as const),
  );
  await announceDeliveries(client, deliveries);
  const insertedCount = inserted.rowCount ?? 0;
  return { inserted: insertedCount, duplicates: events.length - insertedCount, deliveries };
}

/**
 * Serialises, per vendor account, storing events against confirming or removing a link to that account.
 * Without it, a link confirmed while a batch for its account is being stored could miss the batch both
 * ways: the batch's fan-out would not yet see the link, and the confirmation's backfill would not yet see
 * the batch. Storing takes the lock shared (batches do not wait for each other), a link change takes it
 * exclusive; both hold it until they commit.
 */
export async function lockAccounts(
  client: pg.ClientBase,
  accounts: readonly string[],
  mode: 'shared' | 'exclusive',
): Promise<void> {
  const keys = [...new Set(accounts)].sort();
  const lock = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await client.query(
    `SELECT ${lock}(hashtextextended('timeline-account:' || key, 0))
     FROM unnest($1::text[]) AS key ORDER BY key`,
    [keys],
  );
}
