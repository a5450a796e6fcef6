import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PushRequest } from '../connector.js';
import { VendorPayloadError } from '../vendor-payload-error.js';
import { MCS_SIGNATURE_HEADER, MCS_TIMESTAMP_HEADER } from './mcs-notification.js';

/**
 * MCS signs `<unix seconds>.<raw body>` with HMAC-SHA256 under the webhook's shared secret. The timestamp
 * is inside the signature, so a captured delivery cannot be replayed once it leaves the window.
 */
export function verifyMcsSignature(
  vendor: string,
  secret: string,
  request: PushRequest,
  now: Date,
  replayWindowMs: number,
): void {
  const refuse = (detail: string) => new VendorPayloadError(vendor, 'bad-signature', detail);
  const timestamp = header(request, MCS_TIMESTAMP_HEADER);
  const signature = header(request, MCS_SIGNATURE_HEADER);
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) throw refuse('missing or invalid timestamp');
  if (signature === undefined || !/^sha256=[0-9a-f]{64}$/i.test(signature)) throw refuse('missing signature');
  if (Math.abs(now.getTime() - Number(timestamp) * 1000) > replayWindowMs) {
    throw refuse('timestamp outside the replay window');
  }
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(request.body).digest();
  const given = Buffer.from(signature.slice('sha256='.length), 'hex');
  if (!timingSafeEqual(given, expected)) throw refuse('signature does not match');
}

function header(request: PushRequest, name: string): string | undefined {
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() !== name) continue;
    return typeof value === 'string' ? value.trim() : undefined;
  }
  return undefined;
}
