import type pg from 'pg';
import type { CanonicalEvent } from '../connectors/canonical-event.js';
import { storeEvents, type StoredEvents } from './store-events.js';
import { recordVendorSuccess } from './vendor-health.js';
import { withTransaction } from '@hcw/common';

/**
 * Stores what a push vendor delivered, in one transaction. The webhook answers 2xx only after the commit,
 * so a crash before it makes the vendor deliver again, and the unique key makes that second delivery a
 * no-op if the first one did commit.
 */
export async function storePushedEvents(
  pool: pg.Pool,
  vendor: string,
  events: readonly CanonicalEvent[],
): Promise<StoredEvents> {
  if (events.some((event) => event.vendor !== vendor)) {
    throw new Error(`a ${vendor} delivery carried another vendor's events`);
  }
  return withTransaction(pool, async (client) => {
    const stored = await storeEvents(client, events);
    await recordVendorSuccess(client, vendor);
    return stored;
  });
}
