import { z } from 'zod';
import {
  DEVICE_UPLOAD_PATH,
  DeviceUploadReceipt,
  HttpError,
  signRequest,
  type DeviceUpload,
} from '@hcw/common';

/** The portal's answer to a refused upload: its own bilingual message, for the device to show. */
const Refusal = z.object({ error: z.object({ ja: z.string().max(500), en: z.string().max(500) }) });

/**
 * Hands a checked and scanned file from a device to the portal (signed, over the internal TLS link). A refusal
 * the person can act on (4xx: too many files waiting, an id already taken) comes back as an HttpError with the
 * portal's message; anything else is an Error.
 */
export class PortalUploadClient {
  constructor(
    private readonly internalUrl: string,
    private readonly secret: string,
  ) {}

  async deliver(upload: DeviceUpload): Promise<DeviceUploadReceipt> {
    const body = JSON.stringify(upload);
    const response = await fetch(`${this.internalUrl}${DEVICE_UPLOAD_PATH}`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        ...signRequest(this.secret, 'POST', DEVICE_UPLOAD_PATH, body),
      },
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status >= 400 && response.status < 500) {
      const refusal = Refusal.safeParse(await response.json().catch(() => undefined));
      if (refusal.success) throw new HttpError(response.status, refusal.data.error.ja, refusal.data.error.en);
    }
    if (response.status !== 201 && response.status !== 200) {
      throw new Error(`the portal refused the upload (${response.status})`);
    }
    return DeviceUploadReceipt.parse(await response.json());
  }
}
