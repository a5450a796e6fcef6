/** How a vendor failed to answer; all of them are worth another try later. */
export type VendorUnavailableReason = 'timeout' | 'unreachable' | 'server-error' | 'rate-limited';

/**
 * A vendor did not answer in time or answered that it cannot serve now. The timeline shows the vendor as
 * unreachable and keeps the other vendors' events flowing; the next poll or the vendor's own redelivery
 * catches up.
 */
export class VendorUnavailableError extends Error {
  override readonly name = 'VendorUnavailableError';
  /** What the vendor asked for with Retry-After, if anything. */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly vendor: string,
    readonly reason: VendorUnavailableReason,
    readonly detail: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(`${vendor}: unavailable, ${reason} (${detail})`, options);
    this.retryAfterMs = options?.retryAfterMs;
  }

  get messageJa(): string {
    return '連携先のシステムに接続できません。しばらくしてから自動的に再試行します。';
  }
}
