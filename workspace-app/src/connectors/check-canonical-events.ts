import { canonicalEvent, type CanonicalEvent } from './canonical-event.js';
import { describeIssues } from './parse-vendor-json.js';
import { VendorPayloadError } from './vendor-payload-error.js';

/**
 * The last gate before the timeline: every event a connector built must satisfy the canonical schema
 * (plausible vitals, a safe deep link, bounded text). One failure refuses the whole payload, so a batch is
 * never half stored.
 */
export function checkCanonicalEvents(vendor: string, candidates: readonly unknown[]): CanonicalEvent[] {
  return candidates.map((candidate, index) => {
    const result = canonicalEvent.safeParse(candidate);
    if (result.success) return result.data;
    throw new VendorPayloadError(
      vendor,
      'malformed',
      `${recordName(candidate, index)}: ${describeIssues(result.error)}`,
    );
  });
}

function recordName(candidate: unknown, index: number): string {
  if (candidate && typeof candidate === 'object' && 'vendorMessageId' in candidate) {
    const id = candidate.vendorMessageId;
    if (typeof id === 'string' && /^[\w.:/-]{1,100}$/.test(id)) return `record ${id}`;
  }
  return `record #${index + 1}`;
}
