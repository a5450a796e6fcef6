import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestError, HttpError } from '../http/http-error.js';

/**
 * Service-to-service requests (broker → desktop agent, broker → portal) are signed with a shared secret:
 * HMAC-SHA256 over the method, path, a timestamp and the body's hash. A request outside the time window
 * or with a wrong signature is refused, so a captured request cannot be replayed later or altered.
 */
export const SIGNATURE_HEADER = 'x-hcw-signature';
export const TIMESTAMP_HEADER = 'x-hcw-timestamp';
export const SIGNATURE_WINDOW_MS = 30_000;

function payload(method: string, path: string, timestamp: string, body: string): string {
  const bodyHash = createHash('sha256').update(body, 'utf8').digest('hex');
  return `${method.toUpperCase()}\n${path}\n${timestamp}\n${bodyHash}`;
}

export function signRequest(
  secret: string,
  method: string,
  path: string,
  body: string,
  now: number = Date.now(),
): Record<string, string> {
  const timestamp = String(now);
  const signature = createHmac('sha256', secret)
    .update(payload(method, path, timestamp, body))
    .digest('hex');
  return { [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: timestamp };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifyRequest(
  secret: string,
  method: string,
  path: string,
  body: string,
  headers: Record<string, string | string[] | undefined>,
  now: number = Date.now(),
): SignatureCheck {
  const signature = headers[SIGNATURE_HEADER];
  const timestamp = headers[TIMESTAMP_HEADER];
  if (typeof signature !== 'string' || typeof timestamp !== 'string' || !/^\d{1,15}$/.test(timestamp)) {
    return { ok: false, reason: 'missing signature' };
  }
  if (Math.abs(now - Number(timestamp)) > SIGNATURE_WINDOW_MS) {
    return { ok: false, reason: 'signature outside the time window' };
  }
  const expected = createHmac('sha256', secret)
    .update(payload(method, path, timestamp, body))
    .digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad signature' };
  }
  return { ok: true };
}

/**
 * The JSON of a signed service-to-service request's body (the raw text, as signed), or the refusal a person
 * can act on: 401 when the signature is missing, stale or wrong, 400 when the body is not JSON.
 */
export function verifiedJson(
  secret: string,
  method: string,
  path: string,
  body: string,
  headers: Record<string, string | string[] | undefined>,
): unknown {
  const check = verifyRequest(secret, method, path, body, headers);
  if (!check.ok) throw new HttpError(401, '署名を確認できません。', `Signature refused: ${check.reason}`);
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new BadRequestError('JSON 形式ではありません。', 'The body is not JSON.');
  }
}
