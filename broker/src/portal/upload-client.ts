import { DEVICE_UPLOAD_PATH, DeviceUploadReceipt, signRequest, type DeviceUpload } from '@hcw/common';

/** Hands a checked and scanned file from a device to the portal (signed, over the internal TLS link). */
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
    if (response.status !== 201 && response.status !== 200) {
      throw new Error(`the portal refused the upload (${response.status})`);
    }
    return DeviceUploadReceipt.parse(await response.json());
  }
}
