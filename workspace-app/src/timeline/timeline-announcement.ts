import type pg from 'pg';
import { z } from 'zod';

/**
 * How the transaction that stores events tells every portal instance which practitioners received which
 * events: a PostgreSQL NOTIFY sent inside that transaction, so it goes out exactly when the events commit
 * and never for a rolled-back batch. It carries IDs only; the kiosk fetches the items through the audited
 * read path.
 */
export const TIMELINE_CHANNEL = 'timeline_deliveries';

/** Event IDs per recipient practitioner. */
export type Deliveries = Map<string, number[]>;

// NOTIFY payloads must stay under 8000 bytes; split well below that.
const MAX_PAYLOAD_CHARS = 7_000;

const announcement = z.record(z.string().min(1).max(200), z.array(z.number().int().positive()).max(2_000));

export async function announceDeliveries(client: pg.ClientBase, deliveries: Deliveries): Promise<void> {
  for (const payload of announcementPayloads(deliveries)) {
    await client.query('SELECT pg_notify($1, $2)', [TIMELINE_CHANNEL, payload]);
  }
}

export function announcementPayloads(deliveries: Deliveries): string[] {
  const payloads: string[] = [];
  let current: Record<string, number[]> = {};
  let size = 2;
  const flush = () => {
    if (Object.keys(current).length > 0) payloads.push(JSON.stringify(current));
    current = {};
    size = 2;
  };
  for (const [practitionerId, eventIds] of deliveries) {
    for (const eventId of eventIds) {
      const entry = current[practitionerId];
      const added = entry ? String(eventId).length + 1 : JSON.stringify(practitionerId).length + 4 + 20;
      if (size + added > MAX_PAYLOAD_CHARS) flush();
      const list = current[practitionerId] ?? [];
      if (list.length === 0) current[practitionerId] = list;
      list.push(eventId);
      size += added;
    }
  }
  flush();
  return payloads;
}

/** Undefined for anything that is not an announcement; a listener ignores it. */
export function parseAnnouncement(payload: string | undefined): Deliveries | undefined {
  if (payload === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const parsed = announcement.safeParse(json);
  return parsed.success ? new Map(Object.entries(parsed.data)) : undefined;
}

/** Collects `[practitionerId, eventId]` pairs as SQL returns them. */
export function deliveriesFrom(pairs: ReadonlyArray<readonly [string, number | string]>): Deliveries {
  const deliveries: Deliveries = new Map();
  for (const [practitionerId, eventId] of pairs) {
    const list = deliveries.get(practitionerId) ?? [];
    if (list.length === 0) deliveries.set(practitionerId, list);
    list.push(Number(eventId));
  }
  return deliveries;
}
