import type { BackoffPolicy } from './retry-with-backoff.js';

/** How hard a pull connector tries before it reports the vendor unavailable. */
export interface PullPolicy extends BackoffPolicy {
  /** One HTTP request, body included. */
  timeoutMs: number;
  /** One whole `fetch`, retries and pages included; what a down vendor can cost the poll round at most. */
  budgetMs: number;
  /** Pages (or export batches) one `fetch` takes before it answers `hasMore`. */
  maxPages: number;
}

export const defaultPullPolicy: PullPolicy = {
  timeoutMs: 5_000,
  retries: 2,
  baseDelayMs: 250,
  maxDelayMs: 2_000,
  budgetMs: 20_000,
  maxPages: 10,
};

export function pullPolicy(overrides: Partial<PullPolicy> = {}): PullPolicy {
  return { ...defaultPullPolicy, ...overrides };
}

/** Aborts when the pull's budget is spent or the caller gives up, whichever comes first. */
export function budgetSignal(policy: PullPolicy, callerSignal?: AbortSignal): AbortSignal {
  const budget = AbortSignal.timeout(policy.budgetMs);
  return callerSignal ? AbortSignal.any([budget, callerSignal]) : budget;
}
