import type { ConnectorHealth } from './connector.js';
import { requestVendor } from './request-vendor.js';

/** Asks a vendor's status endpoint; any answer but 200 within the timeout counts as down. Never throws. */
export async function probeVendorHealth(
  connectorId: string,
  url: URL,
  init: RequestInit,
  options: { timeoutMs: number; now: () => Date },
): Promise<ConnectorHealth> {
  const checkedAt = options.now().toISOString();
  const started = performance.now();
  try {
    const response = await requestVendor(url, init, {
      vendor: connectorId,
      timeoutMs: options.timeoutMs,
      maxBytes: 64 * 1024,
    });
    const latencyMs = Math.round(performance.now() - started);
    if (response.status === 200) return { connectorId, status: 'up', checkedAt, latencyMs };
    return { connectorId, status: 'down', checkedAt, latencyMs, detail: `HTTP ${response.status}` };
  } catch (error) {
    return {
      connectorId,
      status: 'down',
      checkedAt,
      detail: error instanceof Error ? error.message : String(error),
    };
  }
}
