import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backoffDelay, retryWithBackoff } from '#workspace-app/connectors/retry-with-backoff.js';
import { VendorPayloadError } from '#workspace-app/connectors/vendor-payload-error.js';
import { VendorUnavailableError } from '#workspace-app/connectors/vendor-unavailable-error.js';

const policy = { retries: 3, baseDelayMs: 1, maxDelayMs: 5 };
const unavailable = () => new VendorUnavailableError('test-vendor', 'server-error', 'HTTP 503');

function failing(times: number, error: () => Error = unavailable) {
  let calls = 0;
  return {
    operation: async () => {
      calls++;
      if (calls <= times) throw error();
      return 'ok';
    },
    get calls() {
      return calls;
    },
  };
}

describe('retry with back-off', () => {
  it('retries an unavailable vendor until it answers', async () => {
    const vendor = failing(2);

    assert.equal(await retryWithBackoff(vendor.operation, policy), 'ok');
    assert.equal(vendor.calls, 3);
  });

  it('gives up after its retries with the last error', async () => {
    const vendor = failing(10);

    await assert.rejects(retryWithBackoff(vendor.operation, policy), VendorUnavailableError);
    assert.equal(vendor.calls, 4);
  });

  it('does not retry a refused payload, which would only be refused again', async () => {
    const vendor = failing(1, () => new VendorPayloadError('test-vendor', 'malformed', 'x'));

    await assert.rejects(retryWithBackoff(vendor.operation, policy), VendorPayloadError);
    assert.equal(vendor.calls, 1);
  });

  it('stops waiting as soon as its signal aborts', async () => {
    const vendor = failing(10);

    await assert.rejects(
      retryWithBackoff(
        vendor.operation,
        { retries: 5, baseDelayMs: 10_000, maxDelayMs: 10_000 },
        {
          signal: AbortSignal.timeout(50),
        },
      ),
      VendorUnavailableError,
    );
    // Aborted during the first ten-second wait: no second call was made.
    assert.equal(vendor.calls, 1);
  });

  it('waits between half and all of the capped exponential step, never beyond the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseDelayMs, maxDelayMs, random) => {
          const step = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
          const delay = backoffDelay(
            attempt,
            { retries: 5, baseDelayMs, maxDelayMs },
            undefined,
            () => random,
          );
          assert.ok(delay >= step / 2 && delay <= step && delay <= maxDelayMs);
        },
      ),
    );
  });

  it("honours a vendor's Retry-After up to its cap", () => {
    const stepPolicy = { retries: 5, baseDelayMs: 100, maxDelayMs: 2_000 };

    assert.equal(
      backoffDelay(0, stepPolicy, 1_500, () => 0),
      1_500,
    );
    assert.equal(
      backoffDelay(0, stepPolicy, 60_000, () => 0),
      2_000,
    );
  });
});
