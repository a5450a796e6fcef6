import { setTimeout as sleep } from 'node:timers/promises';
import { VendorUnavailableError } from './vendor-unavailable-error.js';

export interface BackoffPolicy {
  /** Tries after the first one. */
  retries: number;
  baseDelayMs: number;
  /** No wait is longer than this, whatever the attempt count or the vendor's Retry-After. */
  maxDelayMs: number;
}

/**
 * Runs `operation` again after a `VendorUnavailableError`, waiting exponentially longer each time up to a
 * cap. Any other error (a refused payload, refused credentials) is final and thrown at once, and so is the
 * last error once `signal` aborts, so a caller's time budget always wins over the retries.
 */
export async function retryWithBackoff<T>(
  operation: () => Promise<T>,
  policy: BackoffPolicy,
  options: { signal?: AbortSignal; random?: () => number } = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (
        !(error instanceof VendorUnavailableError) ||
        attempt >= policy.retries ||
        options.signal?.aborted
      ) {
        throw error;
      }
      const delay = backoffDelay(attempt, policy, error.retryAfterMs, options.random);
      try {
        await sleep(delay, undefined, options.signal ? { signal: options.signal } : {});
      } catch {
        throw error;
      }
    }
  }
}

/**
 * Half of the exponential step is fixed and half random ("equal jitter"): many portal instances retrying
 * one recovering vendor spread out, and no retry comes back immediately.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = step / 2 + (random() * step) / 2;
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
}
