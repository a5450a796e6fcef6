import assert from 'node:assert/strict';
import type { PullConnector } from '#workspace-app/connectors/connector.js';
import { VendorPayloadError } from '#workspace-app/connectors/vendor-payload-error.js';
import { VendorUnavailableError } from '#workspace-app/connectors/vendor-unavailable-error.js';
import { idempotencyKey } from '#workspace-app/connectors/canonical-event.js';

/** A vendor's sandbox, running, as the contract drives it. */
export interface VendorUnderContract {
  /** Puts one item on the vendor, written at `at`; `isLarge` makes it well above 16 KiB. */
  add(item: { at: Date; isLarge?: boolean }): void;
  /** What the vendor's own web page shows of an item `add` put there. */
  shownOnPage: RegExp;
  /** The vendor stops answering: requests hang. */
  hang(): void;
  connector(options?: { maxPageBytes?: number; budgetMs?: number; timeoutMs?: number }): PullConnector;
  close(): Promise<void>;
}

const LATER = new Date('2024-05-01T03:00:00Z');
const EARLIER = new Date('2024-04-30T23:15:00Z');

/**
 * What every pull connector keeps, whatever its vendor speaks: retries give the same events, each event keeps
 * its own time, its link opens the vendor's page, and a page too large or a vendor that hangs is refused with
 * the error the timeline knows what to do with. Each connector's own suite adds what is particular to it.
 */
export function pullConnectorContract(name: string, start: () => Promise<VendorUnderContract>): void {
  describe(`${name}: the contract of every pull connector`, () => {
    let vendor: VendorUnderContract;
    beforeEach(async () => {
      vendor = await start();
    });
    afterEach(() => vendor.close());

    it('maps what it fetched twice to the same idempotency keys', async () => {
      vendor.add({ at: LATER });

      const first = await vendor.connector().fetch(undefined);
      const again = await vendor.connector().fetch(undefined);

      assert.equal(first.events.length, 1);
      assert.deepEqual(first.events.map(idempotencyKey), again.events.map(idempotencyKey));
    });

    it('keeps each item its own time when an older one reaches the vendor after a newer one', async () => {
      vendor.add({ at: LATER });
      vendor.add({ at: EARLIER });

      const { events } = await vendor.connector().fetch(undefined);

      assert.deepEqual(events.map((event) => event.occurredAt).sort(), [
        EARLIER.toISOString(),
        LATER.toISOString(),
      ]);
    });

    it('links each event to its page in the vendor’s web app', async () => {
      vendor.add({ at: LATER });
      const { events } = await vendor.connector().fetch(undefined);

      const page = await fetch(events[0]?.deepLink ?? '');

      assert.equal(page.status, 200);
      assert.match(await page.text(), vendor.shownOnPage);
    });

    it('refuses a page above its byte limit', async () => {
      vendor.add({ at: LATER, isLarge: true });

      await assert.rejects(
        vendor.connector({ maxPageBytes: 16 * 1024 }).fetch(undefined),
        (error: unknown) => error instanceof VendorPayloadError && error.reason === 'oversized',
      );
    });

    it('reports a vendor that does not answer as unavailable once its time budget is spent, and down', async () => {
      vendor.hang();

      await assert.rejects(
        vendor.connector({ budgetMs: 500 }).fetch(undefined),
        (error: unknown) => error instanceof VendorUnavailableError && error.reason === 'timeout',
      );
      assert.equal((await vendor.connector({ timeoutMs: 100 }).health()).status, 'down');
    });
  });
}
