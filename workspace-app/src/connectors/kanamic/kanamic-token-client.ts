import { z } from 'zod';
import { parseVendorJson } from '../parse-vendor-json.js';
import { requestVendor } from '../request-vendor.js';
import { VendorAuthError } from '../vendor-auth-error.js';
import { VendorPayloadError } from '../vendor-payload-error.js';

const tokenResponse = z.object({
  access_token: z.string().min(1).max(4_096),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().int().positive(),
});

export interface KanamicTokenClient {
  /** A token that is valid for a while yet; fetched from the token endpoint only when needed. */
  token(signal?: AbortSignal): Promise<string>;
  /** Forget the token, after the API refused it before its announced expiry. */
  invalidate(): void;
}

/** OAuth2 client-credentials grant against Kanamic's token endpoint. */
export function createKanamicTokenClient(options: {
  vendor: string;
  tokenUrl: URL;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  now: () => Date;
}): KanamicTokenClient {
  let current: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const request = async (signal?: AbortSignal): Promise<string> => {
    const credentials = Buffer.from(
      `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
    ).toString('base64');
    const response = await requestVendor(
      options.tokenUrl,
      {
        method: 'POST',
        headers: {
          authorization: `Basic ${credentials}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
      },
      {
        vendor: options.vendor,
        timeoutMs: options.timeoutMs,
        maxBytes: 16 * 1024,
        ...(signal ? { signal } : {}),
      },
    );
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      throw new VendorAuthError(options.vendor, `token endpoint answered HTTP ${response.status}`);
    }
    if (response.status !== 200) {
      throw new VendorPayloadError(
        options.vendor,
        'malformed',
        `token endpoint answered HTTP ${response.status}`,
      );
    }
    const granted = parseVendorJson(options.vendor, response.body, tokenResponse);
    // Renew a little early, so a token does not expire between being handed out and being used.
    const margin = Math.min(30, granted.expires_in / 10);
    current = {
      token: granted.access_token,
      renewAt: options.now().getTime() + (granted.expires_in - margin) * 1000,
    };
    return granted.access_token;
  };

  return {
    token(signal) {
      if (current && current.renewAt > options.now().getTime()) return Promise.resolve(current.token);
      // Concurrent callers share one request instead of each asking for a token of its own.
      pending ??= request(signal).finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate() {
      current = undefined;
    },
  };
}
