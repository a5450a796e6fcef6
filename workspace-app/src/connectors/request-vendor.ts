import { VendorPayloadError } from './vendor-payload-error.js';
import { VendorUnavailableError } from './vendor-unavailable-error.js';

export interface VendorRequestOptions {
  vendor: string;
  /** For this one request, body included. */
  timeoutMs: number;
  /** The body is refused, and the connection dropped, as soon as it grows past this. */
  maxBytes: number;
  /** Aborts with the caller, e.g. when the whole pull's time budget is spent. */
  signal?: AbortSignal;
}

export interface VendorResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/**
 * One HTTP request to a vendor through the global `fetch`, with the guarantees every connector needs:
 * it ends within `timeoutMs`, never buffers more than `maxBytes`, and fails only with typed errors.
 * 5xx and 429 become `VendorUnavailableError` (worth retrying); other statuses are the caller's to judge.
 * Redirects are not followed: a vendor answer must not send the portal's credentials elsewhere.
 */
export async function requestVendor(
  url: string | URL,
  init: RequestInit,
  options: VendorRequestOptions,
): Promise<VendorResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal, redirect: 'manual' });
  } catch (error) {
    throw asUnavailable(options, error, timeout);
  }
  if (response.status >= 500 || response.status === 429) {
    await response.body?.cancel().catch(() => undefined);
    throw new VendorUnavailableError(
      options.vendor,
      response.status === 429 ? 'rate-limited' : 'server-error',
      `HTTP ${response.status}`,
      { retryAfterMs: retryAfterMs(response.headers.get('retry-after')) },
    );
  }
  const body = await readLimited(response, options, timeout);
  return { status: response.status, headers: response.headers, body };
}

async function readLimited(
  response: Response,
  options: VendorRequestOptions,
  timeout: AbortSignal,
): Promise<Uint8Array> {
  const tooLarge = () =>
    new VendorPayloadError(options.vendor, 'oversized', `response above ${options.maxBytes} bytes`);
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > options.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof VendorPayloadError) throw error;
    throw asUnavailable(options, error, timeout);
  }
  return Buffer.concat(chunks);
}

function asUnavailable(
  options: VendorRequestOptions,
  error: unknown,
  timeout: AbortSignal,
): VendorUnavailableError {
  if (timeout.aborted) {
    return new VendorUnavailableError(options.vendor, 'timeout', `no answer within ${options.timeoutMs} ms`, {
      cause: error,
    });
  }
  if (options.signal?.aborted) {
    return new VendorUnavailableError(options.vendor, 'timeout', 'time budget spent', { cause: error });
  }
  return new VendorUnavailableError(options.vendor, 'unreachable', networkCode(error), { cause: error });
}

function networkCode(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string')
    return cause.code;
  return error instanceof Error ? error.message : 'network error';
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\d{1,6}$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
