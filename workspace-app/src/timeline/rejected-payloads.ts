import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { VendorPayloadError } from '../connectors/vendor-payload-error.js';

/**
 * Keeps a record of a payload refused whole: the vendor, the reason and where in the payload, plus the
 * size and hash so the vendor can find the delivery on its side. The content is never kept or logged:
 * it is patient data, and it was not trusted.
 */
export async function recordRejectedPayload(
  db: pg.ClientBase | pg.Pool,
  error: VendorPayloadError,
  body?: Uint8Array,
): Promise<void> {
  await db.query(
    `INSERT INTO timeline_rejected_payloads (vendor, reason, detail, byte_length, sha256)
     VALUES ($1, $2, $3, $4, $5)`,
    [
      error.vendor,
      error.reason,
      error.detail.slice(0, 500),
      body?.byteLength ?? null,
      body ? createHash('sha256').update(body).digest('hex') : null,
    ],
  );
}
